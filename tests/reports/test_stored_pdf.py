"""A published version's PDF is printed once, at publishing, and stored; downloads serve
the stored bytes and never start Chromium. A version without a stored PDF (published
before PDFs were stored, or when Chromium could not print) is printed at its first
download, once, within the cap on concurrent renders."""

import hashlib
import io
import subprocess
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from amn.models import PublishedReport, ReportingPeriod
from reports.models import PublishedPdf
from reports.services.pdf import render_slot
from reports.services.publishing import publish_report

pytestmark = pytest.mark.usefixtures("ledger_to_august_2023")


@pytest.fixture
def period(amn) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8)


@pytest.fixture
def published_without_pdf(period, controller, settings, tmp_path) -> PublishedReport:
    """A version with no stored PDF, as every version published before PDFs were stored:
    published while Chromium could not be started, which is then back."""
    chromium = settings.CHROMIUM
    settings.CHROMIUM = str(tmp_path / "no-chromium")
    published = publish_report(period, controller, None)
    settings.CHROMIUM = chromium
    return published


def pdf_url(period: ReportingPeriod, version: int | None = None) -> str:
    if version is None:
        return reverse("reports:latest-pdf", args=["AMN", period.pk])
    return reverse("reports:version-pdf", args=["AMN", period.pk, version])


def chromium_runs():
    """Counts the Chromium processes started, and lets them run."""
    return mock.patch("reports.services.pdf.subprocess.run", wraps=subprocess.run)


@contextmanager
def held_elsewhere(*holds: int | None):
    """Hold render slots as other workers printing PDFs would: each in a thread of its
    own, so on PostgreSQL in a database session of its own. Each hold is a slot; a number
    also holds the right to print that version's PDF."""
    done = threading.Event()
    taken = [threading.Event() for _ in holds]
    failed = []

    def hold(report_pk: int | None, held: threading.Event) -> None:
        try:
            with render_slot(report_pk):
                held.set()
                done.wait(30)
        except Exception as error:  # shown by the assertion below
            failed.append(error)
            held.set()
        finally:
            connection.close()

    workers = [
        threading.Thread(target=hold, args=(report_pk, held))
        for report_pk, held in zip(holds, taken, strict=True)
    ]
    for worker in workers:
        worker.start()
    try:
        assert all(held.wait(10) for held in taken) and not failed, failed
        yield
    finally:
        done.set()
        for worker in workers:
            worker.join(10)


def test_publishing_stores_the_pdf_of_the_version(period, controller):
    published = publish_report(period, controller, None)

    stored = PublishedPdf.objects.get(report=published)
    content = bytes(stored.content)
    assert content.startswith(b"%PDF") and len(content) > 20_000
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def test_a_download_serves_the_stored_pdf_and_starts_no_chromium(
    client, member, period, controller
):
    published = publish_report(period, controller, None)
    stored = PublishedPdf.objects.get(report=published)
    client.force_login(member)

    with mock.patch("reports.services.pdf.subprocess.run") as run:
        response = client.get(pdf_url(period))
        again = client.get(pdf_url(period, 1), HTTP_IF_NONE_MATCH=response["ETag"])

    run.assert_not_called()
    assert response.status_code == 200
    assert response.content == bytes(stored.content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(stored.size)
    assert response["ETag"] == f'"{stored.sha256}"'
    assert "rapport-AMN-2023-08-v1.pdf" in response["Content-Disposition"]
    assert again.status_code == 304 and again.content == b""


def test_a_version_without_a_stored_pdf_is_printed_once_at_its_first_download(
    client, member, period, published_without_pdf
):
    client.force_login(member)

    with chromium_runs() as run:
        first = client.get(pdf_url(period))
        second = client.get(pdf_url(period, 1))

    assert run.call_count == 1
    stored = PublishedPdf.objects.get(report=published_without_pdf)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == bytes(stored.content)
    assert first.content.startswith(b"%PDF")


def test_with_every_render_slot_taken_a_missing_pdf_is_answered_503_at_once(
    client, member, period, published_without_pdf, settings
):
    settings.PDF_RENDERS = 2
    client.force_login(member)

    with chromium_runs() as run, held_elsewhere(None, None):
        response = client.get(pdf_url(period))

    run.assert_not_called()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "PDF:en skapas just nu" in page and "Försök igen om en stund" in page
    assert not PublishedPdf.objects.exists()
    assert client.get(pdf_url(period)).status_code == 200  # the slots are free again


def test_a_pdf_being_printed_for_another_reader_is_not_printed_twice(
    client, member, period, published_without_pdf, settings
):
    settings.PDF_RENDERS = 2
    client.force_login(member)

    with chromium_runs() as run, held_elsewhere(published_without_pdf.pk):
        response = client.get(pdf_url(period))

    run.assert_not_called()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_a_pdf_stored_by_another_process_first_is_kept_not_replaced(published_without_pdf):
    first = PublishedPdf.objects.store(published_without_pdf, b"%PDF-first")

    second = PublishedPdf.objects.store(published_without_pdf, b"%PDF-second")

    assert second.pk == first.pk and bytes(second.content) == b"%PDF-first"
    assert PublishedPdf.objects.filter(report=published_without_pdf).count() == 1


def test_a_stored_pdf_is_never_changed_or_removed(period, controller):
    stored = PublishedPdf.objects.get(report=publish_report(period, controller, None))

    stored.content = b"%PDF-other"
    with pytest.raises(ValueError, match="En lagrad PDF ändras aldrig"):
        stored.save()
    with pytest.raises(ValueError, match="En lagrad PDF tas aldrig bort"):
        stored.delete()


def test_render_pdfs_prints_the_versions_published_before_pdfs_were_stored(
    published_without_pdf,
):
    out = io.StringIO()

    call_command("render_pdfs", stdout=out)
    call_command("render_pdfs", stdout=out)

    stored = PublishedPdf.objects.get(report=published_without_pdf)
    assert bytes(stored.content).startswith(b"%PDF")
    assert "PDF skapad och lagrad för 1 version." in out.getvalue()
    assert out.getvalue().endswith("PDF skapad och lagrad för 0 versioner.\n")


def test_render_pdfs_without_chromium_names_the_versions_left_without_a_pdf(
    published_without_pdf, settings, tmp_path
):
    settings.CHROMIUM = str(tmp_path / "no-chromium")

    with pytest.raises(CommandError) as refusal:
        call_command("render_pdfs", stdout=io.StringIO())

    assert "PDF kunde inte skapas för 1 version:" in str(refusal.value)
    assert str(published_without_pdf) in str(refusal.value)
    assert not PublishedPdf.objects.exists()


def test_export_report_writes_the_stored_pdf_without_starting_chromium(
    period, controller, tmp_path
):
    stored = PublishedPdf.objects.get(report=publish_report(period, controller, None))
    out = tmp_path / "rapport.pdf"

    with mock.patch("reports.services.pdf.subprocess.run") as run:
        call_command(
            "export_report",
            *["--committee", "AMN", "--year", "2023", "--month", "8"],
            *["--format", "pdf", "--out", str(out)],
            stdout=io.StringIO(),
        )

    run.assert_not_called()
    assert out.read_bytes() == bytes(stored.content)
