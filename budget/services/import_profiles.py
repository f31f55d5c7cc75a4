"""Import profiles are saved and removed here, with every change in the history.

A profile belongs to a kommun (or to one nämnd of it), and a change to it changes how the
imports of every nämnd that uses it read their files: the change is recorded in the
history of each of those nämnder (the profile's own nämnd, else every nämnd of the kommun).
"""

from django.db import IntegrityError, transaction

from amn.lib.text import quoted
from amn.models import ChangeSource, Committee
from amn.services.history import Edit, record_changes
from budget.models import ImportProfile
from budget.services.ledger_tabular import FIELD_NAMES


class NameTaken(Exception):
    """Another profile of the kommun was stored with the same name meanwhile."""


FIELDS = {
    "name": "namn",
    "description": "beskrivning",
    "committee": "nämnd",
    "columns": "kolumnrubriker",
    "sie_operation_dimension": "SIE-dimension för verksamhet",
    "sie_responsibility_dimension": "SIE-dimension för ansvar",
}


def _snapshot(profile: ImportProfile | None) -> dict[str, object]:
    if profile is None:
        return {}
    named = profile.columns or {}
    columns = ", ".join(
        f"{label}: {named[field]}" for field, label in FIELD_NAMES.items() if named.get(field)
    )
    return {
        "name": profile.name,
        "description": profile.description,
        "committee": str(profile.committee) if profile.committee_id else "alla nämnder",
        "columns": columns,
        "sie_operation_dimension": profile.sie_operation_dimension,
        "sie_responsibility_dimension": profile.sie_responsibility_dimension,
    }


def _users_of(profile: ImportProfile | None) -> set[Committee]:
    """The nämnder whose imports may use the profile."""
    if profile is None:
        return set()
    if profile.committee_id:
        return {profile.committee}
    return set(Committee.objects.filter(municipality_id=profile.municipality_id))


def _record(before: ImportProfile | None, after: ImportProfile | None, user, source) -> None:
    old, new = _snapshot(before), _snapshot(after)
    subject = f"Importprofil: {(after or before).name}"
    edits = [Edit(subject, label, old.get(key), new.get(key)) for key, label in FIELDS.items()]
    for committee in sorted(_users_of(before) | _users_of(after), key=lambda c: c.pk):
        record_changes(committee=committee, period=None, user=user, source=source, edits=edits)


def save_profile(profile: ImportProfile, user, source: str = ChangeSource.FORM) -> ImportProfile:
    """Store a new or changed profile and record what changed. Raises NameTaken (nothing
    stored) if another profile of the kommun got the name since the form checked it."""
    with transaction.atomic():
        before = (
            ImportProfile.objects.select_related("committee").filter(pk=profile.pk).first()
            if profile.pk
            else None
        )
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError as error:
            taken = ImportProfile.objects.filter(
                municipality_id=profile.municipality_id, name=profile.name
            ).exclude(pk=profile.pk)
            if not taken.exists():
                raise
            raise NameTaken(
                f"Det finns redan en importprofil med namnet {quoted(profile.name)}."
            ) from error
        _record(before, profile, user, source)
    return profile


def delete_profile(profile: ImportProfile, user, source: str = ChangeSource.FORM) -> None:
    """Remove a profile (imports read with it keep their result) and record it."""
    with transaction.atomic():
        _record(profile, None, user, source)
        profile.delete()
