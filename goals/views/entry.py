"""Statuses of a period and the rules for suggested målbedömningar: staff and controllers.
The målbedömning entry, which needs the indicators' suggestions, is indicators'."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from amn.models import Committee
from amn.permissions import ENTER_FIGURES, committee_for_user
from goals.models import AssessmentRules, Status
from goals.services.status_entry import apply_status_post, build_status_entry, save_status_entry
from goals.views.follow_up import follow_up_for_user, report_saved


@login_required
def status_entry(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    period = follow_up_for_user(request, code, year, month)
    entry = build_status_entry(period)
    if request.method == "POST":
        apply_status_post(entry, request.POST)
        if not entry.has_errors:
            report_saved(request, save_status_entry(entry, request.user), "statusar")
            return redirect("goals:status-entry", code, year, month)
        report_saved(request, None, "")
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
        },
        status=400 if entry.has_errors else 200,
    )


class RulesForm(forms.ModelForm):
    class Meta:
        model = AssessmentRules
        fields = ["met_from_percent", "partly_from_percent", "minimum_judged"]

    def clean(self):
        data = super().clean()
        met, partly = data.get("met_from_percent"), data.get("partly_from_percent")
        if met is not None and met > 100:
            self.add_error("met_from_percent", "Högst 100 %.")
        if met is not None and partly is not None and partly > met:
            self.add_error(
                "partly_from_percent", "Gränsen för Uppnås delvis får inte vara över Uppnås."
            )
        if data.get("minimum_judged") == 0:
            self.add_error("minimum_judged", "Minst en indikator måste kunna bedömas.")
        return data


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
