"""Ekonomiskt bistånd month by month: the cost of each month and of rolling 12 months."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from amn.lib.money import Unit, format_amount
from amn.models import MONTH_NAMES
from budget.models import Measure, MonthlyAmount, SummaryRow
from budget.services.social_assistance import build_social_assistance, months_back
from tests.budget.test_operating_summary_page import html_tables, plain

# Session, user, nämnd, the user's roles, the rows, the monthly amounts.
QUERIES = 6


def page(client, year: int = 2023, month: int = 8, unit: str | None = None, code: str = "AMN"):
    url = reverse("budget:social-assistance", args=[code, year, month])
    return client.get(url + (f"?enhet={unit}" if unit else ""))


def table(response) -> dict[str, list[str]]:
    *_, rows = html_tables(response.content)
    return {row.texts[0]: [plain(t) for t in row.texts[1:]] for row in rows[1:]}


def svgs(response) -> list[str]:
    return re.findall(r"<svg.*?</svg>", response.content.decode(), re.S)


def stored(amn, label: str) -> dict[tuple[int, int], Decimal]:
    """Actual net cost per (year, month) of the rows with `label`, straight from the table."""
    return {
        (item.row.year, item.month): item.amount
        for item in MonthlyAmount.objects.filter(
            row__committee=amn, row__label=label, measure=Measure.ACTUAL
        ).select_related("row")
    }


def test_it_shows_24_months_with_gaps_where_nothing_is_recorded(client, staff):
    client.force_login(staff)

    rows = table(page(client, 2023, 8))

    months = list(rows)
    assert (months[0], months[-1]) == ("september 2021", "augusti 2023")
    assert len(rows) == 24
    # The demo holds 2021 only up to August: its autumn months are unknown.
    assert rows["september 2021"] == ["–", "–"]
    assert rows["december 2021"] == ["–", "–"]
    assert rows["januari 2022"][0] != "–"
    # A rolling sum needs all 12 months: November 2022 still reaches back to December 2021.
    assert rows["november 2022"][1] == "–"
    assert rows["december 2022"][1] != "–"


def test_the_rolling_cost_of_a_calendar_year_is_the_seeds_bokslut(client, staff):
    client.force_login(staff)

    rows_2023 = table(page(client, 2023, 8, unit="mnkr"))
    rows_2021 = table(page(client, 2021, 8, unit="tkr"))

    # shared/seeds/000_…: 575 - Ekonomiskt bistånd, Bokslut 2022: 303,5 mnkr.
    assert rows_2023["december 2022"][1] == "303,5"
    # shared/seeds/001_…: Ekonomiskt bistånd, Bokslut 2020: 278 720 tkr.
    assert rows_2021["december 2020"][1] == "278720"


def test_each_month_and_rolling_sum_equals_the_stored_amounts(client, amn, staff):
    client.force_login(staff)
    amounts = stored(amn, "575 - Ekonomiskt bistånd")

    rows = table(page(client, 2023, 8, unit="kr"))

    for year, month0 in months_back(2023, 8, 24):
        month, name = month0 + 1, f"{MONTH_NAMES[month0]} {year}"
        amount = amounts.get((year, month))
        window = [amounts.get((y, m + 1)) for y, m in months_back(year, month, 12)]
        rolling = None if None in window else sum(window)
        assert rows[name] == [
            plain(format_amount(amount, Unit.KR)),
            plain(format_amount(rolling, Unit.KR)),
        ], name
    # August 2023 and eleven months before: this year's actual to date plus the rest of 2022.
    assert (
        rows["augusti 2023"][1]
        == str(
            sum(amounts[(2023, m)] for m in range(1, 9))
            + sum(amounts[(2022, m)] for m in range(9, 13))
        ).split(".")[0]
    )


def test_a_row_the_year_before_counts_through_its_predecessor_link(client, amn, staff):
    previous = SummaryRow.objects.get(committee=amn, year=2022, label="575 - Ekonomiskt bistånd")
    previous.operation = None
    previous.label = "Försörjningsstöd"
    previous.save()
    unrelated = SummaryRow.objects.create(committee=amn, year=2022, position=90, label="Annat")
    MonthlyAmount.objects.create(row=unrelated, measure=Measure.ACTUAL, month=5, amount=10**9)
    client.force_login(staff)

    rows = table(page(client, 2023, 8, unit="mnkr"))

    assert rows["december 2022"][1] == "303,5"
    assert rows["maj 2022"][0] == "25,6"  # 205,1 mnkr January–August 2022, spread evenly

    SummaryRow.objects.filter(predecessor=previous).update(predecessor=None)

    unlinked = table(page(client, 2023, 8, unit="mnkr"))
    assert unlinked["december 2022"] == ["–", "–"]


def test_a_missing_month_leaves_a_gap_in_both_lines(client, amn, staff):
    MonthlyAmount.objects.filter(
        row__committee=amn,
        row__year=2022,
        row__label="575 - Ekonomiskt bistånd",
        measure=Measure.ACTUAL,
        month=6,
    ).delete()
    client.force_login(staff)

    response = page(client, 2023, 8)
    rows = table(response)

    assert rows["juni 2022"] == ["–", "–"]
    # Every 12-month window from June 2022 to May 2023 holds June 2022.
    assert [rows[m][1] == "–" for m in ("maj 2023", "juni 2023")] == [True, False]
    rolling_chart, monthly_chart = svgs(response)
    assert rolling_chart.count("<polyline") == 1  # June–August 2023
    assert rolling_chart.count("<circle") == 3
    assert monthly_chart.count("<polyline") == 2  # January–May 2022, July 2022–August 2023
    assert monthly_chart.count("<circle") == 5 + 14


def test_the_charts_are_inline_svg_in_mnkr_with_swedish_labels(client, staff):
    client.force_login(staff)

    response = page(client, 2023, 8, unit="tkr")
    content = response.content.decode()

    assert "<script" not in content
    rolling_chart, monthly_chart = svgs(response)
    assert "Kostnad för ekonomiskt bistånd i 12-månadersperioder" in content
    assert rolling_chart.count("<circle") == 9  # December 2022 – August 2023
    assert monthly_chart.count("<circle") == 20  # January 2022 – August 2023
    assert "<title>december 2022: 303,5 mnkr</title>" in rolling_chart
    y_labels = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', rolling_chart)
    assert y_labels and all(re.fullmatch(r"\d{1,3}(\u00a0\d{3})*,\d", label) for label in y_labels)
    x_labels = re.findall(r'text-anchor="middle">([^<]+)<', rolling_chart)
    assert x_labels[-1] == "aug 2023"
    assert "nov 2022" in x_labels
    assert ">mnkr<" in rolling_chart
    # Coordinates keep a decimal point whatever the language of the page.
    assert re.search(r'points="(\d+\.\d,\d+\.\d ?)+"', rolling_chart)


def test_a_higher_month_is_drawn_higher(client, amn, staff):
    row = SummaryRow.objects.get(committee=amn, year=2023, label="575 - Ekonomiskt bistånd")
    MonthlyAmount.objects.filter(row=row, measure=Measure.ACTUAL, month=8).update(
        amount=Decimal("40000000")
    )
    client.force_login(staff)

    _, monthly_chart = svgs(page(client, 2023, 8))

    dots = re.findall(r'cy="([\d.]+)" r="3"><title>(\w+ \d{4})', monthly_chart)
    heights = {label: float(y) for y, label in dots}
    assert heights["augusti 2023"] < heights["juli 2023"]  # SVG y grows downwards


def test_the_service_costs_two_queries_whatever_the_months(amn, django_assert_num_queries):
    with django_assert_num_queries(2):
        short = build_social_assistance(amn, 2023, 8, months=3)
    with django_assert_num_queries(2):
        series = build_social_assistance(amn, 2023, 8)

    assert len(short.points) == 3
    assert [(p.year, p.month) for p in series.points[:2]] == [(2021, 9), (2021, 10)]
    assert series.label == "575 - Ekonomiskt bistånd"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("controller", 200),
        ("superuser", 200),
        ("member", 403),
        ("outsider", 404),
    ],
)
def test_live_figures_are_for_staff_controllers_and_administrators(client, request, role, status):
    client.force_login(request.getfixturevalue(role))

    assert page(client).status_code == status


def test_an_anonymous_visitor_is_sent_to_the_login(client, db):
    response = page(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("year", "month"), [(1999, 8), (2023, 13), (2023, 0), (0, 8), (10**20, 8)])
def test_no_data_or_an_impossible_month_is_not_found(client, staff, year, month):
    client.force_login(staff)

    assert page(client, year, month).status_code == 404


def test_a_nämnd_without_ekonomiskt_bistånd_is_not_found(client, superuser, other_committee):
    client.force_login(superuser)

    assert page(client, code=other_committee.code).status_code == 404


def test_the_page_costs_the_same_queries_whatever_the_years(
    client, staff, django_assert_max_num_queries
):
    client.force_login(staff)

    with django_assert_max_num_queries(QUERIES):
        assert page(client, 2023, 8).status_code == 200
    with django_assert_max_num_queries(QUERIES):
        assert page(client, 2021, 8).status_code == 200
