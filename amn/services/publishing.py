"""Publishing a period's report: the page, the workbook and the open data are stored as
they are at that moment, as a new version. A version after the first is a revision and
must say what changed."""

import json
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from amn.lib.spreadsheet import Reported, Sheet, xlsx_bytes
from amn.models import PublishedReport, ReportingPeriod
from amn.services.reconciliation import Problem, publishing_problems
from amn.services.report import Report, build_report, render_report_body


class PublishingRefused(ValueError):
    """Why a report cannot be published, in Swedish, with every problem found."""

    def __init__(self, message: str, problems: list[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def sheet_data(sheet: Sheet) -> dict:
    """A sheet as open data: numbers as exact decimal strings, texts as texts."""

    def cell(value):
        if isinstance(value, Reported):
            # As reported: "86,0" stays 86.0, not the 86.0000 the database keeps.
            return str(value.value.quantize(Decimal(1).scaleb(-value.decimals)))
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value else "0"
        if value is None or isinstance(value, str | int | bool):
            return value
        return str(value)

    return {
        "title": sheet.title,
        "heading": sheet.heading,
        "headers": list(sheet.headers),
        "rows": [[cell(value) for value in row] for row in sheet.rows],
    }


def latest_version(period: ReportingPeriod) -> PublishedReport | None:
    return PublishedReport.objects.filter(period=period).order_by("-version").first()


def report_data(report: Report) -> dict:
    """The report's open data: every table, and every text by section."""
    period = report.period
    return {
        "committee": period.committee.code,
        "period": period.key,
        "title": report.title,
        "tables": [sheet_data(sheet) for sheet in report.sheets],
        "texts": [
            {"section": section.title, "title": text.title, "body": text.body}
            for section in report.sections
            for text in section.texts
        ],
    }


def publish_report(
    period: ReportingPeriod, user, request, change_note: str = "", *, reconcile: bool = True
) -> PublishedReport:
    """Store the report of `period` as its next version, once everything that must hold
    before publishing holds (amn.services.reconciliation). Only the demo loader passes
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
        previous = latest_version(period)
        if previous is not None and not change_note:
            raise PublishingRefused(
                f"Rapporten är redan publicerad (version {previous.version}): skriv vad som "
                "ändrats, så att läsaren ser varför den är reviderad."
            )
        return PublishedReport.objects.create(
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


def report_document(published: PublishedReport) -> bytes:
    """A published version's open data: every table of the report, as JSON."""
    document = {
        **published.data,
        "version": published.version,
        "published_at": published.published_at.isoformat(),
        "revised": published.is_revision,
        "change_note": published.change_note,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
