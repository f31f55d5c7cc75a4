"""Entering the målbedömningar of a period beside the level the indicators suggest: staff
and controllers. goals keeps the entry itself; the suggestions come from here."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

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
    if request.method == "POST":
        if AssessmentEntryForm(entry.lines, request.POST).is_valid():
            report_saved(request, save_assessment_entry(entry, request.user), "målbedömningar")
            return redirect("indicators:assessment-entry", code, year, month)
        report_saved(request, None, "")
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
        },
        status=400 if entry.has_errors else 200,
    )


urlpatterns = [
    path(
        "malbedomningar/mata-in/<int:year>/<int:month>/",
        assessment_entry,
        name="assessment-entry",
    ),
]
