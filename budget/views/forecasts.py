"""Forecast entry for a reporting period, and the forecast-accuracy table."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from amn.forms import NOTHING_SAVED
from amn.lib.money import Unit, format_amount, unit_or_default
from amn.lib.periods import is_valid_year
from amn.models import PeriodKind, ReportingPeriod
from amn.permissions import ENTER_FIGURES, READ_LIVE, committee_for_user
from budget.forms import ForecastForm
from budget.services.forecasts import forecast_accuracy, forecast_sheet, save_forecasts


@login_required
def forecast_entry(request: HttpRequest, code: str, period_id: int) -> HttpResponse:
    """One page for every row's full-year forecast and comment, and the analysis text."""
    committee = committee_for_user(request.user, code, ENTER_FIGURES)
    period = get_object_or_404(ReportingPeriod, pk=period_id, committee=committee)
    if period.kind == PeriodKind.BUDGET:
        raise Http404("En internbudget har ingen prognos.")
    period.committee = committee
    unit = unit_or_default(request.POST.get("enhet") or request.GET.get("enhet"), Unit.TKR)
    sheet = forecast_sheet(period)
    analysis = sheet.analysis
    form = ForecastForm(
        sheet.lines, committee, unit, request.POST if request.method == "POST" else None
    )
    if form.is_bound:
        if form.is_valid():
            analysis = form.cleaned_data["analysis"]
            removed = save_forecasts(sheet, form.lines, analysis, request.user)
            messages.success(
                request, f"Prognosen för {period.title} är sparad. Borttagna prognoser: {removed}."
            )
            return redirect(f"{request.path}?enhet={unit.code}")
        if not form.incomplete:
            analysis = form.cleaned_data["analysis"]
        messages.error(request, form.refusal(NOTHING_SAVED))
    for line in sheet.lines:
        if not line.text:
            line.text = "" if line.amount is None else format_amount(line.amount, unit)
    return render(
        request,
        "budget/forecast_entry.html",
        {
            "committee": committee,
            "period": period,
            "sheet": sheet,
            "analysis": analysis,
            "unit": unit,
            "units": list(Unit),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def accuracy(request: HttpRequest, code: str, year: int) -> HttpResponse:
    committee = committee_for_user(request.user, code, READ_LIVE)
    if not is_valid_year(year):
        raise Http404("Året finns inte.")
    unit = unit_or_default(request.GET.get("enhet"), Unit.TKR)
    table = forecast_accuracy(committee, year)
    if not table.lines[:-1]:
        raise Http404("Nämnden har inget driftsammandrag det året.")
    return render(
        request,
        "budget/forecast_accuracy.html",
        {"committee": committee, "table": table, "unit": unit, "units": list(Unit)},
    )


urlpatterns = [
    path("prognos/<int:period_id>/", forecast_entry, name="forecast-entry"),
    path("prognossakerhet/<int:year>/", accuracy, name="forecast-accuracy"),
]
