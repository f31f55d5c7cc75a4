"""The report as one self-contained HTML document and as PDF.

The PDF is the printed page: headless Chromium (Debian's `chromium`, or the CHROMIUM
setting) prints the self-contained document with the print stylesheet, so the PDF and the
browser's own print agree. No network: the document carries its styles inline.

A published version's PDF is printed once, at publishing, and stored (PublishedPdf);
downloads serve the stored bytes.
"""

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.template.loader import render_to_string

from amn.models import PublishedReport
from reports.models import PublishedPdf

STYLESHEETS = ["css/app.css", "css/ledger.css", "css/goals.css", "css/report.css"]
PDF_TIMEOUT_SECONDS = 120


class PdfUnavailable(RuntimeError):
    """Why no PDF could be made, in Swedish."""


def inline_styles() -> str:
    return "\n".join(Path(finders.find(name)).read_text() for name in STYLESHEETS)


def standalone_html(title: str, body: str, published=None) -> str:
    return render_to_string(
        "reports/standalone.html",
        {"title": title, "body": body, "published": published, "styles": inline_styles()},
    )


def chromium() -> str:
    path = getattr(settings, "CHROMIUM", "") or shutil.which("chromium")
    if not path:
        raise PdfUnavailable(
            "PDF kan inte skapas: Chromium saknas på servern (Debians paket chromium)."
        )
    return path


def pdf_bytes(document: str) -> bytes:
    """Print `document` (a whole HTML page) to PDF with headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="rapport-") as folder:
        source, target = Path(folder) / "rapport.html", Path(folder) / "rapport.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=PDF_TIMEOUT_SECONDS)
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise PdfUnavailable(
                f"PDF kunde inte skapas: Chromium svarade inte ({error})."
            ) from error
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable("PDF kunde inte skapas: Chromium skrev ingen fil.")
        return target.read_bytes()


# Rendering is capped ------------------------------------------------------------------------
#
# Chromium takes a second or more and a few hundred MB per PDF. At most PDF_RENDERS run at
# once across every web worker and command: on PostgreSQL each render holds one of
# PDF_RENDERS advisory locks (session locks, released when the render ends or its
# connection closes), on SQLite (one machine, development) a counter in the process. A
# request that finds no free slot is answered at once (PdfBusy), never queued.

SLOT_LOCKS = 0x50_44_46  # the advisory lock class of the render slots ("PDF")
REPORT_LOCKS = 0x50_44_47  # the advisory lock class of "this version's PDF is being printed"
RETRY_AFTER_SECONDS = 5

_local_lock = threading.Lock()
_local_slots_taken = 0
_local_reports_rendering: set[int] = set()


class PdfBusy(RuntimeError):
    """No render slot is free, or the same PDF is being printed: try again shortly."""


def _try_advisory_lock(key: int, number: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, number])
        return cursor.fetchone()[0]


def _advisory_unlock(key: int, number: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, number])


def _try_take(report_pk: int | None) -> Callable[[], None] | None:
    """Take a render slot (and, with `report_pk`, the right to print that version's PDF);
    return how to give it back, or None when it is taken."""
    slots = max(1, settings.PDF_RENDERS)
    if connection.vendor == "postgresql":
        taken: list[tuple[int, int]] = []
        if report_pk is not None:
            number = report_pk % 2**31  # the lock's key is a 32-bit integer
            if not _try_advisory_lock(REPORT_LOCKS, number):
                return None
            taken.append((REPORT_LOCKS, number))
        slot = next((n for n in range(slots) if _try_advisory_lock(SLOT_LOCKS, n)), None)
        if slot is not None:
            taken.append((SLOT_LOCKS, slot))

        def release() -> None:
            for key, number in reversed(taken):
                _advisory_unlock(key, number)

        if slot is None:
            release()
            return None
        return release

    global _local_slots_taken
    with _local_lock:
        if _local_slots_taken >= slots or report_pk in _local_reports_rendering:
            return None
        _local_slots_taken += 1
        if report_pk is not None:
            _local_reports_rendering.add(report_pk)

    def release_local() -> None:
        global _local_slots_taken
        with _local_lock:
            _local_slots_taken -= 1
            _local_reports_rendering.discard(report_pk)

    return release_local


@contextmanager
def render_slot(report_pk: int | None = None, wait_seconds: float = 0) -> Iterator[None]:
    """Hold one of the PDF_RENDERS render slots while the block runs; with `report_pk`,
    also the only right to print that published version. Waits up to `wait_seconds` for
    them (commands wait, web requests do not), then raises PdfBusy."""
    deadline = time.monotonic() + wait_seconds
    while (release := _try_take(report_pk)) is None:
        if time.monotonic() >= deadline:
            raise PdfBusy("PDF:en skapas just nu, försök igen om en stund.")
        time.sleep(0.5)
    try:
        yield
    finally:
        release()


def pdf_of(published: PublishedReport, wait_seconds: float = 0) -> PublishedPdf:
    """The stored PDF of a published version. A version without one (published before PDFs
    were stored, or when Chromium could not print at publishing) is printed now, once, and
    stored: a second request for it meanwhile gets PdfBusy, not a second render."""
    found = PublishedPdf.objects.filter(report=published).first()
    if found is not None:
        return found
    with render_slot(published.pk, wait_seconds):
        # Another process may have stored it while this one waited for the slot.
        found = PublishedPdf.objects.filter(report=published).first()
        if found is not None:
            return found
        content = pdf_bytes(standalone_html(published.title, published.html, published))
        return PublishedPdf.objects.store(published, content)
