"""The report as one self-contained HTML document and as PDF.

The PDF is the printed page: headless Chromium (Debian's `chromium`, or the CHROMIUM
setting) prints the self-contained document with the print stylesheet, so the PDF and the
browser's own print agree. No network: the document carries its styles inline.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

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
