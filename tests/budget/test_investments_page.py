"""The investeringar page and its downloads, checked against the seeds' investment tables."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from amn.models import PeriodKind, ReportingPeriod
from budget.models import Investment, InvestmentFollowUp
from budget.services.investments import build_investment_summary
from tests.budget.test_operating_summary_page import html_tables, plain

# Session, user, nämnd, the user's roles, the follow-ups.
QUERIES = 5


def interim_report(amn) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8, kind=PeriodKind.INTERIM_2)


def page(client, year: int = 2023, month: int = 8, unit: str | None = None, name: str = ""):
    url = reverse(f"budget:investments{name}", args=["AMN", year, month])
    return client.get(url + (f"?enhet={unit}" if unit else ""))


def shown(response) -> list[list[str]]:
    (table,) = html_tables(response.content)
    return [[table[0].texts[0], *table[0].texts[1:]]] + [
        [row.texts[0], *(plain(t) for t in row.texts[1:])] for row in table[1:]
    ]


def test_2023_shows_the_seeds_investment_table_in_mnkr(client, staff):
    client.force_login(staff)

    rows = shown(page(client, 2023, unit="mnkr"))

    # shared/seeds/000_…: "1250 - Pågående investeringar, trattinläsning 2,4 4,7 5,1 0,4"
    assert rows == [
        [
            "Investering",
            "Redovisat januari–augusti 2023",
            "Prognos 2023",
            "Budget (investeringsram) 2023",
            "Avvikelse",
        ],
        ["1250 - Pågående investeringar, trattinläsning", "2,4", "4,7", "5,1", "0,4"],
        ["Summa investeringar", "2,4", "4,7", "5,1", "0,4"],
    ]


def test_2021_shows_the_seeds_net_figures_in_tkr_by_default(client, controller):
    client.force_login(controller)

    rows = shown(page(client, 2021))

    # shared/seeds/001_…: utgifter 0, inkomster 0, prognos utgifter 100, inkomster 0,
    # netto 100, investeringsram 250, avvikelse 150 (tkr).
    assert rows[1:] == [
        ["Arbetsmarknadscentrum", "0", "100", "250", "150"],
        ["Summa investeringar", "0", "100", "250", "150"],
    ]


def test_the_unit_switch_changes_every_figure(client, staff):
    client.force_login(staff)

    assert shown(page(client, 2023, unit="kr"))[1][1:] == [
        "2400000", "4700000", "5100000", "400000",
    ]  # fmt: skip
    assert shown(page(client, 2023, unit="tkr"))[1][1:] == ["2400", "4700", "5100", "400"]
    assert shown(page(client, 2023, unit="okänd"))[1][1:] == ["2400", "4700", "5100", "400"]


@pytest.fixture
def with_income(amn):
    """A second investment with inkomster and a forecast above its frame."""
    period = interim_report(amn)
    investment = Investment.objects.create(committee=amn, code="1300", name="Bevakningsbilar")
    return InvestmentFollowUp.objects.create(
        investment=investment,
        period=period,
        actual_expenditure=Decimal("1500000"),
        actual_income=Decimal("200000"),
        forecast_expenditure=Decimal("2600000"),
        forecast_income=Decimal("300000"),
        budget=Decimal("1300000"),
    )


def test_utgifter_and_inkomster_are_shown_apart_when_there_are_inkomster(
    client, staff, with_income
):
    client.force_login(staff)

    response = page(client, 2023, unit="mnkr")
    rows = shown(response)

    assert rows[0][1:] == [
        "Redovisat januari–augusti 2023, utgifter",
        "Redovisat januari–augusti 2023, inkomster",
        "Redovisat januari–augusti 2023",
        "Prognos 2023, utgifter",
        "Prognos 2023, inkomster",
        "Prognos 2023",
        "Budget (investeringsram) 2023",
        "Avvikelse",
    ]
    assert rows[1:] == [
        [
            "1250 - Pågående investeringar, trattinläsning",
            "2,4", "0,0", "2,4", "4,7", "0,0", "4,7", "5,1", "0,4",
        ],
        ["1300 - Bevakningsbilar", "1,5", "0,2", "1,3", "2,6", "0,3", "2,3", "1,3", "-1,0"],
        ["Summa investeringar", "3,9", "0,2", "3,7", "7,3", "0,3", "7,0", "6,4", "-0,6"],
    ]  # fmt: skip
    (table,) = html_tables(response.content)
    assert "negative" in table[2].cells[8].classes
    assert "negative" not in table[1].cells[8].classes
    assert "line-sum" in table[3].classes


def test_an_internbudget_period_is_never_a_follow_up(client, amn, staff):
    budget_period = ReportingPeriod.objects.create(
        committee=amn, year=2023, month=8, kind=PeriodKind.BUDGET, title="Internbudget 2023"
    )
    plan = Investment.objects.create(committee=amn, name="Planerad investering")
    InvestmentFollowUp.objects.create(investment=plan, period=budget_period, budget=1_000_000)
    ReportingPeriod.objects.create(
        committee=amn, year=2025, month=12, kind=PeriodKind.BUDGET, title="Internbudget 2025"
    ).investment_follow_ups.create(investment=plan, budget=2_000_000)
    client.force_login(staff)

    labels = [row[0] for row in shown(page(client, 2023))[1:]]

    assert labels == ["1250 - Pågående investeringar, trattinläsning", "Summa investeringar"]
    assert page(client, 2025, 12).status_code == 404


def test_the_service_sums_exact_kronor_in_one_query(amn, with_income, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary = build_investment_summary(amn, 2023, 8)

    assert summary.period.title == "Delårsrapport per den 31 augusti 2023"
    assert summary.total.actual == Decimal("3700000")
    assert summary.total.forecast == Decimal("7000000")
    assert summary.total.deviation == Decimal("-600000")
    assert [line.kind for line in summary.lines] == ["investment", "investment", "sum"]
    assert build_investment_summary(amn, 2023, 6) is None


def test_the_excel_download_holds_exact_numbers_and_a_bold_sum(client, staff, with_income):
    client.force_login(staff)

    response = page(client, 2023, unit="mnkr", name="-xlsx")

    assert 'filename="investeringar-AMN-2023-08-mnkr.xlsx"' in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content))["Investeringar"]
    assert ws.freeze_panes == "A3"
    assert ws["A1"].value == (
        "Arbetsmarknadsnämnden: investeringar januari–augusti 2023, belopp mnkr"
    )
    rows = list(ws.iter_rows(min_row=3))
    assert [c.value for c in rows[1]] == [
        "1300 - Bevakningsbilar", 1.5, 0.2, 1.3, 2.6, 0.3, 2.3, 1.3, -1.0,
    ]  # fmt: skip
    assert all(c.number_format == "#,##0.0" for c in rows[1][1:])
    assert rows[2][0].value == "Summa investeringar"
    assert all(c.font.b for c in rows[2])
    assert not any(c.font.b for c in rows[1])


def test_the_excel_download_in_kronor_holds_the_exact_kronor(client, staff):
    client.force_login(staff)

    ws = load_workbook(io.BytesIO(page(client, 2021, unit="kr", name="-xlsx").content)).active

    assert [c.value for c in ws[3]] == ["Arbetsmarknadscentrum", 0, 100_000, 250_000, 150_000]
    assert ws["B3"].number_format == "#,##0"


def test_the_csv_download_parses_back(client, staff):
    client.force_login(staff)

    response = page(client, 2023, unit="mnkr", name="-csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="investeringar-AMN-2023-08-mnkr.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        [
            "Investering",
            "Redovisat januari–augusti 2023",
            "Prognos 2023",
            "Budget (investeringsram) 2023",
            "Avvikelse",
        ],
        ["1250 - Pågående investeringar, trattinläsning", "2,4", "4,7", "5,1", "0,4"],
        ["Summa investeringar", "2,4", "4,7", "5,1", "0,4"],
    ]


VIEWS = ["", "-xlsx", "-csv"]


@pytest.mark.parametrize("name", VIEWS)
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
def test_live_investments_are_for_staff_controllers_and_administrators(
    client, request, name, role, status
):
    client.force_login(request.getfixturevalue(role))

    assert page(client, name=name).status_code == status


@pytest.mark.parametrize("name", VIEWS)
def test_an_anonymous_visitor_is_sent_to_the_login(client, db, name):
    response = page(client, name=name)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize(
    ("year", "month"), [(2023, 6), (1999, 8), (2023, 13), (2023, 0), (0, 8), (10**20, 8)]
)
def test_a_month_without_follow_up_or_an_impossible_month_is_not_found(
    client, staff, name, year, month
):
    client.force_login(staff)

    assert page(client, year, month, name=name).status_code == 404


@pytest.mark.parametrize("name", VIEWS)
def test_the_page_and_downloads_cost_the_same_queries_whatever_the_investments(
    client, amn, staff, name, django_assert_max_num_queries
):
    client.force_login(staff)
    period = interim_report(amn)
    for number in range(40):
        investment = Investment.objects.create(committee=amn, name=f"Projekt {number}")
        InvestmentFollowUp.objects.create(investment=investment, period=period, budget=1000)

    with django_assert_max_num_queries(QUERIES):
        response = page(client, name=name)

    assert response.status_code == 200
    if name == "-xlsx":
        labels = [row[0] for row in load_workbook(io.BytesIO(response.content)).active.values]
    else:
        labels = response.content.decode("utf-8-sig")
    assert "Projekt 39" in labels


def test_the_start_page_links_each_follow_up_to_its_pages(client, staff):
    client.force_login(staff)

    content = client.get(reverse("amn:start")).content.decode()

    assert "Internbudget 2024 med plan för 2025–2029" in content
    # 2024 is started (load_demo): its periods from the årshjul are follow-ups too.
    for year in (2021, 2023, 2024):
        assert reverse("budget:operating-summary", args=["AMN", year, 8]) in content
        assert reverse("budget:investments", args=["AMN", year, 8]) in content
    assert "/investeringar/2019/" not in content
