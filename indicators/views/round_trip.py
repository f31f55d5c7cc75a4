"""Indicator values and målvärden to Excel and back: export → edit → upload → preview →
confirm. Staff and controllers only: the figures are drafts until a report is published.

An upload waits between preview and confirmation (indicators.services.round_trip keeps
it). Only the user who sent it, in that nämnd, can preview or confirm it, and a
confirmation imports exactly the file that was previewed: the checksum shown in the
preview form must match the stored file's.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from amn.forms import TableUploadForm
from amn.lib.periods import is_valid_year
from amn.lib.spreadsheet import csv_response, xlsx_response
from amn.lib.uploads import FileRefused
from amn.models import Committee
from amn.permissions import ENTER_FIGURES, committee_for_user
from indicators.models import IndicatorValue
from indicators.resources import (
    TARGETS_TITLE,
    VALUES_TITLE,
    IndicatorValueResource,
    TargetResource,
    export_sheet,
)
from indicators.services.round_trip import (
    ImportOutcome,
    read_stored,
    remove_abandoned_uploads,
    remove_upload,
    removed_on_failure,
    run_import,
    store_upload,
    stored_upload,
)

# --- Export --------------------------------------------------------------------------------


def _year_filter(request: HttpRequest) -> int | None:
    """?ar=2023 limits an export to one year."""
    text = request.GET.get("ar", "").strip()
    if not text:
        return None
    if not text.isdigit() or not is_valid_year(int(text)):
        raise Http404("Året finns inte.")
    return int(text)


def _file_name(what: str, committee: Committee, year: int | None) -> str:
    return f"{what}-{committee.code}" + (f"-{year}" if year else "")


def _download(request: HttpRequest, code: str, what: str, resource_class, title: str):
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    year = _year_filter(request)
    sheet = export_sheet(resource_class(committee), title, year)
    name = _file_name(what, committee, year)
    if request.GET.get("format") == "csv":
        return csv_response(sheet, f"{name}.csv")
    return xlsx_response([sheet], f"{name}.xlsx")


@login_required
def export_values(request: HttpRequest, code: str) -> HttpResponse:
    return _download(request, code, "indikatorvarden", IndicatorValueResource, VALUES_TITLE)


@login_required
def export_targets(request: HttpRequest, code: str) -> HttpResponse:
    return _download(request, code, "malvarden", TargetResource, TARGETS_TITLE)


@login_required
def export_workbook(request: HttpRequest, code: str) -> HttpResponse:
    """Values and målvärden in one workbook, one sheet each: edit both, import once."""
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    year = _year_filter(request)
    sheets = [
        export_sheet(IndicatorValueResource(committee), VALUES_TITLE, year),
        export_sheet(TargetResource(committee), TARGETS_TITLE, year),
    ]
    return xlsx_response(sheets, f"{_file_name('indikatorer', committee, year)}.xlsx")


# --- Upload, preview, confirm --------------------------------------------------------------


class UploadForm(TableUploadForm):
    file = forms.FileField(
        label="Fil",
        help_text="Excel (.xlsx) eller CSV, som den laddas ned här: ett blad med "
        "indikatorvärden, ett med målvärden, eller båda.",
        allow_empty_file=True,
    )


def _upload_page(request, committee, form, status=200) -> HttpResponse:
    years = (
        IndicatorValue.objects.filter(series__indicator__committee=committee)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return render(
        request,
        "indicators/round_trip_upload.html",
        {"committee": committee, "form": form, "years": list(years)},
        status=status,
    )


@login_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    """The downloads and the upload form; a good upload goes on to its preview."""
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    remove_abandoned_uploads()
    if request.method != "POST":
        return _upload_page(request, committee, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, committee, form, status=400)
    stored = store_upload(form.cleaned_data["file"], committee, request.user)
    try:
        read_stored(stored)
    except FileRefused as refusal:
        form.add_error("file", refusal.message)
        return _upload_page(request, committee, form, status=400)
    return redirect("indicators:round-trip-preview", code=committee.code, token=stored.token)


def _preview_page(request, committee, stored, outcome: ImportOutcome, *, status=200, failed=False):
    return render(
        request,
        "indicators/round_trip_preview.html",
        {
            "committee": committee,
            "stored": stored,
            "outcome": outcome,
            "failed": failed,
            "may_confirm": not failed and not outcome.errors and outcome.has_changes,
        },
        status=status,
    )


def _refused(request, committee, refusal: FileRefused) -> HttpResponse:
    messages.error(request, refusal.message)
    return redirect("indicators:round-trip-upload", code=committee.code)


@login_required
def preview(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """Every row of the file with what importing it would do, and every error: a dry run
    of the real import, rolled back."""
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    stored = stored_upload(token, committee, request.user)
    try:
        tables = read_stored(stored)
    except FileRefused as refusal:
        return _refused(request, committee, refusal)
    with removed_on_failure(stored):
        outcome = run_import(committee, tables, stored.file_name, dry_run=True)
    return _preview_page(request, committee, stored, outcome)


@login_required
@require_POST
def confirm(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """Import the previewed file: everything in one transaction, or nothing."""
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    stored = stored_upload(token, committee, request.user)
    if request.POST.get("checksum") != stored.checksum:
        messages.error(request, "Filen stämmer inte med förhandsgranskningen. Granska den igen.")
        return redirect("indicators:round-trip-preview", code=committee.code, token=token)
    try:
        tables = read_stored(stored)
    except FileRefused as refusal:
        return _refused(request, committee, refusal)
    with removed_on_failure(stored):
        outcome = run_import(committee, tables, stored.file_name, dry_run=False, user=request.user)
    if outcome.errors:
        messages.error(request, f"{stored.file_name} lästes inte in. Ingenting lagrades.")
        return _preview_page(request, committee, stored, outcome, status=400, failed=True)
    remove_upload(stored)
    messages.success(request, f"{stored.file_name} är inläst: {outcome.summary}.")
    return redirect("indicators:round-trip-upload", code=committee.code)


@login_required
@require_POST
def discard(request: HttpRequest, code: str, token: str) -> HttpResponse:
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    stored = stored_upload(token, committee, request.user)
    remove_upload(stored)
    messages.info(request, f"Importen av {stored.file_name} är avbruten; ingenting lagrades.")
    return redirect("indicators:round-trip-upload", code=committee.code)


urlpatterns = [
    path("indikatorer/excel/", export_workbook, name="round-trip-workbook"),
    path("indikatorer/excel/varden/", export_values, name="round-trip-values"),
    path("indikatorer/excel/malvarden/", export_targets, name="round-trip-targets"),
    path("indikatorer/excel/importera/", upload, name="round-trip-upload"),
    path(
        "indikatorer/excel/importera/forhandsgranska/<str:token>/",
        preview,
        name="round-trip-preview",
    ),
    path(
        "indikatorer/excel/importera/bekrafta/<str:token>/",
        confirm,
        name="round-trip-confirm",
    ),
    path(
        "indikatorer/excel/importera/avbryt/<str:token>/",
        discard,
        name="round-trip-discard",
    ),
]
