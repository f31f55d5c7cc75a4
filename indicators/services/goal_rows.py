"""The nämndmål of a year and the indicator rows measuring each of them, as the goal table
prints them and the suggested målbedömningar judge them.

Loaded in a fixed number of queries: goals, links, series, values and targets.
"""

from collections import defaultdict
from collections.abc import Sequence

from amn.models import Committee
from goals.models import CommitteeGoal
from indicators.models import GoalIndicator, IndicatorKind
from indicators.services.indicator_rows import (
    Column,
    Footnotes,
    IndicatorRow,
    indicator_rows,
    load_series,
    load_values,
)


def goal_columns(year: int, month: int) -> tuple[list[Column], Column]:
    """The two previous full years and the current period."""
    current = Column(year, month)
    return [Column(year - 2, 12), Column(year - 1, 12), current], current


def goals_of_year(committee: Committee, year: int) -> list[CommitteeGoal]:
    """The nämnd's nämndmål in force in `year`, with their kommunövergripande mål and
    målområde, ordered as the goal table prints them."""
    goals = (
        CommitteeGoal.objects.in_year(year)
        .filter(committee=committee)
        .select_related("municipal_goal__area")
    )
    return sorted(
        goals,
        key=lambda g: (
            g.municipal_goal.area.position,
            g.municipal_goal.area.name,
            g.position,
            g.name,
        ),
    )


def rows_by_goal(
    committee: Committee,
    goals: Sequence[CommitteeGoal],
    year: int,
    month: int,
    footnotes: Footnotes,
) -> dict[int, list[IndicatorRow]]:
    """Per goal id, the rows of the indicators linked to it in `year`, in the goal table's
    columns. Goals are read in the order given, so footnotes are numbered as printed."""
    columns, current = goal_columns(year, month)
    links = list(
        GoalIndicator.objects.filter(
            goal__in=goals,
            first_year__lte=year,
            last_year__gte=year,
            indicator__kind=IndicatorKind.INDICATOR,
        )
        .select_related("indicator")
        .order_by("goal_id", "position", "indicator__position", "pk")
    )
    kinds = [IndicatorKind.INDICATOR]
    series = load_series(committee, kinds) if links else {}
    stored = load_values(committee, kinds, columns, year) if links else None
    links_by_goal = defaultdict(list)
    for link in links:
        links_by_goal[link.goal_id].append(link)
    rows: dict[int, list[IndicatorRow]] = {}
    for goal in goals:
        rows[goal.pk] = []
        for link in links_by_goal[goal.pk]:
            rows[goal.pk] += indicator_rows(
                link.indicator,
                series[link.indicator_id],
                columns,
                current,
                year,
                stored,
                footnotes,
            )
    return rows
