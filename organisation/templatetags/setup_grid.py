"""The inputs of a setup section's line, named as its form names them."""

from django import template

register = template.Library()


@register.filter
def part(mapping: dict, key: str) -> str:
    """`line.values|part:"code"`: a value of a line by the name of its part."""
    return mapping.get(key, "")


@register.simple_tag
def input_name(form, line, name: str) -> str:
    return f"{form.prefix_name}-{line.key}-{name}"
