from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import RequestFactory

from amn.lib.spreadsheet import xlsx_bytes
from amn.lib.text import spaced
from amn.models import Committee, PeriodKind, PublishedReport, ReportingPeriod
from reports.services.open_data import draft_document, report_document
from reports.services.pdf import (
    PDF_TIMEOUT_SECONDS,
    PdfBusy,
    PdfUnavailable,
    pdf_bytes,
    pdf_of,
    render_slot,
    standalone_html,
)
from reports.services.report import build_report, render_report_body


class Command(BaseCommand):
    help = (
        "Skriver en nämnds rapport för en period till en fil: den senast publicerade "
        "versionen, eller med --draft utkastet med löpande siffror."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", required=True, help="Nämndens förkortning, t.ex. AMN.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, help="1–12: till och med månad.")
        parser.add_argument("--format", choices=["xlsx", "pdf", "json"], required=True)
        parser.add_argument("--out", required=True, type=Path, help="Filen att skriva.")
        parser.add_argument("--draft", action="store_true", help="Utkastet, inte publicerat.")
        parser.add_argument("--internbudget", action="store_true", help="Årets internbudget.")

    def handle(self, *args, **options) -> None:
        period = self.period(options)
        if options["draft"]:
            content = self.draft(period, options["format"])
        else:
            content = self.published(period, options["format"])
        options["out"].write_bytes(content)
        self.stdout.write(f"Skrev {options['out']} ({spaced(len(content))} byte).")

    def period(self, options) -> ReportingPeriod:
        committee = Committee.objects.filter(code=options["committee"]).first()
        if committee is None:
            raise CommandError(f"Det finns ingen nämnd med förkortningen {options['committee']!r}.")
        year, month = options["year"], options["month"]
        period = (
            ReportingPeriod.objects.filter(
                committee=committee, year=year, month=month, kind=PeriodKind.BUDGET
            ).first()
            if options["internbudget"]
            else ReportingPeriod.objects.follow_up_at(committee, year, month)
        )
        if period is None:
            raise CommandError(
                f"{committee.code} har ingen rapport för {options['year']}-{options['month']:02d}."
            )
        return period

    def published(self, period: ReportingPeriod, kind: str) -> bytes:
        published = PublishedReport.objects.latest_for(period)
        if published is None:
            raise CommandError(f"{period.title} är inte publicerad. Använd --draft för utkastet.")
        if kind == "xlsx":
            return bytes(published.workbook)
        if kind == "json":
            return report_document(published)
        try:
            # The stored PDF; one not stored yet is printed and stored now.
            return bytes(pdf_of(published, wait_seconds=PDF_TIMEOUT_SECONDS).content)
        except (PdfUnavailable, PdfBusy) as error:
            raise CommandError(str(error)) from error

    def draft(self, period: ReportingPeriod, kind: str) -> bytes:
        report = build_report(period)
        if kind == "xlsx":
            return xlsx_bytes(report.sheets)
        if kind == "json":
            return draft_document(report)
        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        body = render_report_body(report, request)
        try:
            with render_slot(wait_seconds=PDF_TIMEOUT_SECONDS):
                return pdf_bytes(standalone_html(report.title, body))
        except (PdfUnavailable, PdfBusy) as error:
            raise CommandError(str(error)) from error
