"""The money side of the demo nämnd holds what the seeds print."""

from decimal import Decimal

import pytest

from amn.lib.money import Unit, deviation, in_unit
from budget.models import InternalBudget, InvestmentFollowUp, InvestmentPlanAmount


def test_both_versions_of_internbudget_2019_stay_on_record(db, amn):
    original, revised = InternalBudget.objects.filter(committee=amn, year=2019).order_by("version")

    assert original.decision == "AN 2018-10-25 § 138"
    assert revised.decision == "AN 2019-03-20 § 23"
    assert revised.revises == original
    assert revised.frame_decision == "Budgetram enligt beslut i KF den 4 december 2018"


@pytest.mark.parametrize(
    ("version", "year", "expected_tkr"),
    [(1, 2019, 372_809), (2, 2019, 381_886), (2, 2021, 372_031)],
)
def test_internbudget_2019_rows_add_up_to_the_kf_frame(db, amn, version, year, expected_tkr):
    budget = InternalBudget.objects.get(committee=amn, year=2019, version=version)
    column = budget.columns.get(year=year)
    total = sum(amount.amount for amount in column.amounts.filter(row__parent__isnull=True))

    assert total == column.frame == expected_tkr * 1000
    assert column.costs + column.revenues == column.frame


def test_internbudget_2024_change_lines_are_included_in_their_row_not_added(db, amn):
    budget = InternalBudget.objects.get(committee=amn, year=2024)
    column = budget.columns.get(year=2024)
    bistand = budget.rows.get(label="Ekonomiskt bistånd")

    assert [c.label for c in bistand.changes.all()] == ["Minskning ekonomiskt bistånd"]
    top_level = sum(a.amount for a in column.amounts.filter(row__parent__isnull=True))
    assert top_level == column.frame


def test_investments_of_august_2023_are_held(amn):
    follow_up = InvestmentFollowUp.objects.get(
        investment__code="1250", period__year=2023, period__month=8
    )

    # "1250 - Pågående investeringar, trattinläsning 2,4 | 4,7 | 5,1 | 0,4"
    assert follow_up.investment.name == "Pågående investeringar, trattinläsning"
    assert [in_unit(v, Unit.MNKR) for v in (follow_up.actual, follow_up.forecast)] == [
        Decimal("2.4"),
        Decimal("4.7"),
    ]
    assert in_unit(follow_up.budget, Unit.MNKR) == Decimal("5.1")
    assert in_unit(deviation(follow_up.budget, follow_up.forecast), Unit.MNKR) == Decimal("0.4")


def test_the_investment_plan_2024_sums_to_the_printed_totals(amn):
    budget = InternalBudget.objects.get(committee=amn, year=2024)
    totals = {
        year: sum(a.amount for a in InvestmentPlanAmount.objects.filter(budget=budget, year=year))
        for year in (2023, 2024, 2025, 2029)
    }

    # "Summa investeringar 5,1 2,5 2,1 … 2,1"
    assert totals == {
        2023: Decimal("5100000"),
        2024: Decimal("2500000"),
        2025: Decimal("2100000"),
        2029: Decimal("2100000"),
    }


# shared/seeds/003_…: Summa nämndens internbudget, varav intäkter, varav kostnader, per
# column Utfall 2022, Budget 2023, Budget 2024, Plan 2025–2029 (mnkr).
INTERNBUDGET_2024_TOTALS = {
    2022: ("583,9", "-93,2", "677,1"),
    2023: ("624,6", "-90,1", "714,7"),
    2024: ("643,4", "-81,3", "724,7"),
    2025: ("646,4", "-81,3", "727,7"),
    2029: ("646,4", "-81,3", "727,7"),
}


@pytest.mark.parametrize(("year", "printed"), INTERNBUDGET_2024_TOTALS.items())
def test_internbudget_2024_reproduces_the_printed_sums(amn, year, printed):
    column = InternalBudget.objects.get(committee=amn, year=2024).columns.get(year=year)
    total = sum(a.amount for a in column.amounts.filter(row__parent__isnull=True))

    shown = [in_unit(v, Unit.MNKR) for v in (total, column.revenues, column.costs)]
    assert shown == [Decimal(p.replace(",", ".")) for p in printed]


def test_internbudget_2024_rows_round_to_their_printed_figures(amn):
    budget = InternalBudget.objects.get(committee=amn, year=2024)
    bistand = budget.rows.get(label="Ekonomiskt bistånd").amounts.get(column__year=2024)
    units_2022 = budget.columns.get(year=2022).own_units_result

    assert in_unit(bistand.amount, Unit.MNKR) == Decimal("323.0")
    assert in_unit(units_2022, Unit.MNKR) == Decimal("-9.4")
