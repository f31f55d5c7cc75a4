from django import template

register = template.Library()


@register.filter
def level_count(table, level) -> int:
    """How many nämndmål of a table or målområde have the målbedömning `level`."""
    return table.count(level)
