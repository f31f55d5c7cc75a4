"""Ledger import for controllers (upload → preview → confirm, history, undo) and the
ledger lines behind an actual figure."""

from django import forms
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
from budget.models import ImportProfile, ImportStatus, LedgerImport, SummaryRow
from budget.services import ledger_import as service
from budget.services.ledger_lines import lines_behind
from budget.services.ledger_tabular import FIELD_HEADERS, FIELD_NAMES


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fil från ekonomisystemet",
        help_text="Excel (.xlsx), CSV (semikolon eller komma) eller SIE 4.",
        # An empty file is refused by the import like any other bad file, with its name.
        allow_empty_file=True,
    )
    profile = forms.ModelChoiceField(
        ImportProfile.objects.all(),
        required=False,
        label="Importprofil",
        empty_label="Standard (svenska kolumnrubriker)",
    )


class ProfileForm(forms.ModelForm):
    """An import profile with one text field per column the ledger system names its own way."""

    class Meta:
        model = ImportProfile
        fields = ["name", "description", "sie_operation_dimension", "sie_responsibility_dimension"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in FIELD_NAMES.items():
            self.fields[f"column_{name}"] = forms.CharField(
                label=f"Rubrik för {label}",
                required=False,
                max_length=100,
                initial=(self.instance.columns or {}).get(name, ""),
                help_text=f"Standard: {', '.join(FIELD_HEADERS[name][:3])} …",
            )

    def save(self, commit: bool = True) -> ImportProfile:
        self.instance.columns = {
            name: self.cleaned_data[f"column_{name}"].strip()
            for name in FIELD_NAMES
            if self.cleaned_data[f"column_{name}"].strip()
        }
        return super().save(commit)


@login_required
def profiles(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Controllers name the columns of their ledger system once, for every later file."""
    committee = committee_for_user(request.user, code, IMPORT_LEDGER)
    profile = get_object_or_404(ImportProfile, pk=pk) if pk else None
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Importprofilen {saved.name} är sparad.")
        return redirect("budget:ledger-profiles", code=committee.code)
    return render(
        request,
        "budget/ledger_profiles.html",
        {
            "committee": committee,
            "form": form,
            "profile": profile,
            "profiles": ImportProfile.objects.all(),
        },
    )


@login_required
def imports(request: HttpRequest, code: str) -> HttpResponse:
    """The import history of a nämnd, and (for controllers) the upload form."""
    committee = committee_for_user(request.user, code, READ_LIVE)
    may_import = can(request.user, committee, IMPORT_LEDGER)
    form = UploadForm()
    if request.method == "POST":
        if not may_import:
            committee_for_user(request.user, code, IMPORT_LEDGER)  # raises 403
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            ledger_import = service.import_upload(
                committee,
                form.cleaned_data["file"],
                user=request.user,
                profile=form.cleaned_data["profile"],
            )
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
