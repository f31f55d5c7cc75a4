"""Preparing a period's report: its text sections, who writes each by when, the texts, and
how far the work has come.

A new period's report starts as a copy of the latest earlier report of the nämnd (the
same kind first): its sections with their responsible writers, and its texts to revise.
Every change of a text, a responsible writer, a deadline or a ready mark is kept in the
history.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amn.models import (
    PeriodKind,
    ReportingPeriod,
    ReportText,
    Section,
    SectionPlan,
)
from amn.services.history import Edit, record_period_changes

FOLLOW_UP_SECTIONS = [
    Section.SUMMARY,
    Section.ASSESSMENT,
    Section.EVENTS,
    Section.ECONOMY,
    Section.INVESTMENTS,
    Section.GOALS,
    Section.ASSIGNMENTS,
    Section.VOLUMES,
    Section.PERSONNEL,
    Section.OUTLOOK,
]
DEFAULT_SECTIONS = {
    PeriodKind.BUDGET: [
        Section.MISSION,
        Section.SUMMARY,
        Section.ECONOMY,
        Section.GOALS,
        Section.ASSIGNMENTS,
        Section.INTERNAL_CONTROL,
        Section.PREMISES,
        Section.PROCUREMENT,
        Section.COMPETENCE,
    ],
    PeriodKind.ANNUAL: [*FOLLOW_UP_SECTIONS, Section.INTERNAL_CONTROL],
}


def in_report_order(plans):
    return sorted(plans, key=lambda plan: Section.values.index(plan.section))


@dataclass
class Progress:
    plans: list[SectionPlan]
    today: datetime.date
    texts: dict[str, int] = field(default_factory=dict)  # texts per section

    @property
    def ready(self) -> int:
        return sum(plan.ready for plan in self.plans)

    @property
    def total(self) -> int:
        return len(self.plans)

    @property
    def left(self) -> list[SectionPlan]:
        return [plan for plan in self.plans if not plan.ready]

    @property
    def overdue(self) -> list[SectionPlan]:
        return [p for p in self.left if p.deadline is not None and p.deadline < self.today]

    @property
    def percent(self) -> int:
        return round(100 * self.ready / self.total) if self.total else 0


def progress_of(period: ReportingPeriod) -> Progress:
    plans = SectionPlan.objects.filter(period=period).select_related("responsible", "ready_by")
    texts: dict[str, int] = {}
    for section in ReportText.objects.filter(period=period).values_list("section", flat=True):
        texts[section] = texts.get(section, 0) + 1
    plans = in_report_order(plans)
    for plan in plans:
        plan.text_count = texts.get(plan.section, 0)
    return Progress(plans, timezone.localdate(), texts)


def previous_report(period: ReportingPeriod) -> ReportingPeriod | None:
    """The latest earlier period of the nämnd with texts or sections: of the same kind if
    there is one, otherwise of any kind."""
    earlier = (
        ReportingPeriod.objects.filter(committee_id=period.committee_id)
        .filter(Q(year__lt=period.year) | Q(year=period.year, month__lt=period.month))
        .filter(Q(texts__isnull=False) | Q(section_plans__isnull=False))
        .distinct()
        .order_by("-year", "-month")
    )
    return earlier.filter(kind=period.kind).first() or earlier.first()


@dataclass
class Started:
    source: ReportingPeriod | None
    sections: int
    texts: int


def start_report(period: ReportingPeriod, user) -> Started:
    """Give the period its sections from the previous report and, when it has no texts
    of its own yet, the previous report's texts to revise. Nothing the period already
    has is changed."""
    source = previous_report(period)
    with transaction.atomic():
        have = set(SectionPlan.objects.filter(period=period).values_list("section", flat=True))
        if source is not None:
            plans = list(SectionPlan.objects.filter(period=source))
            sections = [plan.section for plan in plans] or list(
                ReportText.objects.filter(period=source)
                .values_list("section", flat=True)
                .distinct()
            )
            responsible = {plan.section: plan.responsible_id for plan in plans}
        else:
            sections = [str(s) for s in DEFAULT_SECTIONS.get(period.kind, FOLLOW_UP_SECTIONS)]
            responsible = {}
        own = list(
            ReportText.objects.filter(period=period).values_list("section", flat=True).distinct()
        )
        new_plans = SectionPlan.objects.bulk_create(
            SectionPlan(period=period, section=section, responsible_id=responsible.get(section))
            for section in dict.fromkeys([*sections, *own])
            if section not in have
        )
        copied = []
        # A period that has texts of its own keeps them and takes none from before.
        if source is not None and not own:
            copied = ReportText.objects.bulk_create(
                ReportText(
                    period=period,
                    section=text.section,
                    title=text.title,
                    position=text.position,
                    body=text.body,
                )
                for text in ReportText.objects.filter(period=source).order_by("position")
            )
        record_period_changes(
            period,
            user,
            [
                Edit(_text_subject(text.section, text.title), "text", "", text.body)
                for text in copied
            ]
            + [Edit(Section(p.section).label, "avsnitt i rapporten", "", "ja") for p in new_plans],
        )
    return Started(source, len(new_plans), len(copied))


def _text_subject(section: str, title: str) -> str:
    label = Section(section).label
    return f"{label}: {title}" if title else label


@dataclass
class TextDraft:
    """One text of a section as the form holds it."""

    title: str
    body: str
    pk: int | None = None
    slot: int = 0  # which blank text of the page a new one was written in
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What the page's inputs of the text are named by: the stored text, or the slot."""
        return str(self.pk) if self.pk else f"ny{self.slot}"


def section_texts(period: ReportingPeriod, section: str) -> list[ReportText]:
    return list(ReportText.objects.filter(period=period, section=section).order_by("position"))


def check_texts(drafts: list[TextDraft]) -> list[str]:
    """Why the texts cannot be saved, in Swedish; empty when they can."""
    errors = []
    titles = [draft.title for draft in drafts if draft.body.strip()]
    for title in {t for t in titles if titles.count(t) > 1}:
        shown = f"”{title}”" if title else "utan rubrik"
        errors.append(f"Två texter har samma rubrik ({shown}): ge dem olika rubriker.")
    for draft in drafts:
        if draft.title and not draft.body.strip():
            errors.append(f"Texten ”{draft.title}” är tom: skriv den eller ta bort rubriken.")
    return errors


def save_section_texts(period: ReportingPeriod, section: str, drafts: list[TextDraft], user) -> int:
    """Store the section's texts as the form holds them: a text emptied is removed, and so
    is a stored text the drafts do not hold. Returns how many were removed."""
    with transaction.atomic():
        stored = {text.pk: text for text in section_texts(period, section)}
        base = min((text.position for text in stored.values()), default=_base_position(section))
        written = [draft for draft in drafts if draft.body.strip()]
        kept = {draft.pk for draft in written if draft.pk in stored}
        edits = []
        # Removed texts go first: a kept text may take over a removed one's title.
        removed = 0
        for pk, text in stored.items():
            if pk not in kept:
                edits.append(Edit(_text_subject(section, text.title), "text", text.body, ""))
                text.delete()
                removed += 1
        for offset, draft in enumerate(written):
            text = stored.get(draft.pk) if draft.pk else None
            old_title, old_body = (text.title, text.body) if text else ("", "")
            if text is None:
                text = ReportText(period=period, section=section)
            text.title, text.body, text.position = draft.title, draft.body.strip(), base + offset
            text.save()
            if old_title and old_title != text.title:
                edits.append(
                    Edit(_text_subject(section, old_title), "rubrik", old_title, text.title)
                )
            edits.append(Edit(_text_subject(section, text.title), "text", old_body, text.body))
        record_period_changes(period, user, edits)
    return removed


def _base_position(section: str) -> int:
    # New sections' texts print in the report's order of sections.
    return Section.values.index(section) * 10


def mark_ready(plan: SectionPlan, user, ready: bool) -> None:
    with transaction.atomic():
        was = plan.ready
        plan.ready_at = timezone.now() if ready else None
        plan.ready_by = user if ready else None
        plan.save(update_fields=["ready_at", "ready_by"])
        record_period_changes(
            plan.period, user, [Edit(plan.get_section_display(), "klart", was, ready)]
        )


def assign_sections(period: ReportingPeriod, wanted: dict[str, tuple], user) -> int:
    """Set responsible writer and deadline per section: {section: (user_or_None, date_or_None)}.
    Returns how many sections changed."""
    changed = 0
    with transaction.atomic():
        edits = []
        for plan in SectionPlan.objects.filter(period=period).select_related("responsible"):
            if plan.section not in wanted:
                continue
            responsible, deadline = wanted[plan.section]
            if plan.responsible_id == (responsible.pk if responsible else None) and (
                plan.deadline == deadline
            ):
                continue
            label = plan.get_section_display()
            edits += [
                Edit(label, "ansvarig", _name(plan.responsible), _name(responsible)),
                Edit(label, "klart senast", plan.deadline, deadline),
            ]
            plan.responsible, plan.deadline = responsible, deadline
            plan.save(update_fields=["responsible", "deadline"])
            changed += 1
        record_period_changes(period, user, edits)
    return changed


def add_section(period: ReportingPeriod, section: str, user) -> SectionPlan:
    with transaction.atomic():
        plan, created = SectionPlan.objects.get_or_create(period=period, section=section)
        if created:
            record_period_changes(
                period, user, [Edit(plan.get_section_display(), "avsnitt i rapporten", "", "ja")]
            )
    return plan


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username
