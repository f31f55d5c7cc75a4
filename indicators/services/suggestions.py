"""Suggested målbedömningar: from the share of a nämndmål's indicators that meet their
målvärde, by rules each nämnd can see and adjust (goals.models.AssessmentRules).

An indicator is judged on its main series (Totalt) for the current period; when that
cannot be judged (an indicator reported per förvaltning or studieväg), it meets its
målvärde when every series that can be judged does. Indicators without a value (I.U.) or
without a målvärde that can be judged are left out, and the suggestion says so.

The rule lives here once: the goal table shows each nämndmål's suggestion, and the
målbedömning entry page reads the suggestions alone through `suggested_assessments`.
"""

from dataclasses import dataclass, field

from amn.models import Committee, ReportingPeriod
from goals.models import AssessmentLevel, AssessmentRules
from indicators.services.goal_rows import goals_of_year, rows_by_goal
from indicators.services.indicator_rows import Footnotes, IndicatorRow


@dataclass
class JudgedIndicator:
    name: str
    met: bool | None  # None: left out (I.U. or no målvärde to judge against)


@dataclass
class Suggestion:
    level: str
    indicators: list[JudgedIndicator] = field(default_factory=list)
    rules: AssessmentRules | None = None

    @property
    def judged(self) -> list[JudgedIndicator]:
        return [i for i in self.indicators if i.met is not None]

    @property
    def met_count(self) -> int:
        return sum(1 for i in self.judged if i.met)

    @property
    def left_out(self) -> list[JudgedIndicator]:
        return [i for i in self.indicators if i.met is None]

    @property
    def share(self) -> int | None:
        """Percent of judged indicators meeting their målvärde, rounded down."""
        if not self.judged:
            return None
        return self.met_count * 100 // len(self.judged)

    @property
    def label(self) -> str:
        return AssessmentLevel(self.level).label

    @property
    def explanation(self) -> str:
        """How the verdict was reached, in a sentence a nämnd member can check."""
        rules = self.rules
        left_out = len(self.left_out)
        skipped = (
            f" {left_out} utan värde eller bedömbart målvärde räknas inte." if left_out else ""
        )
        if self.share is None or len(self.judged) < rules.minimum_judged:
            return (
                f"{len(self.judged)} indikatorer kan bedömas mot målvärdet, "
                f"minst {rules.minimum_judged} behövs: {self.label}.{skipped}"
            )
        return (
            f"{self.met_count} av {len(self.judged)} bedömda indikatorer når målvärdet "
            f"({self.share} %). Uppnås från {rules.met_from_percent} %, "
            f"uppnås delvis från {rules.partly_from_percent} %: {self.label}.{skipped}"
        )

    @property
    def details(self) -> list[str]:
        words = {True: "når målvärdet", False: "når inte målvärdet", None: "räknas inte"}
        return [f"{i.name}: {words[i.met]}" for i in self.indicators]


def judge_indicators(rows: list[IndicatorRow]) -> list[JudgedIndicator]:
    judged: list[JudgedIndicator] = []
    current: list[IndicatorRow] = []

    def close() -> None:
        if not current:
            return
        name_row = current[0]
        met = name_row.target_met
        if met is None:
            verdicts = [row.target_met for row in current[1:] if row.target_met is not None]
            met = all(verdicts) if verdicts else None
        judged.append(JudgedIndicator(name_row.indicator.name, met))

    for row in rows:
        if row.is_name_row:
            close()
            current = []
        current.append(row)
    close()
    return judged


def suggest_assessment(rows: list[IndicatorRow], rules: AssessmentRules) -> Suggestion:
    suggestion = Suggestion(AssessmentLevel.CANNOT_ASSESS, judge_indicators(rows), rules)
    judged = len(suggestion.judged)
    if judged == 0 or judged < rules.minimum_judged:
        return suggestion
    # Compared exactly: 2 of 3 is below a rule of 67 %, not rounded onto it.
    met = suggestion.met_count * 100
    if met >= rules.met_from_percent * judged:
        suggestion.level = AssessmentLevel.MET
    elif met >= rules.partly_from_percent * judged:
        suggestion.level = AssessmentLevel.PARTLY
    else:
        suggestion.level = AssessmentLevel.NOT_MET
    return suggestion


def rules_of(committee: Committee) -> AssessmentRules:
    """The nämnd's rules for suggested målbedömningar, or the defaults (not stored)."""
    return AssessmentRules.objects.filter(committee=committee).first() or AssessmentRules(
        committee=committee
    )


def suggested_assessments(period: ReportingPeriod) -> dict[int, Suggestion]:
    """The suggestion for each nämndmål of the period's year, by goal id, without building
    the goal table: goals, links, series, values, targets and rules, six queries."""
    committee = period.committee
    goals = goals_of_year(committee, period.year)
    rows = rows_by_goal(committee, goals, period.year, period.month, Footnotes())
    rules = rules_of(committee)
    return {goal.pk: suggest_assessment(rows[goal.pk], rules) for goal in goals}
