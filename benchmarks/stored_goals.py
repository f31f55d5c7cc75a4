"""A nämnd with many goals and indicators, for the goal page benchmark."""

import random
from decimal import Decimal

from django.db import transaction

from amn.models import Committee, PeriodKind, ReportingPeriod
from goals.models import CommitteeGoal, GoalAssessment, MunicipalGoal
from indicators.models import GoalIndicator, Indicator, IndicatorValue, Series, Target

INDICATORS_PER_GOAL = 8
YEARS = range(2014, 2024)


@transaction.atomic
def store_goals(goals: int) -> tuple[Committee, dict[str, int]]:
    """A nämnd GOALS: `goals` nämndmål under the demo's kommunövergripande mål, each with
    eight indicators in Totalt, Kvinnor and Män, full-year values for ten years, the
    August 2023 value, a target for 2023 and a målbedömning."""
    amn = Committee.objects.get(code="AMN")
    committee = Committee.objects.create(
        municipality=amn.municipality, code="GOALS", name="Målnämnden"
    )
    period = ReportingPeriod.objects.create(
        committee=committee, year=2023, month=8, kind=PeriodKind.INTERIM_2, title="Delår 2023"
    )
    municipal = list(MunicipalGoal.objects.filter(first_year__lte=2023, last_year__gte=2023))
    random.seed(2023)
    stored = CommitteeGoal.objects.bulk_create(
        CommitteeGoal(
            committee=committee,
            municipal_goal=municipal[number % len(municipal)],
            name=f"Nämndmål {number}",
            description="Beskrivning av nämndmålet.",
            position=number,
            first_year=2023,
            last_year=2023,
        )
        for number in range(goals)
    )
    GoalAssessment.objects.bulk_create(
        GoalAssessment(goal=goal, period=period, level="delvis", motivation="Motivering.")
        for goal in stored
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(
            committee=committee,
            kind="indicator",
            name=f"Indikator {goal.position}.{number}",
            unit="%",
            direction="increase",
            position=number,
        )
        for goal in stored
        for number in range(INDICATORS_PER_GOAL)
    )
    GoalIndicator.objects.bulk_create(
        GoalIndicator(
            goal=stored[index // INDICATORS_PER_GOAL],
            indicator=indicator,
            first_year=2023,
            last_year=2023,
            position=index % INDICATORS_PER_GOAL,
        )
        for index, indicator in enumerate(indicators)
    )
    series = Series.objects.bulk_create(
        Series(indicator=indicator, label=label, gender=gender, position=position)
        for indicator in indicators
        for position, (label, gender) in enumerate(
            (("Totalt", "T"), ("Kvinnor", "K"), ("Män", "M"))
        )
    )
    values = IndicatorValue.objects.bulk_create(
        IndicatorValue(
            series=s,
            year=year,
            month=month,
            value=Decimal(random.randint(500, 1000)) / 10,
            decimals=1,
        )
        for s in series
        for year, month in [*((year, 12) for year in YEARS), (2023, 8)]
    )
    Target.objects.bulk_create(
        Target(series=s, year=2023, kind="number", value=Decimal(80), decimals=0) for s in series
    )
    counts = {
        "goals": len(stored),
        "indicators": len(indicators),
        "series": len(series),
        "values": len(values),
    }
    return committee, counts
