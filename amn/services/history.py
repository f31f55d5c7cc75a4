"""The history of a nämnd's figures and texts: every change, who made it, when, from what
to what.

The use cases that store figures and texts (entry forms, imports, Kolada, the admin)
describe what they change as `Edit`s; `record_changes` keeps those that change something,
in one insert. Values are kept as text exactly as stored (an amount to the öre), so the
history says precisely what a figure was.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from amn.lib.money import format_swedish
from amn.models import Change, ChangeSource, Committee, ReportingPeriod

# A subject is named from names that may be long (an indicator's and its series'); the
# history keeps as much of it as its column holds rather than refuse the change.
SUBJECT_LENGTH = Change._meta.get_field("subject").max_length
FIELD_LENGTH = Change._meta.get_field("field").max_length


@dataclass(frozen=True)
class Edit:
    subject: str  # what was changed: "Prognos: 575 - Ekonomiskt bistånd"
    field: str  # which of its figures or texts: "belopp (kr)", "kommentar"
    old: object
    new: object


def as_text(value: object) -> str:
    """A stored value as the history shows it: amounts in full with Swedish separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Decimal):
        exponent = value.normalize().as_tuple().exponent
        decimals = max(0, -exponent) if isinstance(exponent, int) else 0
        return format_swedish(value, decimals, empty="")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def record_changes(
    *,
    committee: Committee,
    period: ReportingPeriod | None,
    user,
    source: str,
    edits: Iterable[Edit],
) -> list[Change]:
    """Keep every edit that changes something; call it inside the transaction that stores
    the change, so the history and the figures never disagree."""
    now = timezone.now()
    author = user if user is not None and user.is_authenticated else None
    changes = []
    for edit in edits:
        old, new = as_text(edit.old), as_text(edit.new)
        if old == new:
            continue
        changes.append(
            Change(
                committee=committee,
                period=period,
                changed_at=now,
                changed_by=author,
                source=source,
                subject=edit.subject[:SUBJECT_LENGTH],
                field=edit.field[:FIELD_LENGTH],
                old=old,
                new=new,
            )
        )
    return Change.objects.bulk_create(changes)


def record_period_changes(
    period: ReportingPeriod, user, edits: Iterable[Edit], source: str = ChangeSource.FORM
) -> list[Change]:
    """`record_changes` for what a form of one period changed."""
    return record_changes(
        committee=period.committee, period=period, user=user, source=source, edits=edits
    )


def edits_between(subject_of, fields: dict[str, str], before: dict, after: dict) -> Iterable[Edit]:
    """Edits from two snapshots keyed alike: {key: {attribute: value}}. A key only in
    `before` was removed (its values go to empty), only in `after` added."""
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key, {}), after.get(key, {})
        for attribute, label in fields.items():
            yield Edit(subject_of(key), label, old.get(attribute), new.get(attribute))


def history_of(committee: Committee, period: ReportingPeriod | None = None) -> QuerySet:
    changes = Change.objects.filter(committee=committee).select_related("changed_by", "period")
    return changes.filter(period=period) if period is not None else changes


__all__ = [
    "ChangeSource",
    "Edit",
    "as_text",
    "edits_between",
    "history_of",
    "record_changes",
    "record_period_changes",
]
