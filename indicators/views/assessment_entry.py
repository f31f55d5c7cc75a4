"""Entering the målbedömningar of a period beside the level the indicators suggest: staff
and controllers. goals keeps the entry itself; the suggestions come from here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from amn.forms import NOTHING_SAVED
from goals.forms import AssessmentEntryForm
from goals.models import AssessmentLevel
from goals.services.assessment_entry import (
    SuggestedLevel,
    build_assessment_entry,
    save_assessment_entry,
)
from goals.views.follow_up import follow_up_for_user, report_saved
from indicators.services.suggestions import suggested_assessments


@login_required
def assessment_entry(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    period = follow_up_for_user(request, code, year, month)
    suggestions = {
        goal_id: SuggestedLevel(suggestion.level, suggestion.explanation)
        for goal_id, suggestion in suggested_assessments(period).items()
    }
    entry = build_assessment_entry(period, suggestions)
    form = AssessmentEntryForm(entry.lines, request.POST if request.method == "POST" else None)
    if form.is_bound:
        if form.is_valid():
            saved = save_assessment_entry(entry, form.lines, request.user)
            report_saved(request, saved, "målbedömningar")
            return redirect("indicators:assessment-entry", code, year, month)
        messages.error(request, form.refusal(NOTHING_SAVED))
    return render(
        request,
        "indicators/assessment_entry.html",
        {
            "committee": period.committee,
            "period": period,
            "entry": entry,
            "levels": list(AssessmentLevel),
            "year": year,
            "month": month,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path(
        "malbedomningar/mata-in/<int:year>/<int:month>/",
        assessment_entry,
        name="assessment-entry",
    ),
]
