"""Published versions and the history are append-only in the database itself: UPDATE and
DELETE are refused whoever sends them, on PostgreSQL and on SQLite (amn.db_triggers)."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from amn.models import AppendOnly, Change, ChangeSource, PublishedReport, ReportingPeriod
from amn.services.history import Edit, record_changes
from reports.services.publishing import publish_report


@pytest.fixture
def published(amn, controller) -> PublishedReport:
    period = ReportingPeriod.objects.get(committee=amn, year=2023, month=8)
    return publish_report(period, controller, None, reconcile=False)


@pytest.fixture
def change(amn, staff) -> Change:
    [change] = record_changes(
        committee=amn,
        period=None,
        user=staff,
        source=ChangeSource.FORM,
        edits=[Edit("Driftsammandrag", "kommentar", "före", "efter")],
    )
    return change


def run_refused(sql: str, params: list) -> str:
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(refused.value)


def test_the_database_refuses_to_change_or_remove_a_published_version(published):
    table = PublishedReport._meta.db_table

    changed = run_refused(f"UPDATE {table} SET title = %s WHERE id = %s", ["Ändrad", published.pk])
    removed = run_refused(f"DELETE FROM {table} WHERE id = %s", [published.pk])

    assert "ändras aldrig" in changed and "UPDATE" in changed
    assert "tas aldrig bort" in removed and "DELETE" in removed
    stored = PublishedReport.objects.get(pk=published.pk)
    assert (stored.title, stored.data) == (published.title, published.data)


def test_the_database_refuses_to_change_or_remove_a_line_of_the_history(change):
    table = Change._meta.db_table

    run_refused(f"UPDATE {table} SET new = %s WHERE id = %s", ["förfalskad", change.pk])
    run_refused(f"DELETE FROM {table} WHERE id = %s", [change.pk])

    assert Change.objects.get(pk=change.pk).new == "efter"


def test_a_queryset_update_cannot_go_round_the_model(published):
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedReport.objects.filter(pk=published.pk).update(change_note="I efterhand")

    assert PublishedReport.objects.get(pk=published.pk).change_note == published.change_note


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.parametrize(
    "model",
    [model for model in apps.get_models() if issubclass(model, AppendOnly)],
    ids=lambda model: model._meta.label,
)
def test_every_append_only_model_has_its_triggers(db, model):
    """A new AppendOnly model needs AppendOnlyTrigger in its migration; on SQLite a later
    migration that copies the table into a new one loses them and must add them again."""
    table = model._meta.db_table

    assert any(name.startswith(f"{table}_append_only") for name in triggers_on(table)), table


def test_a_nämnd_with_history_cannot_be_removed_and_the_admin_says_why(
    client, superuser, other_committee
):
    record_changes(
        committee=other_committee,
        period=None,
        user=superuser,
        source=ChangeSource.ADMIN,
        edits=[Edit("Nämnd", "namn", "Skolnämnden", "Utbildningsnämnden")],
    )
    client.force_login(superuser)

    url = reverse("admin:amn_committee_delete", args=[other_committee.pk])
    response = client.post(url, {"post": "yes"})

    text = response.content.decode()
    assert "Kan inte ta bort nämnd" in text and "<li>ändring</li>" in text
    with pytest.raises(ProtectedError):
        other_committee.delete()
    assert Change.objects.filter(committee=other_committee).count() == 1


def test_a_user_with_history_cannot_be_removed_only_deactivated(staff, change):
    with pytest.raises(ProtectedError):
        staff.delete()

    staff.is_active = False
    staff.save()
    assert get_user_model().objects.get(pk=staff.pk).changes.get() == change
