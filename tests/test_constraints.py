"""The database itself refuses duplicates of what must be unique."""

from decimal import Decimal

from django.db import IntegrityError, transaction

from amn.models import ReportingPeriod
from budget.models import Forecast, Measure, MonthlyAmount, Operation, SummaryRow
from goals.models import CommitteeGoal, GoalAssessment
from indicators.models import IndicatorValue, Series, Target


def refused(model, **fields) -> bool:
    """Whether the database refuses to store a `model` with these fields."""
    try:
        with transaction.atomic():
            model.objects.create(**fields)
    except IntegrityError:
        return True
    return False


def test_a_verksamhet_code_is_unique_within_the_municipality(db):
    existing = Operation.objects.get(code="575")

    assert refused(Operation, municipality=existing.municipality, code="575", name="Dubblett")


def test_a_row_label_and_position_are_unique_per_committee_and_year(amn):
    row = SummaryRow.objects.get(committee=amn, year=2023, position=1)

    assert refused(SummaryRow, committee=amn, year=2023, position=99, label=row.label)
    assert refused(SummaryRow, committee=amn, year=2023, position=row.position, label="Ny rad")
    assert not refused(SummaryRow, committee=amn, year=2030, position=1, label=row.label)


def test_one_monthly_amount_per_row_measure_and_month(amn):
    amount = MonthlyAmount.objects.filter(row__committee=amn, measure=Measure.ACTUAL).first()

    assert refused(
        MonthlyAmount, row=amount.row, measure=amount.measure, month=amount.month, amount=1
    )


def test_a_month_outside_1_to_12_is_refused(amn):
    row = SummaryRow.objects.filter(committee=amn, year=2023).first()

    assert refused(MonthlyAmount, row=row, measure=Measure.BUDGET, month=13, amount=1)
    assert refused(MonthlyAmount, row=row, measure=Measure.BUDGET, month=0, amount=1)


def test_one_forecast_per_row_and_period(amn):
    forecast = Forecast.objects.filter(row__committee=amn).first()

    assert refused(Forecast, row=forecast.row, period=forecast.period, amount=1)


def test_one_period_per_committee_month_and_kind(amn):
    period = ReportingPeriod.objects.filter(committee=amn).first()

    assert refused(
        ReportingPeriod,
        committee=amn,
        year=period.year,
        month=period.month,
        kind=period.kind,
        title="Kopia",
    )


def test_one_assessment_per_goal_and_period(amn):
    assessment = GoalAssessment.objects.filter(goal__committee=amn).first()

    assert refused(GoalAssessment, goal=assessment.goal, period=assessment.period, level="uppnas")


def test_a_nämndmål_name_is_unique_per_committee_and_budget_period(amn):
    goal = CommitteeGoal.objects.filter(committee=amn).first()

    assert refused(
        CommitteeGoal,
        committee=amn,
        municipal_goal=goal.municipal_goal,
        name=goal.name,
        first_year=goal.first_year,
        last_year=goal.first_year,
    )


def test_indicator_values_and_targets_are_unique_per_series_and_period(amn):
    value = IndicatorValue.objects.filter(series__indicator__committee=amn).first()
    target = Target.objects.filter(series__indicator__committee=amn).first()

    assert refused(
        IndicatorValue,
        series=value.series,
        year=value.year,
        month=value.month,
        kind=value.kind,
        value=Decimal(2),
    )
    assert refused(Target, series=target.series, year=target.year, kind="number", value=1)


def test_an_indicator_value_is_a_number_or_iu_never_both_nor_neither(amn):
    series = Series.objects.filter(indicator__committee=amn).first()

    assert refused(IndicatorValue, series=series, year=2001, missing=True, value=Decimal(1))
    assert refused(IndicatorValue, series=series, year=2002, missing=False, value=None)
    assert not refused(IndicatorValue, series=series, year=2003, missing=True, value=None)


def test_a_number_target_needs_its_number(amn):
    series = Series.objects.filter(indicator__committee=amn).first()

    assert refused(Target, series=series, year=2031, kind="number", value=None)
    assert refused(Target, series=series, year=2032, kind="bound", comparison="<", value=None)
    assert not refused(Target, series=series, year=2033, kind="text", text="Ska inte öka")
