"""Money in templates, through the one set of rules in amn.lib.money."""

from decimal import Decimal

from django import template

from amn.lib.money import Unit, format_amount, format_swedish

register = template.Library()


@register.filter
def kronor(value: Decimal | None) -> str:
    """Exact kronor with öre, Swedish format: 1 234,50."""
    return format_swedish(value, 2)


@register.filter
def in_unit(value: Decimal | None, unit: Unit) -> str:
    """Rounded to the unit the reader chose (kr, tkr, mnkr), Swedish format."""
    return format_amount(value, unit)


@register.filter
def percent(value: Decimal | None) -> str:
    """A share in percent with one decimal: −2,5 %."""
    return "–" if value is None else f"{format_swedish(value, 1)} %"
