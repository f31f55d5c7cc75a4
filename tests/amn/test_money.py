from decimal import Decimal

import pytest

from amn.lib.money import (
    Unit,
    decimal_comma,
    deviation,
    format_amount,
    format_swedish,
    in_unit,
    parse_swedish_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1\u2009234,50", "1234.50"),
        ("-1 234,50", "-1234.50"),
        ("\u22121 234,50", "-1234.50"),
        ("1234.50", "1234.50"),
        ("88,9", "88.9"),
        ("81,7.", "81.7"),
        ("100,0 %", "100.0"),
        ("244 tkr/år", "244"),
        ("0", "0"),
    ],
)
def test_it_reads_numbers_as_swedish_documents_write_them(text, expected):
    assert parse_swedish_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.234,5", "NaN", "Infinity", "--1"])
def test_it_refuses_text_that_is_not_a_number_with_a_swedish_message(text):
    with pytest.raises(ValueError, match="är inte ett tal"):
        parse_swedish_number(text)


def test_deviation_is_budget_minus_outcome_so_positive_is_under_budget():
    # 2023: "470 - Grundläggande vuxenutb 15,1 | 11,6 | -3,5"
    assert deviation(Decimal("11.6"), Decimal("15.1")) == Decimal("-3.5")
    assert deviation(None, Decimal(1)) is None


def test_rounding_is_half_away_from_zero_in_the_chosen_unit():
    assert in_unit(Decimal("1250000"), Unit.MNKR) == Decimal("1.3")
    assert in_unit(Decimal("-1250000"), Unit.MNKR) == Decimal("-1.3")
    assert in_unit(Decimal("1499.99"), Unit.TKR) == Decimal("1")
    assert in_unit(Decimal("1500"), Unit.TKR) == Decimal("2")


def test_amounts_are_shown_in_swedish_format():
    assert format_amount(Decimal("-19222000"), Unit.TKR) == "\u221219\u00a0222"
    assert format_amount(Decimal("401512345"), Unit.MNKR) == "401,5"
    assert format_swedish(Decimal("-0.04"), 1) == "0,0"
    assert format_swedish(None) == "–"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (Decimal("-1234.50"), "-1234,50"),
        (Decimal("1E+3"), "1000"),
        (1234567, "1234567"),
        (88.3, "88,3"),
        (0.1 + 0.2, "0,30000000000000004"),
    ],
)
def test_decimal_comma_writes_plain_digits_with_a_comma(number, expected):
    assert decimal_comma(number) == expected
