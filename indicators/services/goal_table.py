"""The goal tables of a period, as the reports' "Nämndindikatorer" print them.

Grouped by målområde, then kommunövergripande mål, then nämndmål with its description and
målbedömning; one row per indicator and sub-series with the two previous full years, the
current period and the målvärde; numbered footnotes under the table.

The whole table takes a fixed number of queries, whatever the number of goals and
indicators: goals, links, series, values, targets, the period's assessments and rules.
"""

from dataclasses import dataclass, field

from amn.models import Committee, ReportingPeriod
from goals.models import (
    AssessmentLevel,
    AssessmentRules,
    CommitteeGoal,
    GoalArea,
    GoalAssessment,
    MunicipalGoal,
)
from indicators.services.goal_rows import goal_columns, goals_of_year, rows_by_goal
from indicators.services.indicator_rows import (
    Column,
    Footnotes,
    IndicatorRow,
    with_group_headings,
)
from indicators.services.suggestions import Suggestion, rules_of, suggest_assessment


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


def build_goal_table(
    committee: Committee, year: int, month: int, *, with_indicators: bool = True
) -> GoalTable:
    """The goal table; without indicators (for the overview) only goals and målbedömningar
    are read and no suggestion is made."""
    columns, current = goal_columns(year, month)
    period = ReportingPeriod.objects.follow_up_at(committee, year, month)
    goals = goals_of_year(committee, year)
    footnotes = Footnotes()
    rows = rows_by_goal(committee, goals, year, month, footnotes) if with_indicators else {}
    assessments = (
        {a.goal_id: a for a in GoalAssessment.objects.filter(period=period, goal__in=goals)}
        if period
        else {}
    )
    rules = rules_of(committee)

    areas: dict[int, AreaBlock] = {}
    municipal: dict[int, MunicipalGoalBlock] = {}
    for goal in goals:
        goal_rows = rows.get(goal.pk, [])
        area = goal.municipal_goal.area
        area_block = areas.setdefault(area.pk, AreaBlock(area))
        if goal.municipal_goal_id not in municipal:
            municipal[goal.municipal_goal_id] = MunicipalGoalBlock(goal.municipal_goal)
            area_block.municipal_goals.append(municipal[goal.municipal_goal_id])
        municipal[goal.municipal_goal_id].goals.append(
            GoalBlock(
                goal=goal,
                assessment=assessments.get(goal.pk),
                rows=with_group_headings(goal_rows),
                suggestion=suggest_assessment(goal_rows, rules),
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
