from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user as pages name them: full name, else user name; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username
