"""Internbudget work: the list of every version, starting next year's draft, the version
page (read, or edit a draft), adopting and revising.

Staff and controllers read and prepare (READ_LIVE, ENTER_FIGURES); only controllers adopt
and revise (ADOPT_BUDGET); nämnd members read only published reports (403 here). An
adopted version is frozen: every post that would change it answers 409.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from amn.forms import NOTHING_SAVED
from amn.models import Committee
from amn.permissions import ADOPT_BUDGET, ENTER_FIGURES, READ_LIVE, can, committee_for_user
from budget.forms import AdoptForm, InternalBudgetForm, StartInternalBudgetForm, WorkLine
from budget.models import ColumnKind, Operation, RowKind, SummaryRow
from budget.services.internal_budget import InternalBudgetTable, build_internal_budget
from budget.services.internal_budget_work import (
    WORK_UNIT,
    BudgetFrozen,
    BudgetRefused,
    adopt_internal_budget,
    amount_text,
    change_hints,
    default_plan_years,
    frame_checks,
    latest_summary_year,
    revise_internal_budget,
    save_internal_budget,
    start_internal_budget,
    versions_of,
)


def _start_form(committee: Committee, data=None) -> StartInternalBudgetForm:
    latest = latest_summary_year(committee)
    initial = {"plan_years": default_plan_years(committee)}
    if latest is not None:
        initial["year"] = latest + 1
    return StartInternalBudgetForm(data, initial=initial)


@login_required
def internal_budgets(request: HttpRequest, code: str) -> HttpResponse:
    """Every version of every year, newest first; and the form that starts a year."""
    allowed = ENTER_FIGURES if request.method == "POST" else READ_LIVE
    committee = committee_for_user(request.user, code, allowed)
    form = _start_form(committee, request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                budget = start_internal_budget(
                    committee,
                    form.cleaned_data["year"],
                    form.cleaned_data["plan_years"],
                    request.user,
                )
            except BudgetRefused as refusal:
                form.add_error("year", refusal.message)
            else:
                messages.success(request, f"{budget.title} är påbörjad som utkast.")
                return redirect(_version_url(committee, budget.year, budget.version))
        messages.error(request, "Internbudgeten startades inte.")
        status = 400
    versions = versions_of(committee)
    proposed = form.initial.get("year")
    return render(
        request,
        "budget/internal_budgets.html",
        {
            "committee": committee,
            "versions": versions,
            "taken_year": proposed if any(v.year == proposed for v in versions) else None,
            "form": form,
            "may_enter": can(request.user, committee, ENTER_FIGURES),
        },
        status=status,
    )


def _version_url(committee: Committee, year: int, version: int) -> str:
    return reverse("budget:internal-budget", args=[committee.code, year, version])


def _table(committee: Committee, year: int, version: int) -> InternalBudgetTable:
    table = build_internal_budget(committee, year, version, rows_with_sources=True)
    if table is None:
        raise Http404("Versionen finns inte.")
    return table


def _rows_before(committee: Committee, year: int) -> dict[int, SummaryRow]:
    rows = SummaryRow.objects.filter(
        committee=committee, year=year - 1, kind=RowKind.ROW, parent__isnull=True
    ).order_by("position")
    return {row.pk: row for row in rows}


def _lines(table: InternalBudgetTable) -> list[WorkLine]:
    """The grid of the version page, with what each input shows."""
    columns = table.columns

    def amounts(values) -> dict[str, str]:
        return {f"a{c.pk}": amount_text(v) for c, v in zip(columns, values, strict=True)}

    empty = {f"a{c.pk}": "" for c in columns}
    hints = change_hints(table)
    lines: list[WorkLine] = []
    for line in table.lines:
        if line.kind == "row":
            row = line.row
            lines.append(
                WorkLine(
                    f"p{row.pk}",
                    "post",
                    {
                        "label": row.label,
                        "op": row.operation.code if row.operation_id else "",
                        "pred": " ".join(str(r.pk) for r in row.predecessors.all()),
                        "del": "",
                        **amounts(line.amounts),
                    },
                    row=row,
                    predecessors=[r.pk for r in row.predecessors.all()],
                    hints=hints.get(row.pk, []),
                    label=row.label,
                )
            )
        elif line.kind == "change":
            row = line.row
            texts = {"label": row.label, "del": "", **amounts(line.amounts)}
            lines.append(WorkLine(f"c{row.pk}", "change", texts, row=row, label=row.label))
    lines.append(
        WorkLine("ny", "new-post", {"label": "", "op": "", "pred": "", **empty}, label="Ny post")
    )
    lines.append(
        WorkLine(
            "nyf", "new-change", {"label": "", "parent": "", **empty}, label="Ny förändringsrad"
        )
    )
    for column in columns:
        texts = {
            "frame": amount_text(column.frame),
            "revenues": amount_text(column.revenues),
            "costs": amount_text(column.costs),
        }
        label = f"{column.get_kind_display()} {column.year}"
        lines.append(WorkLine(f"k{column.pk}", "column", texts, column=column, label=label))
    for adjustment in table.adjustments:
        texts = {
            "group": adjustment.group,
            "label": adjustment.label,
            "amount": amount_text(adjustment.amount),
            "del": "",
        }
        lines.append(
            WorkLine(
                f"r{adjustment.pk}",
                "adjustment",
                texts,
                adjustment=adjustment,
                label=adjustment.label,
            )
        )
    lines.append(
        WorkLine(
            "nyr", "new-adjustment", {"group": "", "label": "", "amount": ""}, label="Ny förändring"
        )
    )
    for line in lines:
        line.columns = columns
    return lines


def _work_form(table: InternalBudgetTable, rows_before, data=None) -> InternalBudgetForm:
    operations = {}
    if data is not None:
        operations = {
            operation.code: operation
            for operation in Operation.objects.filter(
                municipality_id=table.budget.committee.municipality_id
            )
        }
    posts = {line.row.pk: line.row for line in table.lines if line.kind == "row"}
    form = InternalBudgetForm(
        _lines(table), table.columns, operations, rows_before, posts, data=data
    )
    if data is None:
        form.initial["frame_decision"] = table.budget.frame_decision
    return form


def _render_version(
    request: HttpRequest,
    committee: Committee,
    table: InternalBudgetTable,
    *,
    form: InternalBudgetForm | None = None,
    adopt_form: AdoptForm | None = None,
    status: int = 200,
) -> HttpResponse:
    budget = table.budget
    may_enter = not budget.is_adopted and can(request.user, committee, ENTER_FIGURES)
    may_adopt = can(request.user, committee, ADOPT_BUDGET)
    rows_before = _rows_before(committee, budget.year)
    if may_enter and form is None:
        form = _work_form(table, rows_before)
    if may_adopt and not budget.is_adopted and adopt_form is None:
        adopt_form = AdoptForm(budget)
    lines = form.all_lines if form is not None else []
    by_kind: dict[str, list[WorkLine]] = {}
    for line in lines:
        by_kind.setdefault(line.kind, []).append(line)
    frame_decision = (
        form.data.get("frame_decision", budget.frame_decision)
        if form is not None and form.is_bound
        else budget.frame_decision
    )
    return render(
        request,
        "budget/internal_budget.html",
        {
            "committee": committee,
            "budget": budget,
            "table": table,
            "unit": WORK_UNIT,
            "checks": frame_checks(table),
            "hints": change_hints(table),
            "form": form,
            "grid": [line for line in lines if line.kind in ("post", "change")],
            "new_post": by_kind.get("new-post", [None])[0],
            "new_change": by_kind.get("new-change", [None])[0],
            "column_lines": by_kind.get("column", []),
            "adjustment_lines": by_kind.get("adjustment", []),
            "new_adjustment": by_kind.get("new-adjustment", [None])[0],
            "frame_decision": frame_decision,
            "rows_before": list(rows_before.values()),
            "posts": [line.row for line in table.lines if line.kind == "row"],
            "adopt_form": adopt_form,
            "may_adopt": may_adopt,
            "prefilled": not budget.is_adopted
            and not budget.revises_id
            and any(
                c.kind == ColumnKind.BUDGET and c.year == budget.year - 1 for c in table.columns
            ),
        },
        status=status,
    )


def _frozen(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "budget/internal_budget_frozen.html", {"message": message}, status=409)


@login_required
def internal_budget(
    request: HttpRequest, code: str, budget_year: int, version: int
) -> HttpResponse:
    """A version as its report prints it; for a draft, the page that edits it."""
    allowed = ENTER_FIGURES if request.method == "POST" else READ_LIVE
    committee = committee_for_user(request.user, code, allowed)
    table = _table(committee, budget_year, version)
    if request.method != "POST":
        return _render_version(request, committee, table)
    if table.budget.is_adopted:
        return _frozen(request, f"{table.budget.title} är antagen och kan inte ändras.")
    form = _work_form(table, _rows_before(committee, budget_year), request.POST)
    if form.is_valid():
        try:
            result = save_internal_budget(table.budget, form.budget_edit(), request.user)
        except BudgetFrozen as refusal:
            return _frozen(request, refusal.message)
        except BudgetRefused as refusal:
            messages.error(request, f"Inget sparades. {refusal.message}")
            return _render_version(request, committee, table, form=form, status=400)
        messages.success(
            request,
            f"Internbudgeten är sparad. Tillagda: {result.added}, ändrade: {result.changed}, "
            f"borttagna: {result.removed}.",
        )
        return redirect(request.path)
    messages.error(request, form.refusal(NOTHING_SAVED))
    return _render_version(request, committee, table, form=form, status=400)


@login_required
@require_POST
def adopt(request: HttpRequest, code: str, budget_year: int, version: int) -> HttpResponse:
    committee = committee_for_user(request.user, code, ADOPT_BUDGET)
    table = _table(committee, budget_year, version)
    budget = table.budget
    if budget.is_adopted:
        return _frozen(request, f"{budget.title} är redan antagen ({budget.decision}).")
    form = AdoptForm(budget, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            adopted, from_month = adopt_internal_budget(
                budget,
                request.user,
                decision=data["decision"],
                decision_date=data["decision_date"],
                frame_difference_note=data["frame_difference_note"],
                from_month=data.get("from_month"),
            )
        except BudgetFrozen as refusal:
            return _frozen(request, refusal.message)
        except BudgetRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            text = f"{adopted.title} är antagen ({adopted.decision})."
            if from_month:
                text += f" Den gäller i uppföljningen från månad {from_month}."
            messages.success(request, text)
            return redirect(_version_url(committee, budget.year, budget.version))
    messages.error(request, "Internbudgeten antogs inte.")
    return _render_version(request, committee, table, adopt_form=form, status=400)


@login_required
@require_POST
def revise(request: HttpRequest, code: str, budget_year: int, version: int) -> HttpResponse:
    committee = committee_for_user(request.user, code, ADOPT_BUDGET)
    budget = _table(committee, budget_year, version).budget
    try:
        new = revise_internal_budget(budget, request.user)
    except BudgetRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(_version_url(committee, budget.year, budget.version))
    messages.success(request, f"{new.title} (version {new.version}) är påbörjad som utkast.")
    return redirect(_version_url(committee, new.year, new.version))


urlpatterns = [
    path("internbudget/", internal_budgets, name="internal-budgets"),
    path(
        "internbudget/<int:budget_year>/<int:version>/",
        internal_budget,
        name="internal-budget",
    ),
    path("internbudget/<int:budget_year>/<int:version>/anta/", adopt, name="internal-budget-adopt"),
    path(
        "internbudget/<int:budget_year>/<int:version>/revidera/",
        revise,
        name="internal-budget-revise",
    ),
]
