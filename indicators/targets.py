"""The target (målvärde) rules: reading a printed target, showing it, judging a value."""

import re
from dataclasses import dataclass
from decimal import Decimal

from amn.lib.money import format_swedish, parse_swedish_number
from indicators.values import MISSING, is_missing_word

# Only the comparison is matched by a pattern; the rest is cut by hand. `\s*(.+)$` after it
# backtracks: a target of spaces and line breaks took seconds (quadratic in its length).
_BOUND = re.compile(r"≥|≤|>=|<=|<|>")
_COMPARISON_OF = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "<": "<", ">": ">"}
_SHOWN_COMPARISON = {">=": "≥", "<=": "≤", "<": "<", ">": ">"}
_DIRECTIONS = {"ska minska": "decrease", "ska öka": "increase"}


@dataclass(frozen=True)
class ParsedTarget:
    kind: str
    comparison: str = ""
    value: Decimal | None = None
    direction: str = ""
    text: str = ""
    decimals: int = 0


def parse_target(printed: str) -> ParsedTarget:
    """ "88" → number, "≥0" / "<1 %" / "≤ 30" → bound, "Ska minska" → direction,
    "I.U." → missing, anything else → text."""
    text = printed.strip()
    lowered = text.lower()
    if is_missing_word(text):
        return ParsedTarget(kind="missing")
    if lowered in _DIRECTIONS:
        return ParsedTarget(kind="direction", direction=_DIRECTIONS[lowered])
    bound = _BOUND.match(text)
    rest = text[bound.end() :].lstrip() if bound else ""
    if rest and "\n" not in rest:
        try:
            value = parse_swedish_number(rest)
        except ValueError:
            return ParsedTarget(kind="text", text=text)
        return ParsedTarget(
            kind="bound",
            comparison=_COMPARISON_OF[bound.group()],
            value=value,
            decimals=decimals_of(value),
        )
    try:
        value = parse_swedish_number(text)
    except ValueError:
        return ParsedTarget(kind="text", text=text)
    return ParsedTarget(kind="number", value=value, decimals=decimals_of(value))


def decimals_of(printed: Decimal) -> int:
    """How many decimals a number was printed with: "6,0" has one, "88" none."""
    return max(0, -printed.as_tuple().exponent)


def format_value(value: Decimal | None, decimals: int) -> str:
    """An indicator value in Swedish format with as many decimals as it was reported with;
    the database keeps four, so "6,0" would otherwise come back as "6,0000"."""
    if value is None:
        return MISSING
    return format_swedish(value, decimals)


def describe_target(target) -> str:
    if target.kind == "missing":
        return MISSING
    if target.kind == "direction":
        return "Ska öka" if target.direction == "increase" else "Ska minska"
    if target.kind == "text":
        return target.text
    shown = format_value(target.value, target.decimals)
    if target.kind == "bound":
        return f"{_SHOWN_COMPARISON[target.comparison]} {shown}"
    return shown


def target_met(
    target, value: Decimal | None, previous: Decimal | None, direction: str
) -> bool | None:
    """Whether `value` meets `target`; None when it cannot be judged.

    A plain number is met when the value is at least it (or at most it, for an indicator
    where lower is better); a direction is met when the value moved that way since
    `previous`.
    """
    if target is None or value is None:
        return None
    if target.kind == "bound":
        return {
            ">=": value >= target.value,
            "<=": value <= target.value,
            ">": value > target.value,
            "<": value < target.value,
        }[target.comparison]
    if target.kind == "number":
        if direction == "decrease":
            return value <= target.value
        if direction == "increase":
            return value >= target.value
        return value == target.value
    if target.kind == "direction":
        if previous is None:
            return None
        return value > previous if target.direction == "increase" else value < previous
    return None
