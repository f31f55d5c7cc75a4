"""Publishing a period's report: the page, the workbook and the open data are stored as
they are at that moment, as a new version, and its PDF is printed and stored beside it.
A version after the first is a revision and must say what changed."""

import logging

from django.db import transaction
from django.utils import timezone

from amn.lib.spreadsheet import xlsx_bytes
from amn.models import PublishedReport, ReportingPeriod
from reports.services.open_data import report_data
from reports.services.pdf import PdfBusy, PdfUnavailable, pdf_of
from reports.services.reconciliation import Problem, publishing_problems
from reports.services.report import build_report, render_report_body

logger = logging.getLogger(__name__)


class PublishingRefused(ValueError):
    """Why a report cannot be published, in Swedish, with every problem found."""

    def __init__(self, message: str, problems: list[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def publish_report(
    period: ReportingPeriod, user, request, change_note: str = "", *, reconcile: bool = True
) -> PublishedReport:
    """Store the report of `period` as its next version, once everything that must hold
    before publishing holds (reports.services.reconciliation). Only the demo loader passes
    `reconcile=False`: its reports come from the printed seeds, not from a ledger."""
    change_note = change_note.strip()
    if reconcile:
        problems = publishing_problems(period)
        if problems:
            raise PublishingRefused(
                f"Rapporten publicerades inte: {len(problems)} "
                f"{'sak' if len(problems) == 1 else 'saker'} återstår.",
                problems,
            )
    report = build_report(period)
    if not report.sections:
        raise PublishingRefused("Rapporten har inget innehåll att publicera.")
    with transaction.atomic():
        # One publisher at a time per period: the version numbers never collide.
        ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        previous = PublishedReport.objects.latest_for(period)
        if previous is not None and not change_note:
            raise PublishingRefused(
                f"Rapporten är redan publicerad (version {previous.version}): skriv vad som "
                "ändrats, så att läsaren ser varför den är reviderad."
            )
        published = PublishedReport.objects.create(
            period=period,
            version=previous.version + 1 if previous else 1,
            published_at=timezone.now(),
            published_by=user,
            change_note=change_note,
            title=report.title,
            html=render_report_body(report, request),
            data=report_data(report),
            workbook=xlsx_bytes(report.sheets),
        )
    _store_pdf(published)
    return published


def _store_pdf(published: PublishedReport) -> None:
    """Print the version's PDF now, so that no download starts Chromium. The version is
    published all the same when it cannot be printed (no Chromium, or every render slot
    busy): its first download prints it."""
    try:
        pdf_of(published)
    except (PdfUnavailable, PdfBusy) as error:
        logger.warning("%s was published without its PDF: %s", published, error)
