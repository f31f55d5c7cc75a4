"""Preparing a period's report: the sections with their writers, deadlines and progress,
and the page where a section's texts are written and marked ready.

Staff and controllers of the nämnd write; controllers start the report from the previous
one and hand out sections and deadlines. Nämnd members never see this: it is a draft.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from amn.forms import NOTHING_SAVED
from amn.models import CommitteeMembership, ReportingPeriod, Section, SectionPlan
from amn.permissions import ENTER_FIGURES, PLAN_REPORT, READ_LIVE, can, committee_for_user
from reports.forms import AssignForm, SectionTextsForm
from reports.services.preparation import (
    TextDraft,
    add_section,
    assign_sections,
    mark_ready,
    previous_report,
    progress_of,
    save_section_texts,
    section_texts,
    start_report,
)

EMPTY_TEXT_SLOTS = 1  # a blank text below the stored ones, for a new heading


def _period(request: HttpRequest, code: str, period: int, allowed) -> ReportingPeriod:
    committee = committee_for_user(request.user, code, allowed)
    return get_object_or_404(
        ReportingPeriod.objects.select_related("committee"), pk=period, committee=committee
    )


def _writers(committee) -> list:
    """Who can be responsible for a section: staff and controllers of the nämnd."""
    ids = CommitteeMembership.objects.filter(
        committee=committee, role__in=ENTER_FIGURES
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=ids).order_by("first_name", "username"))


@login_required
def preparation(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, READ_LIVE)
    committee = shown.committee
    may_plan = can(request.user, committee, PLAN_REPORT)
    progress = progress_of(shown)
    planned = {plan.section for plan in progress.plans}
    writers = _writers(committee) if may_plan else []
    return render(
        request,
        "reports/preparation.html",
        {
            "committee": committee,
            "period": shown,
            "progress": progress,
            "may_plan": may_plan,
            "may_write": can(request.user, committee, ENTER_FIGURES),
            "writers": writers,
            "assign_form": AssignForm(progress.plans, {}),
            "unplanned": [s for s in Section if s.value not in planned],
            "previous": previous_report(shown) if not progress.plans else None,
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, PLAN_REPORT)
    started = start_report(shown, request.user)
    source = f"från {started.source.title}" if started.source else "med standardavsnitten"
    messages.success(
        request,
        f"Rapporten är startad {source}: {started.sections} avsnitt och "
        f"{started.texts} texter att revidera.",
    )
    return redirect("reports:preparation", code, period)


@login_required
@require_POST
def assign(request: HttpRequest, code: str, period: int) -> HttpResponse:
    shown = _period(request, code, period, PLAN_REPORT)
    writers = {str(user.pk): user for user in _writers(shown.committee)}
    if request.POST.get("add"):
        if request.POST["add"] not in Section.values:
            messages.error(request, f"Okänt avsnitt ”{request.POST['add']}”.")
        else:
            add_section(shown, request.POST["add"], request.user)
        return redirect("reports:preparation", code, period)
    form = AssignForm(SectionPlan.objects.filter(period=shown), writers, request.POST)
    if not form.is_valid():
        refusals = [f"Inget sparades. {problem}" for problem in form.problems]
        for refusal in refusals or [form.refusal("Inget sparades.")]:
            messages.error(request, refusal)
        return redirect("reports:preparation", code, period)
    changed = assign_sections(
        shown, {plan.section: plan.wanted for plan in form.lines}, request.user
    )
    messages.success(request, f"Ansvar och datum sparade ({changed} avsnitt ändrade).")
    return redirect("reports:preparation", code, period)


@login_required
def section(request: HttpRequest, code: str, period: int, key: str) -> HttpResponse:
    shown = _period(request, code, period, ENTER_FIGURES)
    if key not in Section.values:
        raise Http404("Avsnittet finns inte.")
    plan = SectionPlan.objects.filter(period=shown, section=key).first()
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reopen" and plan is not None:
        mark_ready(plan, request.user, False)
        messages.success(request, f"{plan.get_section_display()} är öppnat igen.")
        return redirect("reports:section", code, period, key)
    drafts = [TextDraft(text.title, text.body, text.pk) for text in section_texts(shown, key)]
    drafts += [TextDraft("", "", slot=slot) for slot in range(EMPTY_TEXT_SLOTS)]
    form = SectionTextsForm(drafts, request.POST if request.method == "POST" else None)
    if form.is_bound:
        if form.is_valid():
            removed = save_section_texts(shown, key, form.all_lines, request.user)
            removed_texts = f"Borttagna texter: {removed}."
            if action == "ready":
                plan = plan or add_section(shown, key, request.user)
                mark_ready(plan, request.user, True)
                messages.success(
                    request, f"{Section(key).label} är sparat och markerat klart. {removed_texts}"
                )
                return redirect("reports:preparation", code, period)
            messages.success(request, f"{Section(key).label} är sparat. {removed_texts}")
            return redirect("reports:section", code, period, key)
        messages.error(request, form.refusal(NOTHING_SAVED))
    return render(
        request,
        "reports/section.html",
        {
            "committee": shown.committee,
            "period": shown,
            "section_key": key,
            "section_label": Section(key).label,
            "plan": plan,
            "slots": drafts,
            "form": form,
            "errors": [] if form.incomplete else form.non_field_errors(),
        },
        status=400 if form.errors else 200,
    )
