"""The sections of a nämnd's setup page: what may be deleted, and storing a section.

Deleting is only ever asked for explicitly ("ta bort"), and refused for something in use:
a verksamhet that rows use, a förvaltning the nämnd's units belong to, a unit a row
sums, a row with figures from months, forecasts, ledger mappings or varav rows.
"""

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from amn.lib.text import quoted
from amn.models import Administration, AnnualCycleStep, ChangeSource, Committee
from amn.services.history import Edit, record_changes
from budget.models import Operation, OwnUnit, SummaryRow
from organisation.services.setup import store_plan


def _listed(labels) -> str:
    labels = list(labels)
    shown = ", ".join(quoted(label) for label in labels[:3])
    return shown + (f" och {len(labels) - 3} till" if len(labels) > 3 else "")


def administration_in_use(committee: Committee, administration: Administration) -> str:
    units = [
        unit.name for unit in administration.own_units.all() if unit.committee_id == committee.pk
    ]
    if units:
        return f"Förvaltningen används av nämndens enheter {_listed(units)}."
    return ""


def operation_in_use(operation: Operation) -> str:
    rows = [f"{row.label} {row.year}" for row in operation.summary_rows.all()]
    if rows:
        return f"Verksamheten används av raderna {_listed(rows)} och kan inte tas bort."
    if operation.internal_budget_rows.exists():
        return "Verksamheten används i en internbudget och kan inte tas bort."
    return ""


def unit_in_use(unit: OwnUnit) -> str:
    rows = [f"{row.label} {row.year}" for row in unit.summary_rows.all()]
    if rows:
        return f"Enheten ingår i raderna {_listed(rows)} och kan inte tas bort."
    return ""


def row_in_use(row: SummaryRow) -> str:
    """Why a driftsammandrag row cannot be deleted, or "". Its full-year amounts go with
    it; anything else recorded for it keeps it."""
    checks = [
        (row.details.exists(), "har varav-rader"),
        (row.monthly_amounts.exists(), "har månadsbelopp (utfall eller periodiserad budget)"),
        (row.forecasts.exists(), "har prognoser"),
        (row.ledger_mappings.exists(), "har kodmappningar från huvudboken"),
        (row.ledger_lines.exists(), "har huvudboksrader"),
        (row.successors.exists(), "är föregående års rad till en annan rad"),
        (row.budget_successors.exists(), "fortsätts av en internbudgetpost"),
    ]
    reasons = [reason for found, reason in checks if found]
    if reasons:
        return f"Raden {' och '.join(reasons)} och kan inte tas bort."
    return ""


def _delete_unless_used(item) -> None:
    """Delete a förvaltning no nämnd uses any more, unless other records (indicator
    series, plan activities) still name it: then the kommun keeps it."""
    try:
        with transaction.atomic():
            item.delete()
    except (ProtectedError, RestrictedError):
        pass


def delete(committee: Committee, user, what: list, *, kind: str) -> int:
    """Delete checked items of one section (`kind`), recording the rows' figures that go
    with them. A förvaltning is unlinked from the nämnd, and removed when nothing else
    uses it."""
    if not what:
        return 0
    with transaction.atomic():
        edits = []
        for item in what:
            if kind == "administration":
                committee.administrations.remove(item)
                if not item.committees.exists() and not item.own_units.exists():
                    _delete_unless_used(item)
            elif kind == "row":
                for amount in item.year_amounts.all():
                    edits.append(
                        Edit(
                            f"Driftsammandrag {item.year}: {item.label}",
                            f"{amount.get_measure_display().lower()} helår (kr)",
                            amount.amount,
                            None,
                        )
                    )
                edits.append(Edit(f"Driftsammandrag {item.year}: {item.label}", "rad", "ja", ""))
                item.delete()
            else:
                item.delete()
        record_changes(
            committee=committee, period=None, user=user, source=ChangeSource.FORM, edits=edits
        )
    return len(what)


# --- Storing a section -----------------------------------------------------------------------


def save_coded(
    committee: Committee, model, changes: list[tuple[object | None, str, str]], deleted: list, user
) -> str:
    """Förvaltningar (linked to the nämnd) or verksamheter of the nämnd's kommun: stored
    lines changed, new lines created (or, for a code the kommun has, taken up), checked
    lines deleted. The outcome in Swedish."""
    created = changed = 0
    municipality = committee.municipality
    with transaction.atomic():
        removed = delete(
            committee,
            user,
            deleted,
            kind="administration" if model is Administration else "operation",
        )
        existing = {item.code: item for item in model.objects.filter(municipality=municipality)}
        for item, code, name in changes:
            if item is None:
                item = existing.get(code)
                if item is None:
                    item = model.objects.create(municipality=municipality, code=code, name=name)
                    created += 1
                elif item.name != name:
                    item.name = name
                    item.save(update_fields=["name"])
                    changed += 1
            elif (item.code, item.name) != (code, name):
                item.code, item.name = code, name
                item.save(update_fields=["code", "name"])
                changed += 1
            if model is Administration:
                committee.administrations.add(item)
    return f"Nya: {created}. Ändrade: {changed}. Borttagna: {removed}."


def save_units(committee: Committee, changes: list[tuple], deleted: list, user) -> str:
    created = changed = 0
    administrations = {a.code: a for a in committee.municipality.administrations.all()}
    with transaction.atomic():
        removed = delete(committee, user, deleted, kind="unit")
        for unit, name, code in changes:
            administration = administrations.get(code) if code else None
            if unit is None:
                OwnUnit.objects.create(
                    committee=committee, name=name, administration=administration
                )
                created += 1
            elif (unit.name, unit.administration_id) != (
                name,
                administration.pk if administration else None,
            ):
                unit.name, unit.administration = name, administration
                unit.save(update_fields=["name", "administration"])
                changed += 1
    return f"Nya: {created}. Ändrade: {changed}. Borttagna: {removed}."


def save_cycle(committee: Committee, steps: list[tuple[str, int, int]], off: list[str]) -> str:
    """The årshjul: the follow-ups switched on stored, those switched off removed."""
    with transaction.atomic():
        for kind, month, days in steps:
            AnnualCycleStep.objects.update_or_create(
                committee=committee, kind=kind, defaults={"month": month, "deadline_days": days}
            )
        AnnualCycleStep.objects.filter(committee=committee, kind__in=off).delete()
    return f"Årshjulet är sparat med {len(steps)} uppföljningar."


def save_rows(committee: Committee, plan, deleted: list[SummaryRow], user):
    """The driftsammandrag rows of a year from the setup page: checked rows deleted, the
    rest stored as the template's rows are (organisation.services.setup.store_plan). With
    a problem found while storing, nothing is stored or deleted."""
    with transaction.atomic():
        removed = delete(committee, user, deleted, kind="row")
        outcome = store_plan(plan, user, source=ChangeSource.FORM)
        if outcome.problems:
            transaction.set_rollback(True)
    outcome.removed = 0 if outcome.problems else removed
    return outcome
