"""Background reading is bounded: at most LEDGER_READERS files are read at once (a file
waiting its turn holds no database connection), and a nämnd or a user has at most
LEDGER_READS_IN_PROGRESS files being read, so nobody can queue without end."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from amn.models import CommitteeMembership, Role
from budget.models import ImportStatus, LedgerImport
from budget.services import ledger_import as service
from tests.budget.ledger_files import write_xlsx
from tests.budget.test_ledger_concurrency import create_committee, in_threads, remove_committee


class SlowReader:
    """Stands in for the reading of one file (or slows the real one down): counts how many
    run at the same moment."""

    def __init__(self, seconds: float, read=None) -> None:
        self.seconds, self.read = seconds, read
        self.gate = threading.Event()  # readers start once every upload is handed over
        self.running = self.most = self.done = 0
        self.lock = threading.Lock()

    def __call__(self, pk: int) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            self.gate.wait(timeout=30)
            if self.read is not None:
                self.read(pk)
            time.sleep(self.seconds)  # after reading: its connection is still open
        finally:
            with self.lock:
                self.running -= 1
                self.done += 1

    def wait_for(self, count: int, timeout: float = 60) -> None:
        self.gate.set()
        deadline = time.monotonic() + timeout
        while self.done < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.done == count


def workbook(tmp_path, name="huvudbok.xlsx"):
    path = write_xlsx(tmp_path / name, [[202301, 4610, "", 575, "", "", 1]])
    return SimpleUploadedFile(path.name, path.read_bytes())


def upload(client, code, tmp_path, name="huvudbok.xlsx"):
    return client.post(
        reverse("budget:ledger-imports", args=[code]), {"file": workbook(tmp_path, name)}
    )


def test_many_uploads_are_read_at_most_ledger_readers_at_a_time(
    client,
    amn,
    controller,
    tmp_path,
    upload_dir,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.LEDGER_IMPORT_IN_BACKGROUND = True
    settings.LEDGER_READERS = 2
    settings.LEDGER_READS_IN_PROGRESS = 100
    reader = SlowReader(0.2)
    monkeypatch.setattr(service, "_read_and_clean_up", reader)
    client.force_login(controller)

    for n in range(8):
        with django_capture_on_commit_callbacks(execute=True):
            assert upload(client, "AMN", tmp_path, f"fil{n}.xlsx").status_code == 302
    reader.wait_for(8)

    assert reader.most == 2


def test_a_further_upload_while_the_limit_is_being_read_is_refused_and_nothing_stored(
    client, amn, controller, tmp_path, upload_dir, settings, monkeypatch
):
    settings.LEDGER_READS_IN_PROGRESS = 2
    monkeypatch.setattr(service, "_read_and_clean_up", lambda pk: None)  # still reading
    client.force_login(controller)
    upload(client, "AMN", tmp_path, "fil1.xlsx")
    upload(client, "AMN", tmp_path, "fil2.xlsx")
    stored = sorted(upload_dir.iterdir())

    refused = upload(client, "AMN", tmp_path, "fil3.xlsx")

    assert refused.status_code == 200
    assert (
        "fil3.xlsx laddades inte upp: 2 filer läses redan in för Arbetsmarknadsnämnden eller "
        "av dig (högst 2 åt gången)." in refused.content.decode()
    )
    assert not LedgerImport.objects.filter(file_name="fil3.xlsx").exists()
    assert sorted(upload_dir.iterdir()) == stored

    LedgerImport.objects.filter(file_name="fil1.xlsx").update(status=ImportStatus.PREVIEW)
    assert upload(client, "AMN", tmp_path, "fil3.xlsx").status_code == 302


def test_the_limit_counts_a_users_readings_for_every_nämnd(
    client, amn, other_committee, controller, tmp_path, upload_dir, settings, monkeypatch
):
    settings.LEDGER_READS_IN_PROGRESS = 1
    monkeypatch.setattr(service, "_read_and_clean_up", lambda pk: None)
    CommitteeMembership.objects.create(
        user=controller, committee=other_committee, role=Role.CONTROLLER
    )
    client.force_login(controller)
    upload(client, "AMN", tmp_path)

    refused = upload(client, other_committee.code, tmp_path)

    assert "1 filer läses redan in för Utbildningsnämnden eller av dig" in refused.content.decode()
    assert not LedgerImport.objects.filter(committee=other_committee).exists()


@pytest.fixture
def committed_committee(db):
    """A nämnd the readers' own connections see: committed, and removed again after."""
    [(committee, _row)] = in_threads(create_committee)
    yield committee
    in_threads(lambda: remove_committee(committee))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent connections")
def test_parallel_uploads_never_read_more_files_than_the_limit(
    committed_committee, tmp_path, upload_dir, settings, monkeypatch
):
    settings.LEDGER_READS_IN_PROGRESS = 2
    monkeypatch.setattr(service, "_read_and_clean_up", lambda pk: None)  # still reading
    discard = service.discard_stale_imports

    def slowly(committee):  # between the count and the import it records
        time.sleep(0.3)
        discard(committee)

    monkeypatch.setattr(service, "discard_stale_imports", slowly)

    def upload_file(n: int):
        try:
            return service.import_upload(committed_committee, workbook(tmp_path, f"fil{n}.xlsx"))
        except service.TooManyReading as refusal:
            return refusal

    results = in_threads(*(lambda n=n: upload_file(n) for n in range(5)))

    refused = [result for result in results if isinstance(result, service.TooManyReading)]
    assert len(refused) == 3
    assert all("2 filer läses redan in för Testnämnd" in str(refusal) for refusal in refused)
    assert LedgerImport.objects.filter(committee=committed_committee).count() == 2
    assert len(list(upload_dir.iterdir())) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts PostgreSQL connections")
def test_waiting_uploads_hold_no_database_connection(
    committed_committee,
    tmp_path,
    upload_dir,
    settings,
    monkeypatch,
):
    committee = committed_committee
    settings.LEDGER_IMPORT_IN_BACKGROUND = True
    settings.LEDGER_READERS = 2
    reader = SlowReader(0.3, read=service._read_and_clean_up)  # the real reading, slowed
    monkeypatch.setattr(service, "_read_and_clean_up", reader)

    def connections() -> int:
        with connection.cursor() as cursor:
            # A transaction sees one snapshot of the statistics unless it clears it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            return cursor.fetchone()[0]

    def start_all():
        for n in range(12):
            stored = service.save_upload(workbook(tmp_path, f"fil{n}.xlsx"))
            started = service.start_ledger_import(committee, stored, f"fil{n}.xlsx")
            service.read_in_background(started)  # no transaction: handed over at once

    before = connections()
    in_threads(start_all)
    reader.gate.set()
    most, deadline = before, time.monotonic() + 60
    while reader.done < 12 and time.monotonic() < deadline:
        most = max(most, connections())
        time.sleep(0.02)

    assert reader.most == 2
    assert most - before <= 2 * 2  # two readers, each with at most two connections
    assert in_threads(lambda: set(committee.ledger_imports.values_list("status", flat=True))) == [
        {ImportStatus.PREVIEW}
    ]
