"""Money and number rules that exist exactly once in the project.

Amounts are stored as exact Decimal kronor. They are rounded only when shown, in the unit
the reader chose (kr, tkr, mnkr), half away from zero, as Swedish reports do.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum


class Unit(Enum):
    KR = ("kr", Decimal(1), 0)
    TKR = ("tkr", Decimal(1_000), 0)
    MNKR = ("mnkr", Decimal(1_000_000), 1)

    def __init__(self, code: str, divisor: Decimal, decimals: int) -> None:
        self.code = code
        self.divisor = divisor
        self.decimals = decimals

    @classmethod
    def from_code(cls, code: str) -> "Unit":
        for unit in cls:
            if unit.code == code:
                return unit
        raise ValueError(f"Okänd enhet {code!r}: välj kr, tkr eller mnkr.")


def unit_or_default(code: str | None, default: Unit) -> Unit:
    """The unit a reader asked for (?enhet=tkr), or `default` for anything else."""
    try:
        return Unit.from_code(code) if code else default
    except ValueError:
        return default


def deviation(budget: Decimal | None, outcome: Decimal | None) -> Decimal | None:
    """Avvikelse = budget − utfall (or − prognos): positive means under budget."""
    if budget is None or outcome is None:
        return None
    return budget - outcome


def in_unit(amount: Decimal | None, unit: Unit) -> Decimal | None:
    """The amount in `unit`, rounded to the unit's shown precision."""
    if amount is None:
        return None
    quantum = Decimal(1).scaleb(-unit.decimals)
    return (amount / unit.divisor).quantize(quantum, rounding=ROUND_HALF_UP)


def format_swedish(value: Decimal | None, decimals: int = 0, empty: str = "–") -> str:
    """`Decimal("-1234.5")` → "−1 234,5" with a non-breaking space between thousands."""
    if value is None:
        return empty
    quantum = Decimal(1).scaleb(-decimals)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never show "-0,0"
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")


def decimal_comma(number: Decimal | int | float) -> str:
    """A number as plain digits with a decimal comma, as Swedish Excel reads a CSV cell:
    `Decimal("-1234.50")` → "-1234,50", no thousands separator, no exponent. A float is
    read as its shortest text (88.3, not 88.29999…)."""
    if not isinstance(number, Decimal):
        number = Decimal(repr(number))
    return format(number, "f").replace(".", ",")


def format_amount(amount: Decimal | None, unit: Unit) -> str:
    return format_swedish(in_unit(amount, unit), unit.decimals)


_SPACES = str.maketrans("", "", " \u00a0\u2009\u202f\t")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-"})


def parse_swedish_number(text: str) -> Decimal:
    """Read a number as Swedish documents and ledger exports write it.

    Accepts "1 234,50" (space, non-breaking or thin space between thousands), "-1 234,50",
    "−1 234,50" (Unicode minus), "1234.50", and a trailing "%" or unit word such as
    "tkr/år". Raises ValueError with a Swedish message when the text is not a number.
    """
    original = text
    cleaned = text.strip().translate(_MINUSES)
    for suffix in ("tkr/år", "tkr", "mnkr", "kr", "%", "."):
        if cleaned.endswith(suffix) and cleaned[: -len(suffix)].strip():
            cleaned = cleaned[: -len(suffix)]
    cleaned = cleaned.translate(_SPACES)
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:
        raise ValueError(f"{original!r} är inte ett tal.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{original!r} är inte ett tal.") from exc
    if not value.is_finite():
        raise ValueError(f"{original!r} är inte ett tal.")
    return value
