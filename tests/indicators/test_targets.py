import time
from decimal import Decimal

import pytest

from indicators.models import Target
from indicators.targets import describe_target, parse_target, target_met


@pytest.mark.parametrize(
    ("printed", "kind", "comparison", "value", "direction", "text"),
    [
        ("88", "number", "", Decimal(88), "", ""),
        ("95 %", "number", "", Decimal(95), "", ""),
        ("250 tkr/år", "number", "", Decimal(250), "", ""),
        ("≥0", "bound", ">=", Decimal(0), "", ""),
        ("<1 %", "bound", "<", Decimal(1), "", ""),
        ("<0,5 %", "bound", "<", Decimal("0.5"), "", ""),
        ("≤ 30", "bound", "<=", Decimal(30), "", ""),
        ("Ska minska", "direction", "", None, "decrease", ""),
        ("Ska öka", "direction", "", None, "increase", ""),
        ("I.U.", "missing", "", None, "", ""),
        ("Inga signifikanta skillnader", "text", "", None, "", "Inga signifikanta skillnader"),
        ("Målvärde sätts under 2023", "text", "", None, "", "Målvärde sätts under 2023"),
    ],
)
def test_it_reads_every_target_form_of_the_seeds(printed, kind, comparison, value, direction, text):
    parsed = parse_target(printed)

    assert (parsed.kind, parsed.comparison, parsed.value, parsed.direction, parsed.text) == (
        kind,
        comparison,
        value,
        direction,
        text,
    )


@pytest.mark.parametrize(
    ("printed", "kind"),
    [("≥\n5", "bound"), ("≥ 5\n6", "text"), ("≥", "text"), ("≥ \n ", "text")],
)
def test_a_bound_holds_one_line_after_its_comparison(printed, kind):
    assert parse_target(printed).kind == kind


def test_reading_a_target_takes_time_in_proportion_to_its_length():
    # Spaces and a line break after the comparison sent a backtracking pattern through
    # every split of the spaces: seconds for a cell of 30 000 characters.
    printed = "≥" + " " * 30_000 + "\nx\ny"
    started = time.perf_counter()

    parsed = parse_target(printed)

    assert time.perf_counter() - started < 0.5
    assert parsed.kind == "text"


def target(printed: str) -> Target:
    parsed = parse_target(printed)
    return Target(
        kind=parsed.kind,
        comparison=parsed.comparison,
        value=parsed.value,
        direction=parsed.direction,
        text=parsed.text,
        decimals=parsed.decimals,
    )


@pytest.mark.parametrize(
    ("printed", "shown"),
    [
        ("≥0", "≥ 0"),
        ("<0,5 %", "< 0,5"),
        ("88", "88"),
        ("6,0", "6,0"),
        ("≤ 5,00", "≤ 5,00"),
        ("Ska minska", "Ska minska"),
        ("I.U.", "I.U."),
    ],
)
def test_it_shows_a_target_in_swedish(printed, shown):
    assert describe_target(target(printed)) == shown


def test_it_judges_a_value_against_the_target_and_the_indicators_direction():
    assert target_met(target("88"), Decimal("88.9"), None, "increase") is True
    assert target_met(target("12"), Decimal(15), None, "decrease") is False
    assert target_met(target("≥0"), Decimal("1.1"), None, "") is True
    assert target_met(target("<1 %"), Decimal("2.6"), None, "") is False
    assert target_met(target("Ska minska"), Decimal(2160), Decimal(2385), "decrease") is True
    assert target_met(target("Inga signifikanta skillnader"), Decimal(1), None, "") is None
    assert target_met(target("88"), None, None, "increase") is None
