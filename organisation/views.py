"""Kommuner and nämnder set up in the browser, by administrators only: the list with a
form for a new nämnd, each nämnd's setup page (förvaltningar, verksamheter, enheter,
årshjul, driftsammandrag rows of a year), and the Excel template to download and upload.

Everyone else signed in gets 403; anonymous users are sent to the login page.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from amn.forms import INCOMPLETE, NOTHING_SAVED
from amn.lib.periods import is_valid_year
from amn.lib.spreadsheet import XLSX_CONTENT_TYPE
from amn.lib.uploads import FileRefused
from amn.models import (
    MONTH_NAMES,
    Administration,
    ChangeSource,
    Committee,
    Municipality,
    default_annual_cycle,
)
from amn.permissions import require_administrator
from budget.models import Operation, OwnUnit, SummaryRow
from organisation.forms import (
    KIND_CHOICES,
    MONTH_CHOICES,
    AdministrationsForm,
    CycleForm,
    NewCommitteeForm,
    OperationsForm,
    RowsForm,
    UnitsForm,
    UploadForm,
    coded_lines,
    cycle_lines,
    row_lines,
    unit_lines,
)
from organisation.services import sections
from organisation.services.setup import full_year_amounts, store_plan
from organisation.services.template import import_upload, template_bytes

SECTION = "avsnitt"


def administrator_only(view):
    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require_administrator(request.user)
        return view(request, *args, **kwargs)

    return checked


def _committee(code: str) -> Committee:
    committee = Committee.objects.select_related("municipality").filter(code=code).first()
    if committee is None:
        raise Http404("Nämnden finns inte.")
    return committee


def _download(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


# --- The kommuner and their nämnder ----------------------------------------------------------


def _municipalities() -> list[Municipality]:
    committees = Committee.objects.order_by("code").prefetch_related(
        Prefetch("administrations", queryset=Administration.objects.order_by("code"))
    )
    municipalities = list(
        Municipality.objects.order_by("name").prefetch_related(
            Prefetch("committees", queryset=committees)
        )
    )
    years: dict[int, list[int]] = {}
    for committee_id, year in (
        SummaryRow.objects.order_by("committee_id", "year")
        .values_list("committee_id", "year")
        .distinct()
    ):
        years.setdefault(committee_id, []).append(year)
    for municipality in municipalities:
        for committee in municipality.committees.all():
            committee.years = years.get(committee.pk, [])
    return municipalities


def _index_page(request, form, upload_form, problems=(), status=200) -> HttpResponse:
    return render(
        request,
        "organisation/index.html",
        {
            "municipalities": form.municipalities.values(),
            "form": form,
            "upload_form": upload_form,
            "problems": problems,
        },
        status=status,
    )


@administrator_only
def index(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities()
    if request.method != "POST":
        return _index_page(request, NewCommitteeForm(municipalities), UploadForm())
    form = NewCommitteeForm(municipalities, request.POST)
    if not form.is_valid():
        messages.error(request, form.refusal(NOTHING_SAVED))
        return _index_page(request, form, UploadForm(), status=400)
    outcome = store_plan(form.plan, request.user, source=ChangeSource.FORM)
    committee = outcome.committee
    messages.success(request, f"Nämnden {committee.code} – {committee.name} är skapad.")
    return redirect("organisation:setup", code=committee.code)


@administrator_only
def empty_template(request: HttpRequest) -> HttpResponse:
    return _download(template_bytes(None), "ny-namnd.xlsx")


def _upload(request: HttpRequest, committee: Committee | None):
    """The outcome of an uploaded template, or None with the form's errors shown."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    try:
        outcome = import_upload(form.cleaned_data["file"], committee=committee, user=request.user)
    except FileRefused as refusal:
        form.add_error("file", refusal.message)
        return form, None
    return form, outcome


@login_required
@require_POST
@administrator_only
def upload_new(request: HttpRequest) -> HttpResponse:
    """A filled template for a new nämnd (or one of the kommun's, named in the file)."""
    form, outcome = _upload(request, None)
    if outcome is None or outcome.problems:
        messages.error(request, "Mallen lästes inte in. Ingenting lagrades.")
        problems = outcome.problems if outcome else ()
        municipalities = _municipalities()
        return _index_page(request, NewCommitteeForm(municipalities), form, problems, status=400)
    committee = outcome.committee
    messages.success(
        request, f"{outcome.file_name} är inläst för {committee.name}: {outcome.stored.summary}."
    )
    return redirect("organisation:setup", code=committee.code)


# --- A nämnd's setup page ------------------------------------------------------------------


def _year(request: HttpRequest, committee: Committee) -> int:
    """?ar=2025; without it the latest year with rows, else next year."""
    text = request.GET.get("ar", "").strip() or request.POST.get("ar", "").strip()
    if text:
        if not text.isdigit() or not is_valid_year(int(text)):
            raise Http404("Året finns inte.")
        return int(text)
    latest = (
        SummaryRow.objects.filter(committee=committee)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if latest is not None:
        return latest
    return timezone.localdate().year + 1


class SetupPage:
    """The sections of a nämnd's setup page, each with its lines as stored."""

    def __init__(self, committee: Committee, year: int, data=None, section: str = "") -> None:
        self.committee, self.year = committee, year
        municipality = committee.municipality

        def bound(name):
            return data if section == name else None

        administrations = list(committee.administrations.order_by("code"))
        self.administrations = AdministrationsForm(
            committee, coded_lines(administrations), bound("adm")
        )
        operations = list(Operation.objects.filter(municipality=municipality).order_by("code"))
        self.operations = OperationsForm(committee, coded_lines(operations), bound("op"))
        units = list(
            OwnUnit.objects.filter(committee=committee)
            .select_related("administration")
            .order_by("name")
        )
        self.units = UnitsForm(committee, unit_lines(units), bound("enhet"))
        self.administration_codes = [a.code for a in administrations]
        stored = list(committee.annual_cycle.all())
        self.cycle = CycleForm(
            committee,
            cycle_lines(committee, stored, default_annual_cycle(committee)),
            bound("hjul"),
        )
        self.cycle_is_default = not stored
        rows = list(
            SummaryRow.objects.filter(committee=committee, year=year)
            .select_related("operation", "parent")
            .prefetch_related("own_units")
            .order_by("position")
        )
        self.rows = RowsForm(
            committee, row_lines(rows, full_year_amounts(rows)), year, bound("rad")
        )
        self.forms = {
            "adm": self.administrations,
            "op": self.operations,
            "enhet": self.units,
            "hjul": self.cycle,
            "rad": self.rows,
        }


def _setup_page(request, page: SetupPage, upload_form=None, problems=(), status=200):
    committee = page.committee
    return render(
        request,
        "organisation/setup.html",
        {
            "committee": committee,
            "page": page,
            "year": page.year,
            "previous_year": page.year - 1,
            "month_choices": MONTH_CHOICES,
            "month_names": MONTH_NAMES,
            "kind_choices": KIND_CHOICES,
            "upload_form": upload_form or UploadForm(),
            "problems": problems,
            "upload_url": reverse("organisation:upload", args=[committee.code]),
            "summary_url": reverse(
                "budget:operating-summary", args=[committee.code, page.year, 12]
            ),
        },
        status=status,
    )


@administrator_only
def setup(request: HttpRequest, code: str) -> HttpResponse:
    committee = _committee(code)
    year = _year(request, committee)
    if request.method != "POST":
        return _setup_page(request, SetupPage(committee, year))
    section = request.POST.get(SECTION, "")
    page = SetupPage(committee, year, request.POST, section)
    form = page.forms.get(section)
    if form is None:
        messages.error(request, INCOMPLETE)
        return _setup_page(request, SetupPage(committee, year), status=400)
    if not form.is_valid():
        messages.error(request, form.refusal(NOTHING_SAVED))
        return _setup_page(request, page, status=400)
    message = _save(request, page, section, form)
    if message is None:
        messages.error(request, NOTHING_SAVED)
        return _setup_page(request, page, status=400)
    messages.success(request, message)
    return redirect(f"{reverse('organisation:setup', args=[committee.code])}?ar={year}")


def _save(request, page: SetupPage, section: str, form) -> str | None:
    committee, user = page.committee, request.user
    if section in ("adm", "op"):
        model = Administration if section == "adm" else Operation
        return sections.save_coded(committee, model, form.changes(), form.deleted_items(), user)
    if section == "enhet":
        changes = [
            (line.item, line.values["name"].strip(), line.values["administration"].strip())
            for line in form.lines
            if not line.deleted and not line.blank
        ]
        return sections.save_units(committee, changes, form.deleted_items(), user)
    if section == "hjul":
        return sections.save_cycle(committee, form.steps(), form.switched_off())
    outcome = sections.save_rows(committee, form.plan, form.deleted_items(), user)
    if outcome.problems:
        form.show_problems(outcome.problems)
        return None
    return (
        f"Driftsammandraget {page.year} är sparat: {outcome.summary}. "
        f"Borttagna rader: {outcome.removed}."
    )


@administrator_only
def template(request: HttpRequest, code: str) -> HttpResponse:
    committee = _committee(code)
    return _download(template_bytes(committee), f"namnd-{committee.code}.xlsx")


@login_required
@require_POST
@administrator_only
def upload(request: HttpRequest, code: str) -> HttpResponse:
    committee = _committee(code)
    year = _year(request, committee)
    form, outcome = _upload(request, committee)
    if outcome is None or outcome.problems:
        messages.error(request, "Mallen lästes inte in. Ingenting lagrades.")
        problems = outcome.problems if outcome else ()
        return _setup_page(request, SetupPage(committee, year), form, problems, status=400)
    messages.success(request, f"{outcome.file_name} är inläst: {outcome.stored.summary}.")
    return redirect("organisation:setup", code=committee.code)
