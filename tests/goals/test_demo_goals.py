"""The goal side of the demo nämnd holds what the seeds print."""

from decimal import Decimal

import pytest

from goals.models import (
    AssessmentPointKind,
    GoalAssessment,
    InternalControlPoint,
    MunicipalGoal,
    PlanActivity,
    StrategicAssignment,
)
from indicators.models import IndicatorValue, Series, Target

# shared/seeds/000_…: "Mål uppnås" column of the Nämndindikatorer tables, August 2023.
ASSESSMENTS_2023_08 = {
    "Professionellt bemötande och hög tillgänglighet": "delvis",
    "Hög egenförsörjningsgrad": "delvis",
    "Kunskap & kompetens": "delvis",
    "Trygghet & inflytande": "uppnas",
    "Likvärdiga förutsättningar": "uppnas",
    "Hög avtalstrohet": "delvis",
    "Kostnadseffektiva arbetsmarknadsåtgärder": "delvis",
    "God ekonomisk styrning": "uppnas",
    "Digitaliseringens möjligheter tas tillvara": "delvis",
    "Goda arbetsplatser": "uppnas",
    "Hållbart chef- och ledarskap": "delvis",
    "Nya vägar för kompetensförsörjning": "uppnas",
}


def test_a_målbedömning_keeps_its_results_and_deviations_in_order(amn):
    assessment = GoalAssessment.objects.get(
        goal__name="Professionellt bemötande och hög tillgänglighet", period__year=2023
    )
    results = assessment.points.filter(kind=AssessmentPointKind.RESULT)
    deviations = assessment.points.filter(kind=AssessmentPointKind.DEVIATION)

    assert assessment.motivation.startswith("Nämndmålet bedöms uppnås delvis vid helår 2023.")
    assert results.first().text.startswith("Aktiviteter för att sprida information")
    assert deviations.count() == 1
    assert "jämställdhetskonsvens" in deviations.get().text


def value(indicator: str, series: str, year: int, month: int) -> IndicatorValue:
    return IndicatorValue.objects.get(
        series__indicator__name=indicator, series__label=series, year=year, month=month
    )


def test_an_indicator_keeps_every_value_with_its_footnote(amn):
    name = "Andel positiva svar i brukarenkät, %"

    assert value(name, "Totalt", 2021, 12).value == Decimal(90)
    assert value(name, "Totalt", 2022, 12).value == Decimal("88.9")
    assert "AMC och AMF 2022" in value(name, "Totalt", 2022, 12).note


def test_a_value_shows_as_many_decimals_as_the_report_printed(amn):
    name = "Vuxenutbildning, gymnasiala kurser, andel godkända, %"

    assert value(name, "Totalt", 2021, 12).display == "86,0"
    assert value(name, "Totalt", 2022, 12).display == "81,1"
    assert value("Andel positiva svar i brukarenkät, %", "Totalt", 2021, 12).display == "90"


def test_a_missing_value_is_iu_with_its_reason(amn):
    missing = value("Andel positiva svar i brukarenkät, %", "Totalt", 2023, 8)

    assert missing.missing
    assert missing.value is None
    assert missing.note == "Brukarundersökningen genomförs under hösten 2023"
    assert missing.display == "I.U."


def test_sub_series_for_women_and_men_are_held(amn):
    name = (
        "Antal deltagare inskrivna i Integrations- och arbetsmarknadsförvaltningens "
        "verksamheter som avslutas till arbete med subvention"
    )

    assert [value(name, label, 2023, 8).value for label in ("Totalt", "Kvinnor", "Män")] == [
        25,
        9,
        16,
    ]
    assert Series.objects.get(indicator__name=name, label="Kvinnor").gender == "K"


@pytest.mark.parametrize(
    ("indicator", "kind", "display"),
    [
        ("Avvikelse mot budget, %", "bound", "≥ 0"),
        ("Andel positiva svar i brukarenkät, %", "number", "88"),
        (
            "Skillnader i hur de olika könen har svarat på frågan om tillgänglighet och "
            "bemötande i brukarundersökningen",
            "text",
            "Inga signifikanta skillnader",
        ),
    ],
)
def test_targets_of_2023_keep_their_kind(amn, indicator, kind, display):
    target = Target.objects.get(
        series__indicator__name=indicator, series__label="Totalt", year=2023
    )

    assert (target.kind, target.display) == (kind, display)


def test_volymmått_hold_outcome_and_forecast(amn):
    households = "Antal hushåll med insats ekonomiskt bistånd, utfall per sista månad"
    values = IndicatorValue.objects.filter(
        series__indicator__name__startswith=households, series__indicator__kind="volume"
    )

    assert {(v.year, v.month, v.kind): v.value for v in values} == {
        (2022, 12, "outcome"): 2917,
        (2023, 8, "outcome"): 2527,
        (2023, 12, "forecast"): 2500,
    }


def test_personal_figures_are_held_per_förvaltning(amn):
    sick_leave = IndicatorValue.objects.filter(
        series__indicator__name="Total sjukfrånvaro (%)", year=2023, month=8
    )

    assert {v.series.label: v.value for v in sick_leave.select_related("series")} == {
        "IAF": Decimal("6.7"),
        "UTB (vux)": Decimal("6.1"),
    }


def test_uppdrag_carry_their_status_per_period(amn):
    assignments = StrategicAssignment.objects.filter(committee=amn, first_year=2023)

    assert assignments.filter(scope="kommungemensamt").exists()
    assert assignments.filter(scope="namndspecifikt").exists()
    assert all(a.statuses.filter(period__year=2023, period__month=8).exists() for a in assignments)


def test_the_verksamhetsplan_2019_activities_serve_a_nämndmål_or_an_uppdrag(amn):
    activities = PlanActivity.objects.filter(committee=amn, year=2019)

    assert activities.count() > 50
    assert activities.filter(goal__isnull=False).exists()
    assert activities.filter(assignment__isnull=False).exists()


def test_a_report_that_followed_a_period_up_wins_over_an_earlier_budget(amn):
    # Internbudget 2024 prints 1750 for 2022; the delårsrapport August 2023 prints 1850 (2100).
    pupils = IndicatorValue.objects.get(
        series__indicator__kind="volume",
        series__indicator__name__startswith="Antal elever i vuxenutbildning på grundläggande",
        series__label="Totalt",
        year=2022,
        month=12,
    )

    assert (pupils.value, pupils.annotation) == (1850, "(2100)")


def test_municipal_goals_keep_their_description_from_the_first_load(amn):
    goal = MunicipalGoal.objects.get(name="Ett tryggt och säkert Linköping")

    assert goal.description.startswith("I Linköping är det tryggt att bo, leva och verka")
    assert (goal.area.name, goal.first_year) == ("Samhälle", 2024)


# shared/seeds/001_…: "Målredovisning med prognos", August 2021.
ASSESSMENTS_2021_08 = {
    "Professionellt bemötande och hög tillgänglighet": "kan_ej_bedomas",
    "Hög egenförsörjningsgrad": "delvis",
    "Avtalstrohet": "uppnas",
    "Kostnadseffektiva arbetsmarknadsåtgärder": "ej",
    "God ekonomisk kontroll": "ej",
    "Effektiv resursanvändning genom bland annat digitaliserade och automatiserade processer": (
        "ej"
    ),
    "Goda arbetsplatser": "delvis",
    "Hållbart chef- och ledarskap": "delvis",
    "Nya vägar för kompetensförsörjning": "ej",
}


@pytest.mark.parametrize(
    "year, expected", [(2021, ASSESSMENTS_2021_08), (2023, ASSESSMENTS_2023_08)]
)
def test_every_målbedömning_of_august_is_held(amn, year, expected):
    assessments = GoalAssessment.objects.filter(period__committee=amn, period__year=year)

    assert {a.goal.name: a.level for a in assessments.select_related("goal")} == expected


def test_a_goal_that_cannot_be_assessed_says_why(amn):
    assessment = GoalAssessment.objects.get(
        goal__name="Professionellt bemötande och hög tillgänglighet", period__year=2021
    )

    assert "Värden för indikatorer blir tillgängliga under hösten" in assessment.motivation
    assert assessment.points.filter(kind=AssessmentPointKind.RESULT).count() == 3


def test_volymmått_of_august_2021_hold_both_augusts_and_the_forecast(amn):
    values = IndicatorValue.objects.filter(
        series__indicator__kind="volume",
        series__indicator__name__startswith="Antal hushåll med ekonomiskt bistånd, utfall per "
        "senaste månad",
    )

    assert {(v.year, v.month, v.kind): v.value for v in values} == {
        (2020, 8, "outcome"): 3432,
        (2021, 8, "outcome"): 3310,
        (2021, 12, "forecast"): 3800,
    }


def test_personal_figures_of_2021_keep_target_and_both_augusts(amn):
    sof = Series.objects.get(
        indicator__kind="personnel", indicator__name="Total sjukfrånvaro", label="SOF"
    )

    assert {(v.year, v.month): v.value for v in sof.values.all()} == {
        (2020, 8): Decimal("7.1"),
        (2021, 8): Decimal("3.8"),
    }
    assert sof.targets.get(year=2021).display == "6,0"


def test_internkontroll_points_of_2021_carry_their_status_in_august(amn):
    points = InternalControlPoint.objects.filter(committee=amn, year=2021)
    sip = points.get(control__startswith="Kontroll av antal genomförda Samordnade")

    assert points.count() == 13
    assert all(p.statuses.filter(period__year=2021, period__month=8).exists() for p in points)
    assert sip.statuses.get().comment == "Genomförs i september"
