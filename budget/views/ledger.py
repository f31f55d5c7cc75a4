"""Ledger import for controllers (upload → preview → confirm, history, undo) and the
ledger lines behind an actual figure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from amn.lib.money import Unit, unit_or_default
from amn.lib.periods import is_valid_month
from amn.models import months_span
from amn.permissions import IMPORT_LEDGER, READ_LIVE, can, committee_for_user
from budget.forms import ProfileForm, UploadForm
from budget.models import ImportProfile, ImportStatus, LedgerImport, SummaryRow
from budget.services import ledger_import as service
from budget.services.import_profiles import NameTaken, save_profile
from budget.services.ledger_lines import lines_behind


@login_required
def profiles(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Controllers name the columns of their ledger system once, for every later file of
    their kommun (or of their nämnd alone)."""
    committee = committee_for_user(request.user, code, IMPORT_LEDGER)
    usable = ImportProfile.objects.for_committee(committee).select_related("committee")
    profile = get_object_or_404(usable, pk=pk) if pk else None
    form = ProfileForm(
        committee, request.POST if request.method == "POST" else None, instance=profile
    )
    if form.is_bound and form.is_valid():
        try:
            saved = save_profile(form.save(), request.user)
        except NameTaken as taken:
            form.add_error("name", str(taken))
        else:
            messages.success(request, f"Importprofilen {saved.name} är sparad.")
            return redirect("budget:ledger-profiles", code=committee.code)
    return render(
        request,
        "budget/ledger_profiles.html",
        {"committee": committee, "form": form, "profile": profile, "profiles": usable},
        status=400 if form.errors else 200,
    )


@login_required
def imports(request: HttpRequest, code: str) -> HttpResponse:
    """The import history of a nämnd, and (for controllers) the upload form."""
    committee = committee_for_user(request.user, code, READ_LIVE)
    may_import = can(request.user, committee, IMPORT_LEDGER)
    form = UploadForm(committee)
    if request.method == "POST":
        if not may_import:
            committee_for_user(request.user, code, IMPORT_LEDGER)  # raises 403
        form = UploadForm(committee, request.POST, request.FILES)
        if form.is_valid():
            try:
                ledger_import = service.import_upload(
                    committee,
                    form.cleaned_data["file"],
                    user=request.user,
                    profile=form.cleaned_data["profile"],
                )
            except service.TooManyReading as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect("budget:ledger-import", code=committee.code, pk=ledger_import.pk)
    history = (
        LedgerImport.objects.for_committee(committee)
        .select_related("created_by", "profile")
        .defer("preview", "replaced_amounts", "errors")[:100]
    )
    return render(
        request,
        "budget/ledger_imports.html",
        {
            "committee": committee,
            "form": form,
            "history": history,
            "may_import": may_import,
        },
    )


def _import_for_user(request: HttpRequest, code: str, pk: int, allowed) -> LedgerImport:
    committee = committee_for_user(request.user, code, allowed)
    ledger_import = get_object_or_404(
        LedgerImport.objects.select_related("created_by", "profile"), pk=pk, committee=committee
    )
    ledger_import.committee = committee
    return ledger_import


@login_required
def import_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Progress while the file is read, then the preview with every change and error."""
    ledger_import = _import_for_user(request, code, pk, READ_LIVE)
    unit = unit_or_default(request.GET.get("enhet"), Unit.KR)
    return render(
        request,
        "budget/ledger_import.html",
        {
            "committee": ledger_import.committee,
            "ledger_import": ledger_import,
            "stale": service.is_stale(ledger_import),
            "reading": ledger_import.status == ImportStatus.READING
            and not service.is_stale(ledger_import),
            "may_import": can(request.user, ledger_import.committee, IMPORT_LEDGER),
            "months_text": service.describe_months(ledger_import.months),
            "preview": service.preview_table(ledger_import, unit),
            "unit": unit,
        },
    )


def _act(request: HttpRequest, code: str, pk: int, action, done: str) -> HttpResponse:
    ledger_import = _import_for_user(request, code, pk, IMPORT_LEDGER)
    try:
        result = action(ledger_import, request.user)
    except service.ImportStateError as refusal:
        messages.error(request, str(refusal))
    else:
        if result.status == ImportStatus.UNCHANGED:
            messages.info(request, result.preview["note"])
        else:
            messages.success(request, done.format(name=result.file_name))
    return redirect("budget:ledger-import", code=code, pk=pk)


@login_required
@require_POST
def confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _act(request, code, pk, service.confirm_ledger_import, "{name} är inläst.")


@login_required
@require_POST
def undo(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _act(
        request,
        code,
        pk,
        service.undo_ledger_import,
        "Importen av {name} är ångrad; det som gällde före den är återställt.",
    )


@login_required
@require_POST
def discard(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _act(
        request,
        code,
        pk,
        lambda ledger_import, user: service.discard_ledger_import(ledger_import),
        "Importen av {name} är avbruten; ingenting lagrades.",
    )


@login_required
def ledger_lines(request: HttpRequest, code: str, year: int, month: int, row: int) -> HttpResponse:
    """The ledger lines behind an actual figure, grouped by konto and ansvar."""
    committee = committee_for_user(request.user, code, READ_LIVE)
    if not is_valid_month(month):
        raise Http404("Månaden finns inte.")
    summary_row = get_object_or_404(
        SummaryRow.objects.select_related("operation"), pk=row, committee=committee, year=year
    )
    unit = unit_or_default(request.GET.get("enhet"), Unit.KR)
    return render(
        request,
        "budget/ledger_lines.html",
        {
            "committee": committee,
            "row": summary_row,
            "year": year,
            "month": month,
            "span": months_span(year, month),
            "behind": lines_behind(summary_row, month),
            "unit": unit,
        },
    )


urlpatterns = [
    path("huvudbok/", imports, name="ledger-imports"),
    path("huvudbok/profiler/", profiles, name="ledger-profiles"),
    path("huvudbok/profiler/<int:pk>/", profiles, name="ledger-profile"),
    path("huvudbok/<int:pk>/", import_detail, name="ledger-import"),
    path("huvudbok/<int:pk>/bekrafta/", confirm, name="ledger-import-confirm"),
    path("huvudbok/<int:pk>/angra/", undo, name="ledger-import-undo"),
    path("huvudbok/<int:pk>/avbryt/", discard, name="ledger-import-discard"),
    path(
        "driftsammandrag/<int:year>/<int:month>/rad/<int:row>/",
        ledger_lines,
        name="ledger-lines",
    ),
]
