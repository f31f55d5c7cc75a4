"""Entering a period's indicator values and the year's målvärden: staff and controllers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from amn.forms import NOTHING_SAVED
from amn.permissions import ENTER_FIGURES, committee_at_period
from indicators.forms import ValueEntryForm
from indicators.services.indicator_rows import period_label
from indicators.services.value_entry import build_value_entry, save_value_entry


@login_required
def value_entry(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    committee = committee_at_period(request.user, code, year, month, ENTER_FIGURES)
    entry = build_value_entry(committee, year, month)
    if not entry.lines:
        raise Http404(f"Nämnden följer inga indikatorer {year}.")
    form = ValueEntryForm(entry.lines, request.POST if request.method == "POST" else None)
    if form.is_bound:
        if form.is_valid():
            result = save_value_entry(entry, form.lines, request.user)
            messages.success(
                request,
                f"Sparat: {result.created} nya, {result.changed} ändrade och "
                f"{result.removed} borttagna värden och målvärden.",
            )
            return redirect("indicators:value-entry", code, year, month)
        messages.error(
            request,
            form.refusal(f"{NOTHING_SAVED} Antal fel: {entry.error_count}."),
        )
    return render(
        request,
        "indicators/value_entry.html",
        {
            "committee": committee,
            "entry": entry,
            "year": year,
            "month": month,
            "label": period_label(year, month),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("indikatorer/mata-in/<int:year>/<int:month>/", value_entry, name="value-entry"),
]
