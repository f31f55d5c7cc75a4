"""The goal tables of a period, as the reports' "Nämndindikatorer" print them.

Grouped by målområde, then kommunövergripande mål, then nämndmål with its description and
målbedömning; one row per indicator and sub-series with the two previous full years, the
current period and the målvärde; numbered footnotes under the table.

The whole table takes a fixed number of queries, whatever the number of goals and
indicators: goals, links, series, values, targets, the period's assessments and rules.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from amn.models import Committee, PeriodKind, ReportingPeriod
from goals.models import (
    AssessmentLevel,
    AssessmentRules,
    CommitteeGoal,
    GoalArea,
    GoalAssessment,
    MunicipalGoal,
)
from indicators.models import GoalIndicator, IndicatorKind
from indicators.services.indicator_rows import (
    Column,
    Footnotes,
    IndicatorRow,
    indicator_rows,
    load_series,
    load_values,
    with_group_headings,
)
from indicators.services.suggestions import Suggestion, suggest_assessment


@dataclass
class GoalBlock:
    goal: CommitteeGoal
    assessment: GoalAssessment | None
    rows: list[IndicatorRow]
    suggestion: Suggestion

    @property
    def level(self) -> AssessmentLevel | None:
        return AssessmentLevel(self.assessment.level) if self.assessment else None


@dataclass
class MunicipalGoalBlock:
    municipal_goal: MunicipalGoal
    goals: list[GoalBlock] = field(default_factory=list)


@dataclass
class AreaBlock:
    area: GoalArea
    municipal_goals: list[MunicipalGoalBlock] = field(default_factory=list)

    @property
    def goals(self) -> list[GoalBlock]:
        return [goal for block in self.municipal_goals for goal in block.goals]

    def count(self, level: str) -> int:
        return sum(1 for goal in self.goals if goal.assessment and goal.assessment.level == level)

    @property
    def unassessed(self) -> int:
        return sum(1 for goal in self.goals if goal.assessment is None)


@dataclass
class GoalTable:
    committee: Committee
    year: int
    month: int
    period: ReportingPeriod | None
    columns: list[Column]
    current: Column
    areas: list[AreaBlock]
    footnotes: list[tuple[int, str]]
    rules: AssessmentRules

    @property
    def goals(self) -> list[GoalBlock]:
        return [goal for area in self.areas for goal in area.goals]

    @property
    def rows(self) -> list[IndicatorRow]:
        return [row for goal in self.goals for row in goal.rows]

    @property
    def column_labels(self) -> list[str]:
        return [column.label for column in self.columns]

    def count(self, level: str) -> int:
        return sum(area.count(level) for area in self.areas)

    @property
    def unassessed(self) -> int:
        return sum(area.unassessed for area in self.areas)


def goal_columns(year: int, month: int) -> tuple[list[Column], Column]:
    """The two previous full years and the current period."""
    current = Column(year, month)
    return [Column(year - 2, 12), Column(year - 1, 12), current], current


def follow_up_period(committee: Committee, year: int, month: int) -> ReportingPeriod | None:
    """The nämnd's follow-up (not the internbudget) at the end of `month` of `year`."""
    return (
        ReportingPeriod.objects.filter(committee=committee, year=year, month=month)
        .exclude(kind=PeriodKind.BUDGET)
        .order_by("kind")
        .first()
    )


def rules_of(committee: Committee) -> AssessmentRules:
    """The nämnd's rules for suggested målbedömningar, or the defaults (not stored)."""
    return AssessmentRules.objects.filter(committee=committee).first() or AssessmentRules(
        committee=committee
    )


def build_goal_table(
    committee: Committee, year: int, month: int, *, with_indicators: bool = True
) -> GoalTable:
    """The goal table; without indicators (for the overview) only goals and målbedömningar
    are read and no suggestion is made."""
    columns, current = goal_columns(year, month)
    period = follow_up_period(committee, year, month)
    goals = list(
        CommitteeGoal.objects.filter(
            committee=committee, first_year__lte=year, last_year__gte=year
        ).select_related("municipal_goal__area")
    )
    links = (
        list(
            GoalIndicator.objects.filter(
                goal__in=goals,
                first_year__lte=year,
                last_year__gte=year,
                indicator__kind=IndicatorKind.INDICATOR,
            )
            .select_related("indicator")
            .order_by("goal_id", "position", "indicator__position", "pk")
        )
        if with_indicators
        else []
    )
    kinds = [IndicatorKind.INDICATOR]
    series = load_series(committee, kinds) if links else {}
    stored = load_values(committee, kinds, columns, year) if links else None
    assessments = (
        {a.goal_id: a for a in GoalAssessment.objects.filter(period=period, goal__in=goals)}
        if period
        else {}
    )
    rules = rules_of(committee)
    footnotes = Footnotes()

    links_by_goal = defaultdict(list)
    for link in links:
        links_by_goal[link.goal_id].append(link)

    areas: dict[int, AreaBlock] = {}
    municipal: dict[int, MunicipalGoalBlock] = {}
    ordered = sorted(
        goals,
        key=lambda g: (
            g.municipal_goal.area.position,
            g.municipal_goal.area.name,
            g.position,
            g.name,
        ),
    )
    for goal in ordered:
        rows: list[IndicatorRow] = []
        for link in links_by_goal[goal.pk]:
            rows += indicator_rows(
                link.indicator,
                series[link.indicator_id],
                columns,
                current,
                year,
                stored,
                footnotes,
            )
        area = goal.municipal_goal.area
        area_block = areas.setdefault(area.pk, AreaBlock(area))
        if goal.municipal_goal_id not in municipal:
            municipal[goal.municipal_goal_id] = MunicipalGoalBlock(goal.municipal_goal)
            area_block.municipal_goals.append(municipal[goal.municipal_goal_id])
        municipal[goal.municipal_goal_id].goals.append(
            GoalBlock(
                goal=goal,
                assessment=assessments.get(goal.pk),
                rows=with_group_headings(rows),
                suggestion=suggest_assessment(rows, rules),
            )
        )
    return GoalTable(
        committee=committee,
        year=year,
        month=month,
        period=period,
        columns=columns,
        current=current,
        areas=list(areas.values()),
        footnotes=footnotes.items,
        rules=rules,
    )
