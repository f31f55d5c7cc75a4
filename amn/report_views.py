"""The report of a period: the draft (live figures) for staff and controllers, publishing
for controllers, and the published versions with their downloads for everyone with a role
in the nämnd, nämnd members included. Nämnd members never see a draft."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from amn.lib.spreadsheet import XLSX_CONTENT_TYPE
from amn.models import PublishedReport, ReportingPeriod
from amn.permissions import PUBLISH, READ_LIVE, READ_PUBLISHED, can, committee_for_user
from amn.services.publishing import PublishingRefused, publish_report, report_document
from amn.services.report import build_report, render_report_body
from amn.services.report_pdf import PdfUnavailable, pdf_bytes, standalone_html


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
        .order_by("-version")
    )


@login_required
def draft(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, READ_LIVE)
    report = build_report(shown)
    return render(
        request,
        "reports/report.html",
        {
            "committee": shown.committee,
            "period": shown,
            "body": render_report_body(report, request),
            "title": report.title,
            "draft": True,
            "versions": _versions(shown),
            "may_publish": can(request.user, shown.committee, PUBLISH),
        },
    )


@login_required
@require_POST
def publish(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, PUBLISH)
    try:
        published = publish_report(shown, request.user, request, request.POST.get("note", ""))
    except PublishingRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("reports:draft", code, period)
    messages.success(request, f"Publicerad som version {published.version}.")
    return redirect("reports:version", code, period, published.version)


def _published(request, code: str, period: int, version: int | None) -> PublishedReport:
    shown = _period(request, code, period, READ_PUBLISHED)
    versions = PublishedReport.objects.filter(period=shown).select_related(
        "period__committee", "published_by"
    )
    found = (
        versions.filter(version=version).first()
        if version is not None
        else versions.order_by("-version").first()
    )
    if found is None:
        raise Http404("Rapporten är inte publicerad.")
    return found


@login_required
def version(request: HttpRequest, code: str, period: int, number: int) -> HttpResponse:
    published = _published(request, code, period, number)
    versions = _versions(published.period)
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
        },
    )


@login_required
def latest(request: HttpRequest, code: str, period: int) -> HttpResponse:
    """The stable link: always the latest published version."""
    published = _published(request, code, period, None)
    return redirect("reports:version", code, period, published.version)


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
def pdf(request: HttpRequest, code: str, period: int, number: int | None = None):
    published = _published(request, code, period, number)
    try:
        content = pdf_bytes(standalone_html(published.title, published.html, published))
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    return _attachment(content, "application/pdf", _file_name(published, "pdf"))


app_name = "reports"
urlpatterns = [
    path("<int:period>/", draft, name="draft"),
    path("<int:period>/publicera/", publish, name="publish"),
    path("<int:period>/publicerad/", latest, name="latest"),
    path("<int:period>/publicerad/excel/", workbook, name="latest-xlsx"),
    path("<int:period>/publicerad/data.json", open_data, name="latest-json"),
    path("<int:period>/publicerad/pdf/", pdf, name="latest-pdf"),
    path("<int:period>/version/<int:number>/", version, name="version"),
    path("<int:period>/version/<int:number>/excel/", workbook, name="version-xlsx"),
    path("<int:period>/version/<int:number>/data.json", open_data, name="version-json"),
    path("<int:period>/version/<int:number>/pdf/", pdf, name="version-pdf"),
]
