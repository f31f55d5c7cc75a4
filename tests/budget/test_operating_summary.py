import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from budget.services.operating_summary import build_operating_summary
from tests.budget.seed_tables import AMN_2021_08_TKR, AMN_2023_08_MNKR, printed_figures

FIGURES = [
    "actual",
    "budget",
    "deviation",
    "actual_previous_year",
    "forecast",
    "budget_full_year",
    "forecast_deviation",
    "result_previous_year",
]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("operating_summary", *args, stdout=out)
    return out.getvalue()


def summary_json(year: int, unit: str) -> dict:
    return json.loads(
        run(
            "--committee",
            "AMN",
            "--year",
            str(year),
            "--month",
            "8",
            "--format",
            "json",
            "--unit",
            unit,
        )
    )


@pytest.mark.parametrize(
    ("year", "unit", "seed_table"),
    [(2023, "mnkr", AMN_2023_08_MNKR), (2021, "tkr", AMN_2021_08_TKR)],
)
def test_it_reproduces_every_figure_of_the_seed_tables(db, year, unit, seed_table):
    document = summary_json(year, unit)

    assert (document["committee"], document["year"], document["month"], document["unit"]) == (
        "AMN",
        year,
        8,
        unit,
    )
    shown = [(row["label"], [row[name] for name in FIGURES]) for row in document["rows"]]
    expected = [(label, printed_figures(to_date, full)) for label, to_date, full in seed_table]
    assert shown == expected


def test_it_labels_each_row_with_its_kind_and_verksamhet_code(db):
    rows = summary_json(2023, "mnkr")["rows"]

    assert [(r["code"], r["kind"]) for r in rows] == [
        ("100", "row"),
        ("470", "row"),
        ("472", "row"),
        ("474", "row"),
        ("476", "row"),
        ("575", "row"),
        ("600", "row"),
        ("610", "row"),
        ("921", "row"),
        ("926", "row"),
        ("", "sum"),
        ("", "units"),
        ("", "total"),
    ]


def test_sums_are_of_unrounded_amounts_not_of_rounded_rows(db):
    rows = summary_json(2023, "mnkr")["rows"]
    summed_rows = sum(r["actual"] for r in rows if r["kind"] == "row")
    printed_sum = next(r["actual"] for r in rows if r["kind"] == "sum")

    # 1,3 + 15,1 + … rounded rows add to 401,5 here, but the deviations show the
    # difference: 3,1 − 2,8 is 0,3 in rounded figures, 0,2 from the exact amounts.
    särskild = next(r for r in rows if r["code"] == "474")
    assert särskild["budget"] - särskild["actual"] == pytest.approx(0.3)
    assert särskild["deviation"] == 0.2
    assert printed_sum == pytest.approx(summed_rows)


def test_kronor_are_exact_and_tkr_are_rounded_from_them(db):
    kronor = {r["label"]: r for r in summary_json(2021, "kr")["rows"]}
    tkr = {r["label"]: r for r in summary_json(2021, "tkr")["rows"]}

    assert kronor["Ekonomiskt bistånd"]["actual"] == 198_714_000
    assert tkr["Ekonomiskt bistånd"]["actual"] == 198_714


def test_a_month_earlier_sums_fewer_months(db, amn):
    august = build_operating_summary(amn, 2023, 8).lines[-1].figures
    june = build_operating_summary(amn, 2023, 6).lines[-1].figures

    assert june.actual < august.actual
    assert june.budget_full_year == august.budget_full_year
    assert june.forecast is None  # no forecast was made at the end of June


def test_csv_uses_semicolons_and_decimal_commas(db):
    text = run(
        "--committee", "AMN", "--year", "2023", "--month", "8", "--format", "csv", "--unit", "mnkr"
    )
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))

    assert rows[0] == ["label", "code", "kind", *FIGURES]
    assert rows[6] == [
        "575 - Ekonomiskt bistånd", "575", "row",
        "206,1", "215,8", "9,8", "205,1", "313,0", "323,7", "10,8", "303,5",
    ]  # fmt: skip


def test_the_table_format_shows_swedish_numbers_and_months(db):
    text = run("--committee", "AMN", "--year", "2021", "--month", "8")

    assert text.startswith(
        "Driftsammandrag Arbetsmarknadsnämnden, januari–augusti 2021, belopp tkr"
    )
    assert "Ekonomiskt bistånd" in text
    assert "198\u00a0714" in text
    assert "\u221219\u00a0222" in text


def test_it_refuses_an_unknown_committee(db):
    with pytest.raises(CommandError, match="ingen nämnd med förkortningen 'XYZ'"):
        run("--committee", "XYZ", "--year", "2023", "--month", "8")


def test_it_refuses_a_year_without_rows(db):
    with pytest.raises(CommandError, match="inget driftsammandrag för 1999"):
        run("--committee", "AMN", "--year", "1999", "--month", "8")


def test_it_refuses_an_impossible_month(db):
    with pytest.raises(CommandError, match="Månaden måste vara 1–12, inte 13"):
        run("--committee", "AMN", "--year", "2023", "--month", "13")


def test_it_costs_four_queries_whatever_the_number_of_rows(db, amn, django_assert_num_queries):
    with django_assert_num_queries(4):
        build_operating_summary(amn, 2023, 8)
    with django_assert_num_queries(4):
        build_operating_summary(amn, 2021, 8)
