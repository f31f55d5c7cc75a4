"""Statuses of a period and the rules for suggested målbedömningar: staff and controllers.
The målbedömning entry, which needs the indicators' suggestions, is indicators'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from amn.forms import NOTHING_SAVED
from amn.models import Committee
from amn.permissions import ENTER_FIGURES, committee_for_user
from goals.forms import RulesForm, StatusEntryForm
from goals.models import AssessmentRules, Status
from goals.services.status_entry import build_status_entry, save_status_entry
from goals.views.follow_up import follow_up_for_user, report_saved


@login_required
def status_entry(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    period = follow_up_for_user(request, code, year, month)
    entry = build_status_entry(period)
    form = StatusEntryForm(entry.lines, request.POST if request.method == "POST" else None)
    if form.is_bound:
        if form.is_valid():
            report_saved(request, save_status_entry(entry, form.lines, request.user), "statusar")
            return redirect("goals:status-entry", code, year, month)
        messages.error(request, form.refusal(NOTHING_SAVED))
    return render(
        request,
        "goals/status_entry.html",
        {
            "committee": period.committee,
            "period": period,
            "entry": entry,
            "statuses": list(Status),
            "year": year,
            "month": month,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def assessment_rules(request: HttpRequest, code: str) -> HttpResponse:
    committee: Committee = committee_for_user(request.user, code, ENTER_FIGURES)
    rules = AssessmentRules.objects.filter(committee=committee).first() or AssessmentRules(
        committee=committee
    )
    form = RulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Reglerna för föreslagen målbedömning är sparade.")
        return redirect("goals:assessment-rules", code)
    return render(
        request,
        "goals/assessment_rules.html",
        {"committee": committee, "form": form, "periods": committee.periods.all()},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("status/mata-in/<int:year>/<int:month>/", status_entry, name="status-entry"),
    path("malbedomningar/regler/", assessment_rules, name="assessment-rules"),
]
