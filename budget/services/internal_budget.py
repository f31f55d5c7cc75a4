"""A nämnd's internbudget for a year as its report prints it: the budgetposter per year
column (utfall, budget, plan), the change lines under the post they explain, the sum, the
KF frame and its split into intäkter and kostnader, and the frame changes.

A report period shows the version linked to it (InternalBudget.period), else the latest
version of the year; the version pages build any version. A revision says which decision
it revises. A change line is part of its post's amount and never added again.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, Prefetch, Value, When

from amn.lib.money import Unit
from amn.lib.spreadsheet import Sheet, number_format
from amn.models import Committee, ReportingPeriod
from budget.models import (
    FrameAdjustment,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetColumn,
    InternalBudgetRow,
)

# tkr without decimals holds every figure of the seeds' internbudgetar exactly (mnkr with
# two decimals, tkr).
BUDGET_UNIT = Unit.TKR


@dataclass
class BudgetLine:
    label: str
    kind: str  # row, change, sum, part
    amounts: list[Decimal | None]
    row: InternalBudgetRow | None = None  # the post or change line behind a row or change


@dataclass
class InternalBudgetTable:
    budget: InternalBudget
    columns: list[InternalBudgetColumn]
    lines: list[BudgetLine] = field(default_factory=list)
    adjustments: list[FrameAdjustment] = field(default_factory=list)
    unit: Unit = BUDGET_UNIT

    @property
    def headers(self) -> list[str]:
        return [f"{column.get_kind_display()} {column.year}" for column in self.columns]


def build_internal_budget(
    committee: Committee,
    year: int,
    version: int | None = None,
    *,
    period: ReportingPeriod | None = None,
    rows_with_sources: bool = False,
) -> InternalBudgetTable | None:
    """The table of one version: `version` if given, else the version linked to `period`,
    else the latest version of the year. `rows_with_sources` also brings each post's
    verksamhet and the rows it continues (for the version pages)."""
    budgets = InternalBudget.objects.filter(committee=committee, year=year)
    if version is not None:
        budgets = budgets.filter(version=version)
    order = ["-version"]
    if period is not None and version is None:
        linked = Case(
            When(period=period, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        budgets = budgets.annotate(linked=linked)
        order = ["linked", "-version"]
    rows = InternalBudgetRow.objects.order_by("position").prefetch_related(
        Prefetch("amounts", queryset=InternalBudgetAmount.objects.all())
    )
    if rows_with_sources:
        rows = rows.select_related("operation").prefetch_related("predecessors")
    budget = (
        budgets.select_related("revises", "adopted_by", "period")
        .prefetch_related(
            Prefetch("columns", queryset=InternalBudgetColumn.objects.order_by("year")),
            Prefetch("rows", queryset=rows),
            Prefetch("frame_adjustments", queryset=FrameAdjustment.objects.order_by("position")),
        )
        .order_by(*order)
        .first()
    )
    if budget is None:
        return None
    return internal_budget_table(budget)


def internal_budget_table(budget: InternalBudget) -> InternalBudgetTable:
    """The table of a version fetched with its columns, rows, amounts and adjustments."""
    columns = list(budget.columns.all())
    table = InternalBudgetTable(budget, columns, adjustments=list(budget.frame_adjustments.all()))
    sums: list[Decimal | None] = [None] * len(columns)
    index = {column.pk: number for number, column in enumerate(columns)}
    for row in budget.rows.all():
        amounts: list[Decimal | None] = [None] * len(columns)
        for amount in row.amounts.all():
            amounts[index[amount.column_id]] = amount.amount
        kind = "change" if row.parent_id else "row"
        table.lines.append(BudgetLine(row.label, kind, amounts, row))
        if not row.parent_id:
            sums = [
                s if a is None else (a if s is None else s + a)
                for s, a in zip(sums, amounts, strict=True)
            ]
    table.lines.append(BudgetLine("Summa", "sum", sums))
    for label, name in (
        ("Budgetram enligt KF", "frame"),
        ("varav intäkter", "revenues"),
        ("varav kostnader", "costs"),
        ("Nämndens enheter", "own_units_result"),
    ):
        amounts = [getattr(column, name) for column in columns]
        if any(a is not None for a in amounts):
            table.lines.append(BudgetLine(label, "part", amounts))
    return table


def internal_budget_sheet(table: InternalBudgetTable) -> Sheet:
    unit = table.unit
    return Sheet(
        title="Internbudget",
        heading=f"{table.budget.title}, belopp {unit.code}",
        headers=["Budgetpost", *table.headers],
        rows=[
            [line.label, *(None if a is None else a / unit.divisor for a in line.amounts)]
            for line in table.lines
        ],
        sum_rows={i for i, line in enumerate(table.lines) if line.kind == "sum"},
        indented_rows={i for i, line in enumerate(table.lines) if line.kind in ("change", "part")},
        italic_rows={i for i, line in enumerate(table.lines) if line.kind == "change"},
        number_formats=number_format(unit.decimals),
        unit=unit.code,
    )


def frame_adjustment_sheet(table: InternalBudgetTable) -> Sheet:
    unit = table.unit
    return Sheet(
        title="Ramförändringar",
        heading=f"{table.budget.title}: förändringar av ramen, belopp {unit.code}",
        headers=["Grupp", "Förändring", "Belopp"],
        rows=[[a.group, a.label, a.amount / unit.divisor] for a in table.adjustments],
        number_formats=number_format(unit.decimals),
        unit=unit.code,
    )
