"""The report of a period: the draft (live figures) for staff and controllers, publishing
for controllers, and the published versions with their downloads for everyone with a role
in the nämnd, nämnd members included. Nämnd members never see a draft."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from amn.lib.spreadsheet import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from amn.models import PublishedReport, ReportingPeriod
from amn.permissions import PUBLISH, READ_LIVE, READ_PUBLISHED, can, committee_for_user
from amn.services.history import history_of
from reports.models import PublishedPdf
from reports.services import reconciliation
from reports.services.changes import changes_between
from reports.services.open_data import csv_cell, report_data, report_document
from reports.services.pdf import RETRY_AFTER_SECONDS, PdfBusy, PdfUnavailable, pdf_of
from reports.services.preparation import progress_of
from reports.services.publishing import PublishingRefused, publish_report
from reports.services.reconciliation import publishing_problems
from reports.services.report import build_report, render_report_body


def _period(request: HttpRequest, code: str, period: int, allowed) -> ReportingPeriod:
    committee = committee_for_user(request.user, code, allowed)
    return get_object_or_404(
        ReportingPeriod.objects.select_related("committee"), pk=period, committee=committee
    )


def _versions(period: ReportingPeriod) -> list[PublishedReport]:
    return list(
        PublishedReport.objects.filter(period=period)
        .defer("html", "data", "workbook")
        .select_related("published_by")
        .newest_first()
    )


HISTORY_ON_DRAFT = 200  # the newest changes since the latest version shown on the draft


@login_required
def draft(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, READ_LIVE)
    report = build_report(shown)
    versions = _versions(shown)
    latest = versions[0] if versions else None
    since = history = None
    if latest is not None:
        stored = PublishedReport.objects.only("data").get(pk=latest.pk)
        since = changes_between(stored.data, report_data(report))
        history = list(
            history_of(shown.committee)
            .filter(Q(period=shown) | Q(period__isnull=True), changed_at__gt=latest.published_at)
            .order_by("-changed_at", "-pk")[:HISTORY_ON_DRAFT]
        )
    return render(
        request,
        "reports/report.html",
        {
            "committee": shown.committee,
            "period": shown,
            "body": render_report_body(report, request),
            "title": report.title,
            "draft": True,
            "versions": versions,
            "latest": latest,
            "since": since,
            "history": history,
            "problems": _grouped(publishing_problems(shown), shown),
            "progress": progress_of(shown),
            "may_publish": can(request.user, shown.committee, PUBLISH),
        },
    )


def _grouped(problems, period: ReportingPeriod) -> list[tuple[str, str, list[str]]]:
    """Problems by area, each area with the page where its problems are put right."""
    groups: dict[str, list[str]] = {}
    for problem in problems:
        groups.setdefault(problem.area, []).append(problem.text)
    return [(area, _where_to_fix(area, period), texts) for area, texts in groups.items()]


def _where_to_fix(area: str, period: ReportingPeriod) -> str:
    code, year, month = period.committee.code, period.year, period.month
    pages = {
        reconciliation.LEDGER: ("budget:ledger-imports", [code]),
        reconciliation.FORECAST: ("budget:forecast-entry", [code, period.pk]),
        reconciliation.GOALS: ("indicators:assessment-entry", [code, year, month]),
        reconciliation.STATUSES: ("goals:status-entry", [code, year, month]),
        reconciliation.SECTIONS: ("reports:preparation", [code, period.pk]),
    }
    name, args = pages[area]
    return reverse(name, args=args)


@login_required
@require_POST
def publish(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, PUBLISH)
    try:
        published = publish_report(shown, request.user, request, request.POST.get("note", ""))
    except PublishingRefused as refusal:
        messages.error(request, str(refusal))
        for problem in refusal.problems:
            messages.error(request, f"{problem.area}: {problem.text}")
        return redirect("reports:draft", code, period)
    messages.success(request, f"Publicerad som version {published.version}.")
    return redirect("reports:version", code, period, published.version)


def _published(
    request, code: str, period: int, version: int | None, *, without: tuple[str, ...] = ()
) -> PublishedReport:
    """The version asked for (None: the latest), without the stored fields `without`
    (loaded only if used after all)."""
    committee = committee_for_user(request.user, code, READ_PUBLISHED)
    versions = PublishedReport.objects.filter(
        period_id=period, period__committee=committee
    ).select_related("period", "published_by")
    if without:
        versions = versions.defer(*without)
    found = (
        versions.filter(version=version).first()
        if version is not None
        else versions.newest_first().first()
    )
    if found is None:
        raise Http404("Rapporten är inte publicerad.")
    # The nämnd asked about already knows the user's roles: asked once per request.
    found.period.committee = committee
    return found


@login_required
def version(request: HttpRequest, code: str, period: int, number: int) -> HttpResponse:
    return _report_page(request, _published(request, code, period, number, without=("workbook",)))


@login_required
def latest(request: HttpRequest, code: str, period: int) -> HttpResponse:
    """The stable link: always the latest published version, shown here without a
    redirect (a reader following the link costs one request, not two)."""
    return _report_page(request, _published(request, code, period, None, without=("workbook",)))


def _report_page(request: HttpRequest, published: PublishedReport) -> HttpResponse:
    versions = _versions(published.period)
    previous = (
        PublishedReport.objects.filter(period=published.period, version=published.version - 1)
        .only("data")
        .first()
        if published.version > 1
        else None
    )
    return render(
        request,
        "reports/report.html",
        {
            "committee": published.period.committee,
            "period": published.period,
            "published": published,
            "body": published.html,
            "title": published.title,
            "versions": versions,
            "latest": versions[0],
            "may_read_draft": can(request.user, published.period.committee, READ_LIVE),
            "since": changes_between(previous.data, published.data) if previous else None,
            "tables": [
                (table["title"], slugify(table["title"]))
                for table in published.data.get("tables", [])
            ],
        },
    )


def _file_name(published: PublishedReport, suffix: str) -> str:
    period = published.period
    return f"rapport-{period.committee.code}-{period.key}-v{published.version}.{suffix}"


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def workbook(request: HttpRequest, code: str, period: int, number: int | None = None):
    published = _published(request, code, period, number)
    return _attachment(bytes(published.workbook), XLSX_CONTENT_TYPE, _file_name(published, "xlsx"))


@login_required
def open_data(request: HttpRequest, code: str, period: int, number: int | None = None):
    published = _published(request, code, period, number)
    content = report_document(published)
    return _attachment(content, "application/json", _file_name(published, "json"))


@login_required
def open_data_table(
    request: HttpRequest, code: str, period: int, table: str, number: int | None = None
):
    """One table of a published version as CSV: comma-separated, UTF-8, numbers with a
    decimal point, as open data portals take them. A table is named by its title, so the
    link of the latest version keeps pointing at the same table."""
    published = _published(request, code, period, number)
    chosen = next(
        (t for t in published.data.get("tables", []) if slugify(t["title"]) == table), None
    )
    if chosen is None:
        raise Http404("Tabellen finns inte i rapporten.")
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(chosen["headers"])
    writer.writerows([csv_cell(value) for value in row] for row in chosen["rows"])
    name = _file_name(published, f"{table}.csv")
    return _attachment(output.getvalue().encode(), CSV_CONTENT_TYPE, name)


@login_required
def history(request: HttpRequest, code: str) -> HttpResponse:
    """Every change to the nämnd's figures and texts: who, when, from what to what."""
    committee = committee_for_user(request.user, code, READ_LIVE)
    changes = history_of(committee)
    periods = list(committee.periods.order_by("-year", "-month"))
    chosen = request.GET.get("period", "")
    if chosen.isdigit():
        changes = changes.filter(period_id=int(chosen))
    page = Paginator(changes.order_by("-changed_at", "-pk"), HISTORY_PAGE).get_page(
        request.GET.get("sida")
    )
    return render(
        request,
        "reports/history.html",
        {"committee": committee, "page": page, "periods": periods, "chosen": chosen},
    )


HISTORY_PAGE = 100


@login_required
def pdf(request: HttpRequest, code: str, period: int, number: int | None = None):
    """The version's stored PDF; one not stored yet is printed now, unless every render
    slot is busy (503 with Retry-After, at once: a download never queues for Chromium)."""
    published = _published(request, code, period, number, without=("html", "data", "workbook"))
    try:
        stored = pdf_of(published)
    except PdfBusy:
        response = render(
            request,
            "reports/pdf_busy.html",
            {"committee": published.period.committee, "published": published},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    return _stored_pdf(request, stored, _file_name(published, "pdf"))


def _stored_pdf(request: HttpRequest, stored: PublishedPdf, name: str) -> HttpResponse:
    """The stored bytes, with their SHA-256 as ETag: a reader's browser that has them gets
    304 Not Modified."""
    etag = f'"{stored.sha256}"'
    response = get_conditional_response(request, etag=etag) or _attachment(
        bytes(stored.content), "application/pdf", name
    )
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    if response.status_code == 200:
        response["Content-Length"] = str(stored.size)
    return response
