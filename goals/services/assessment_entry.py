"""Entering the målbedömningar of a period: per nämndmål a level, a motivation, the results
that contributed and the deviations, beside the level suggested from the indicators.

Choosing another level than the suggested one needs a reason; both are kept, so a reader
sees how the verdict was reached. A new period starts from the latest earlier
målbedömning of the same goal. A post is checked whole (goals.forms.AssessmentEntryForm)
and stored whole, or not at all.
"""

from dataclasses import dataclass, field

from django.db import transaction

from amn.models import ReportingPeriod
from amn.services.history import edits_between, record_period_changes
from goals.models import (
    AssessmentLevel,
    AssessmentPoint,
    AssessmentPointKind,
    CommitteeGoal,
    GoalAssessment,
)

MAX_POINTS = 50


@dataclass
class SuggestedLevel:
    level: str
    explanation: str


@dataclass
class AssessmentLine:
    goal: CommitteeGoal
    suggestion: SuggestedLevel
    level: str = ""
    motivation: str = ""
    results: str = ""  # one result per line
    deviations: str = ""
    reason: str = ""
    prefilled_from: str = ""
    stored_level: str = ""  # the level already stored for the period
    errors: dict[str, str] = field(default_factory=dict)

    def name(self, part: str) -> str:
        return f"{part}-{self.goal.pk}"

    @property
    def suggestion_label(self) -> str:
        return AssessmentLevel(self.suggestion.level).label

    @property
    def suggestion_colour(self) -> str:
        return AssessmentLevel(self.suggestion.level).colour


@dataclass
class AssessmentEntry:
    period: ReportingPeriod
    lines: list[AssessmentLine]

    @property
    def has_errors(self) -> bool:
        return any(line.errors for line in self.lines)


def points_text(assessment: GoalAssessment, kind: str) -> str:
    return "\n".join(p.text for p in assessment.points.all() if p.kind == kind)


def build_assessment_entry(
    period: ReportingPeriod, suggestions: dict[int, SuggestedLevel]
) -> AssessmentEntry:
    """`suggestions` per goal id, as the indicators of the same period suggest them;
    a goal without one gets Kan ej bedömas."""
    goals = list(
        CommitteeGoal.objects.in_year(period.year)
        .filter(committee=period.committee)
        .select_related("municipal_goal__area")
        .order_by("municipal_goal__area__position", "position", "name")
    )
    current = {
        a.goal_id: a
        for a in GoalAssessment.objects.filter(period=period, goal__in=goals).prefetch_related(
            "points"
        )
    }
    earlier: dict[int, GoalAssessment] = {}
    for assessment in (
        GoalAssessment.objects.filter(goal__in=goals)
        .exclude(period=period)
        .filter(period__year__lte=period.year)
        .select_related("period")
        .prefetch_related("points")
        .order_by("period__year", "period__month")
    ):
        if (assessment.period.year, assessment.period.month) < (period.year, period.month):
            earlier[assessment.goal_id] = assessment  # the latest earlier one wins
    lines = []
    for goal in goals:
        suggestion = suggestions.get(
            goal.pk, SuggestedLevel(AssessmentLevel.CANNOT_ASSESS, "Inga indikatorer.")
        )
        line = AssessmentLine(goal=goal, suggestion=suggestion, level=suggestion.level)
        source = current.get(goal.pk) or earlier.get(goal.pk)
        if source is not None:
            line.motivation = source.motivation
            line.results = points_text(source, AssessmentPointKind.RESULT)
            line.deviations = points_text(source, AssessmentPointKind.DEVIATION)
        if goal.pk in current:
            line.level, line.reason = current[goal.pk].level, current[goal.pk].reason
            line.stored_level = line.level
        elif source is not None:
            line.prefilled_from = source.period.title
        lines.append(line)
    return AssessmentEntry(period, lines)


def split_points(text: str) -> list[str]:
    return [line.strip().lstrip("-•").strip() for line in text.splitlines() if line.strip()]


ASSESSMENT_FIELDS = {
    "level": "bedömning",
    "motivation": "motivering",
    "results": "resultat",
    "deviations": "avvikelser",
    "reason": "skäl att avvika från förslaget",
}


def _assessment_snapshot(period: ReportingPeriod) -> dict[int, dict]:
    return {
        assessment.goal_id: {
            "level": assessment.get_level_display(),
            "motivation": assessment.motivation,
            "results": points_text(assessment, AssessmentPointKind.RESULT),
            "deviations": points_text(assessment, AssessmentPointKind.DEVIATION),
            "reason": assessment.reason,
        }
        for assessment in GoalAssessment.objects.filter(period=period).prefetch_related("points")
    }


def save_assessment_entry(
    entry: AssessmentEntry, lines: list[AssessmentLine], user=None
) -> tuple[int, int]:
    """Store the målbedömning with its points of every goal of `lines` (those the post
    accounted for; other goals stay as they are): a goal without a level has none this
    period. Returns how many were saved and how many removed. What changed is kept in the
    history."""
    if entry.has_errors:
        raise ValueError("Posten har fel och sparas inte.")
    saved = removed = 0
    with transaction.atomic():
        before = _assessment_snapshot(entry.period)
        for line in lines:
            if not line.level:
                if line.goal.pk in before:
                    GoalAssessment.objects.filter(goal=line.goal, period=entry.period).delete()
                    removed += 1
                continue
            reason = line.reason if line.level != line.suggestion.level else ""
            assessment, _ = GoalAssessment.objects.update_or_create(
                goal=line.goal,
                period=entry.period,
                defaults={
                    "level": line.level,
                    "motivation": line.motivation,
                    "suggested_level": line.suggestion.level,
                    "suggestion": line.suggestion.explanation,
                    "reason": reason,
                },
            )
            assessment.points.all().delete()
            AssessmentPoint.objects.bulk_create(
                AssessmentPoint(assessment=assessment, kind=kind, position=position, text=text)
                for kind, text_block in (
                    (AssessmentPointKind.RESULT, line.results),
                    (AssessmentPointKind.DEVIATION, line.deviations),
                )
                for position, text in enumerate(split_points(text_block))
            )
            saved += 1
        names = {line.goal.pk: line.goal.name for line in entry.lines}
        record_period_changes(
            entry.period,
            user,
            edits_between(
                lambda goal_id: f"Målbedömning: {names.get(goal_id, goal_id)}",
                ASSESSMENT_FIELDS,
                before,
                _assessment_snapshot(entry.period),
            ),
        )
    return saved, removed
