"""The follow-up year of a nämnd: started from the adopted internbudget, with its
periodised budget, investment budgets and reporting periods.

Staff and controllers read it; controllers start the year and choose the keys.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from amn.lib.money import Unit
from amn.lib.spreadsheet import Sheet, number_format, xlsx_response
from amn.lib.uploads import FileRefused
from amn.models import MONTH_NAMES, Committee
from amn.permissions import PUBLISH, READ_LIVE, can, committee_at_period
from budget.forms import KeysForm, StartYearForm
from budget.services.key_upload import read_key_upload
from budget.services.year_start import (
    FollowUpYear,
    YearRefused,
    build_follow_up_year,
    describe,
    set_keys,
    start_year,
)

MONTH_HEADERS = [name[:3] for name in MONTH_NAMES]


def _committee(request: HttpRequest, code: str, year: int, allowed) -> Committee:
    return committee_at_period(request.user, code, year, 12, allowed)


def _page(request, committee: Committee, year: int, **forms) -> HttpResponse:
    follow_up = build_follow_up_year(committee, year)
    budget_rows = [r.row for r in follow_up.rows if r.full_year is not None]
    context = {
        "committee": committee,
        "year": year,
        "follow_up": follow_up,
        "unit": Unit.TKR,
        "months": MONTH_HEADERS,
        "may_start": can(request.user, committee, PUBLISH),
        "start_form": forms.get("start_form") or StartYearForm(),
        "keys_form": forms.get("keys_form") or KeysForm(budget_rows),
        "problems": forms.get("problems", []),
    }
    status = 400 if forms else 200
    return render(request, "budget/follow_up_year.html", context, status=status)


@login_required
def follow_up_year(request: HttpRequest, code: str, year: int) -> HttpResponse:
    return _page(request, _committee(request, code, year, READ_LIVE), year)


@login_required
@require_POST
def start(request: HttpRequest, code: str, year: int) -> HttpResponse:
    committee = _committee(request, code, year, PUBLISH)
    form = StartYearForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, committee, year, start_form=form)
    try:
        upload = form.cleaned_data["key_file"]
        started = start_year(
            committee,
            year,
            key=form.cleaned_data["key"],
            uploaded=read_key_upload(upload) if upload else None,
            user=request.user,
        )
    except FileRefused as exc:
        return _page(request, committee, year, start_form=form, problems=str(exc).split("\n"))
    except YearRefused as exc:
        return _page(request, committee, year, start_form=form, problems=exc.messages)
    lines = describe(started)
    messages.success(request, lines[0])
    return redirect(reverse("budget:year", args=[code, year]))


@login_required
@require_POST
def keys(request: HttpRequest, code: str, year: int) -> HttpResponse:
    committee = _committee(request, code, year, PUBLISH)
    follow_up = build_follow_up_year(committee, year)
    rows = [r.row for r in follow_up.rows if r.full_year is not None]
    form = KeysForm(rows, request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, committee, year, keys_form=form)
    try:
        uploaded = (
            read_key_upload(form.cleaned_data["key_file"]) if form.cleaned_data["key_file"] else {}
        )
        changed = set_keys(committee, year, form.chosen(), uploaded, request.user)
    except FileRefused as exc:
        return _page(request, committee, year, keys_form=form, problems=str(exc).split("\n"))
    except YearRefused as exc:
        return _page(request, committee, year, keys_form=form, problems=exc.messages)
    messages.success(request, f"Periodiserad budget {year} ny för {len(changed)} rader.")
    return redirect(reverse("budget:year", args=[code, year]))


@login_required
def key_template(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The rows with their periodised budget month by month: a key to edit and upload."""
    committee = _committee(request, code, year, READ_LIVE)
    follow_up: FollowUpYear = build_follow_up_year(committee, year)
    sheet = Sheet(
        title="Nyckel",
        heading=None,
        headers=["Rad", *MONTH_NAMES],
        rows=[
            [r.row.code or r.row.label, *(m if m is not None else 0 for m in r.months)]
            for r in follow_up.rows
            if r.full_year is not None
        ],
        number_formats=number_format(2),
    )
    return xlsx_response([sheet], f"nyckel-{committee.code}-{year}")


urlpatterns = [
    path("ar/<int:year>/", follow_up_year, name="year"),
    path("ar/<int:year>/starta/", start, name="year-start"),
    path("ar/<int:year>/nyckel/", keys, name="year-keys"),
    path("ar/<int:year>/nyckel.xlsx", key_template, name="year-key-xlsx"),
]
