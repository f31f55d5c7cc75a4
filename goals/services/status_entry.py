"""Entering the status and comment of a period for strategiska utvecklingsuppdrag,
verksamhetsplan activities and internkontroll points.

Each starts from its latest earlier status (a delayed uppdrag stays delayed until someone
says otherwise). Försenad and Avbruten need a comment saying why (goals.forms.StatusEntryForm
checks a post). A post is stored whole or not at all.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model

from amn.models import ReportingPeriod
from amn.services.history import Edit, record_period_changes
from goals.models import (
    ActivityStatus,
    AssignmentStatus,
    InternalControlPoint,
    InternalControlStatus,
    PlanActivity,
    Status,
    StrategicAssignment,
)

NEEDS_COMMENT = {Status.DELAYED, Status.CANCELLED}
FINISHED = {Status.DONE, Status.CANCELLED}


@dataclass(frozen=True)
class Followed:
    """One kind of thing followed up: its model, its status model and the link's name."""

    prefix: str
    title: str
    status_model: type[Model]
    link: str


ASSIGNMENTS = Followed("u", "Strategiska utvecklingsuppdrag", AssignmentStatus, "assignment")
ACTIVITIES = Followed("a", "Aktiviteter i verksamhetsplanen", ActivityStatus, "activity")
CONTROLS = Followed("k", "Internkontroll", InternalControlStatus, "point")


@dataclass
class StatusLine:
    kind: Followed
    subject: Model
    status: str = ""
    comment: str = ""
    prefilled_from: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def field_name(self) -> str:
        return f"{self.kind.prefix}{self.subject.pk}"


@dataclass
class StatusGroup:
    kind: Followed
    lines: list[StatusLine]


@dataclass
class StatusEntry:
    period: ReportingPeriod
    groups: list[StatusGroup]

    @property
    def lines(self) -> list[StatusLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def has_errors(self) -> bool:
        return any(line.errors for line in self.lines)


def subjects_of(period: ReportingPeriod) -> list[tuple[Followed, list[Model]]]:
    committee, year = period.committee, period.year
    assignments = list(
        StrategicAssignment.objects.filter(committee=committee, first_year__lte=year).order_by(
            "scope", "position"
        )
    )
    activities = list(
        PlanActivity.objects.filter(committee=committee, year=year)
        .select_related("administration")
        .order_by("administration__code", "position")
    )
    controls = list(
        InternalControlPoint.objects.filter(committee=committee, year=year).order_by("position")
    )
    return [(ASSIGNMENTS, assignments), (ACTIVITIES, activities), (CONTROLS, controls)]


def build_status_entry(period: ReportingPeriod) -> StatusEntry:
    groups = []
    for kind, subjects in subjects_of(period):
        statuses = (
            kind.status_model.objects.filter(**{f"{kind.link}__in": subjects})
            .filter(period__committee=period.committee)
            .select_related("period")
            .order_by("period__year", "period__month")
        )
        current, earlier = {}, {}
        for status in statuses:
            subject_id = getattr(status, f"{kind.link}_id")
            when = (status.period.year, status.period.month)
            if status.period_id == period.pk:
                current[subject_id] = status
            elif when < (period.year, period.month):
                earlier[subject_id] = status
        lines = []
        for subject in subjects:
            before = earlier.get(subject.pk)
            now = current.get(subject.pk)
            # An uppdrag finished before this year is history, not something to follow up.
            if (
                kind is ASSIGNMENTS
                and now is None
                and subject.first_year < period.year
                and (before is None or before.status in FINISHED)
            ):
                continue
            source = now or before
            lines.append(
                StatusLine(
                    kind=kind,
                    subject=subject,
                    status=source.status if source else "",
                    comment=source.comment if source else "",
                    prefilled_from="" if now or not before else before.period.title,
                )
            )
        if lines:
            groups.append(StatusGroup(kind, lines))
    return StatusEntry(period, groups)


def save_status_entry(entry: StatusEntry, lines: list[StatusLine], user=None) -> tuple[int, int]:
    """Store the status and comment of every line of `lines` (those the post accounted
    for; others stay as they are): a line without a status has none this period. Returns
    how many were saved and how many removed; what changed is kept in the history."""
    if entry.has_errors:
        raise ValueError("Posten har fel och sparas inte.")
    saved = removed = 0
    edits = []
    with transaction.atomic():
        for line in lines:
            model, where = line.kind.status_model, {line.kind.link: line.subject}
            stored = model.objects.filter(period=entry.period, **where).first()
            subject = f"{line.kind.title}: {line.subject}"
            edits += [
                Edit(
                    subject,
                    "status",
                    stored.get_status_display() if stored else "",
                    Status(line.status).label if line.status else "",
                ),
                Edit(subject, "kommentar", stored.comment if stored else "", line.comment),
            ]
            if not line.status:
                if stored is not None:
                    stored.delete()
                    removed += 1
                continue
            model.objects.update_or_create(
                period=entry.period,
                **where,
                defaults={"status": line.status, "comment": line.comment},
            )
            saved += 1
        record_period_changes(entry.period, user, edits)
    return saved, removed
