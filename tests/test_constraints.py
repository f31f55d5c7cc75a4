"""The database itself refuses duplicates of what must be unique."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from amn.models import ReportingPeriod
from budget.models import Forecast, Measure, MonthlyAmount, Operation, SummaryRow
from goals.models import CommitteeGoal, GoalAssessment
from indicators.models import IndicatorValue, Series, Target


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_a_verksamhet_code_is_unique_within_the_municipality(db, amn):
    existing = Operation.objects.get(code="575")

    assert refused(lambda: Operation.objects.create(
        municipality=existing.municipality, code="575", name="Dubblett"
    ))  # fmt: skip


def test_a_row_label_is_unique_per_committee_and_year(db, amn):
    row = SummaryRow.objects.get(committee=amn, year=2023, position=1)

    assert refused(lambda: SummaryRow.objects.create(
        committee=amn, year=2023, position=99, label=row.label
    ))  # fmt: skip
    assert refused(lambda: SummaryRow.objects.create(
        committee=amn, year=2023, position=row.position, label="Ny rad"
    ))  # fmt: skip


def test_one_monthly_amount_per_row_measure_and_month(db, amn):
    amount = MonthlyAmount.objects.filter(row__committee=amn, measure=Measure.ACTUAL).first()

    assert refused(lambda: MonthlyAmount.objects.create(
        row=amount.row, measure=amount.measure, month=amount.month, amount=Decimal("1.00")
    ))  # fmt: skip


def test_a_month_outside_1_to_12_is_refused(db, amn):
    row = SummaryRow.objects.filter(committee=amn, year=2023).first()

    assert refused(lambda: MonthlyAmount.objects.create(
        row=row, measure=Measure.BUDGET, month=13, amount=Decimal("1.00")
    ))  # fmt: skip


def test_one_forecast_per_row_and_period(db, amn):
    forecast = Forecast.objects.filter(row__committee=amn).first()

    assert refused(lambda: Forecast.objects.create(
        row=forecast.row, period=forecast.period, amount=Decimal("1.00")
    ))  # fmt: skip


def test_one_period_per_committee_month_and_kind(db, amn):
    period = ReportingPeriod.objects.filter(committee=amn).first()

    assert refused(lambda: ReportingPeriod.objects.create(
        committee=amn, year=period.year, month=period.month, kind=period.kind, title="Kopia"
    ))  # fmt: skip


def test_one_assessment_per_goal_and_period(db, amn):
    period = ReportingPeriod.objects.filter(committee=amn).first()
    goal = CommitteeGoal.objects.filter(committee=amn).first() or pytest.skip("no goals")
    GoalAssessment.objects.update_or_create(goal=goal, period=period, defaults={"level": "ej"})

    assert refused(lambda: GoalAssessment.objects.create(goal=goal, period=period, level="uppnas"))


def test_indicator_values_and_targets_are_unique_per_series_and_period(db, amn):
    series = Series.objects.filter(indicator__committee=amn).first() or pytest.skip("no indicators")
    IndicatorValue.objects.update_or_create(
        series=series, year=2000, month=12, kind="outcome", defaults={"value": Decimal(1)}
    )
    Target.objects.update_or_create(
        series=series, year=2000, defaults={"kind": "number", "value": Decimal(1)}
    )

    assert refused(lambda: IndicatorValue.objects.create(
        series=series, year=2000, month=12, kind="outcome", value=Decimal(2)
    ))  # fmt: skip
    assert refused(lambda: Target.objects.create(
        series=series, year=2000, kind="number", value=Decimal(2)
    ))  # fmt: skip


def test_an_indicator_value_is_a_number_or_iu_never_both_nor_neither(db, amn):
    series = Series.objects.filter(indicator__committee=amn).first() or pytest.skip("no indicators")

    assert refused(lambda: IndicatorValue.objects.create(
        series=series, year=2001, month=12, missing=True, value=Decimal(1)
    ))  # fmt: skip
    assert refused(lambda: IndicatorValue.objects.create(
        series=series, year=2002, month=12, missing=False, value=None
    ))  # fmt: skip
