"""What an indicator value or målvärde may be: a number the database can hold, or I.U.
(ingen uppgift). One home for the word and the limits; the model fields are defined from
them, so a form, an import and the database agree."""

from decimal import Decimal

MISSING = "I.U."

# IndicatorValue.value, Target.value and KoladaValue.value hold 14 digits, 4 of them
# decimals.
MAX_DIGITS = 14
MAX_DECIMALS = 4
LARGEST = Decimal(10) ** (MAX_DIGITS - MAX_DECIMALS) - Decimal(10) ** -MAX_DECIMALS


def is_missing_word(text: object) -> bool:
    """Whether `text` is I.U. as people type it: "I.U.", "I.U", "IU", in any case, with or
    without trailing dots."""
    return isinstance(text, str) and text.strip().rstrip(".").casefold() in {"i.u", "iu"}
