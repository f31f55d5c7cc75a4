"""JSON whose numbers are exact decimals: a Decimal is written as a JSON number with the
same digits, and read back as a Decimal, never through a binary float's rounding."""

import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return exact_float(o)
        return super().default(o)


def exact_float(value: Decimal) -> int | float:
    """The number that JSON writes with exactly the value of `value`: a whole number as an
    integer (2535), any other as the float written with its digits (2200.5).

    Python writes a float with the fewest digits that read back as the same float, so a
    decimal of up to 15 significant digits comes out as written; the money and indicator
    figures of a report have at most 14. A longer one is refused rather than rounded.
    """
    if value.is_finite() and value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    number = float(value)
    if not value.is_finite() or Decimal(repr(number)) != value:
        raise ValueError(f"{value} kan inte skrivas exakt som ett JSON-tal.")
    return number


class ExactJSONDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


def dumps(document, **kwargs) -> str:
    return json.dumps(document, cls=ExactJSONEncoder, ensure_ascii=False, **kwargs)
