"""Published open data keeps numbers as numbers: exact in, JSON numbers out, exact back."""

import importlib
import json
from decimal import Decimal

import pytest

from amn.lib.exact_json import ExactJSONDecoder, dumps
from reports.services.open_data import cell_text, csv_cell

migration = importlib.import_module("amn.migrations.0006_published_data_exact_numbers")


def test_a_decimal_is_written_as_a_json_number_with_its_digits_and_read_back_exactly():
    text = dumps({"a": Decimal("2200.5"), "b": Decimal("7.800032"), "c": Decimal("2535")})

    assert text == '{"a": 2200.5, "b": 7.800032, "c": 2535}'
    assert json.loads(text, cls=ExactJSONDecoder) == {
        "a": Decimal("2200.5"),
        "b": Decimal("7.800032"),
        "c": 2535,
    }


def test_a_decimal_that_a_json_number_cannot_hold_exactly_is_refused():
    with pytest.raises(ValueError, match="exakt"):
        dumps({"a": Decimal("0.12345678901234567")})


def test_a_number_cell_shows_at_least_the_decimals_the_report_shows():
    assert cell_text({"value": 86, "decimals": 1}) == "86,0"
    assert cell_text({"value": Decimal("15.123456"), "decimals": 1}) == "15,123456"
    assert csv_cell({"value": Decimal("-2.5"), "decimals": 1}) == "-2.5"
    assert csv_cell("=1+2") == "'=1+2"
    assert cell_text("2023") == "2023"


def test_versions_published_with_numbers_as_text_get_numbers_with_their_decimals():
    money = {
        "title": "Resultat",
        "heading": "AMN: driftsammandrag januari–augusti 2023, belopp mnkr",
        "headers": ["Verksamhet", "Redovisat"],
        "rows": [["Ekonomiskt bistånd", "15.123456"], ["Summa", "0"]],
    }
    indicators = {
        "title": "Nämndindikatorer",
        "heading": None,
        "headers": ["Mått", "2023"],
        "rows": [["Andel", "86.0"], ["Antal", 12], ["Kostnad", "I.U."], ["Tomt", None]],
    }

    typed_money = migration._typed_table(money)
    typed_indicators = migration._typed_table(indicators)

    assert typed_money["unit"] == "mnkr"
    assert typed_money["rows"][0][1] == {"value": Decimal("15.123456"), "decimals": 1}
    assert typed_money["rows"][1][1] == {"value": Decimal("0"), "decimals": 1}
    assert typed_indicators["unit"] is None
    assert [row[1] for row in typed_indicators["rows"]] == [
        {"value": Decimal("86.0"), "decimals": 1},
        {"value": 12, "decimals": 0},
        "I.U.",
        None,
    ]
    assert migration._text_table(typed_money)["rows"][0][1] == "15.123456"
