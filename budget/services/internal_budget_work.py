"""Internbudget work: a controller (förvaltning staff may prepare) starts next year's
internbudget from this year's driftsammandrag rows, edits the draft's posts, change lines,
KF frame and frame changes, checks the sum against the frame, adopts it with the nämnd's
decision (which freezes it and gives it a report period) and revises an adopted version
as a new draft version.

Every operation runs in one transaction and writes what it changed into the history
(`record_changes`, period None). An adopted version is frozen: every operation that would
change it raises `BudgetFrozen`.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from amn.lib.money import Unit, format_swedish
from amn.models import ChangeSource, Committee, PeriodKind, ReportingPeriod
from amn.services.history import Edit, record_changes
from budget.models import (
    BudgetStatus,
    ColumnKind,
    FrameAdjustment,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetColumn,
    InternalBudgetRow,
    InvestmentPlanAmount,
    Measure,
    MonthlyAmount,
    Operation,
    RowKind,
    SummaryRow,
    YearAmount,
)
from budget.services.internal_budget import InternalBudgetTable
from budget.services.year_start import YearRefused, carry_revision, is_started

DEFAULT_PLAN_YEARS = 3
MAX_PLAN_YEARS = 10
# The unit the work pages show and take amounts in; amounts are stored as exact kronor.
WORK_UNIT = Unit.TKR
CODE_PREFIX = re.compile(r"^\s*\w{1,10}\s+-\s+")


class BudgetRefused(Exception):
    """An operation the rules do not allow, with the reason in Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BudgetFrozen(BudgetRefused):
    """The version is adopted: it cannot be changed, only revised."""


# Reading -----------------------------------------------------------------------------------


def versions_of(committee: Committee) -> list[InternalBudget]:
    """Every version of every year, newest first: one query."""
    return list(
        InternalBudget.objects.filter(committee=committee)
        .select_related("revises", "period", "adopted_by")
        .order_by("-year", "-version")
    )


def latest_summary_year(committee: Committee) -> int | None:
    return SummaryRow.objects.filter(committee=committee).aggregate(year=Max("year"))["year"]


def default_plan_years(committee: Committee) -> int:
    """As many plan years as the nämnd's latest internbudget had, else three."""
    latest = (
        InternalBudget.objects.filter(committee=committee).order_by("-year", "-version").first()
    )
    if latest is None:
        return DEFAULT_PLAN_YEARS
    plans = latest.columns.filter(kind=ColumnKind.PLAN).count()
    return plans or DEFAULT_PLAN_YEARS


def post_label(label: str) -> str:
    """A driftsammandrag row's label as a budgetpost: "575 - Ekonomiskt bistånd" →
    "Ekonomiskt bistånd"."""
    return CODE_PREFIX.sub("", label).strip() or label


def amount_text(amount: Decimal | None, unit: Unit = WORK_UNIT) -> str:
    """An amount in `unit` with every decimal it needs to be exact, for an input: what
    is shown and posted back unchanged stays the same kronor to the öre."""
    if amount is None:
        return ""
    value = (amount / unit.divisor).normalize()
    exponent = value.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return format_swedish(value, decimals, empty="")


def base_column(budget: InternalBudget, columns: list[InternalBudgetColumn]):
    """The Budget Y−1 column that changes are measured from, or None."""
    return next(
        (c for c in columns if c.kind == ColumnKind.BUDGET and c.year == budget.year - 1), None
    )


@dataclass
class FrameCheck:
    column: InternalBudgetColumn
    total: Decimal
    difference: Decimal  # sum of posts − frame

    @property
    def message(self) -> str:
        year = self.column.year
        if self.difference == 0:
            return f"Summan är lika med ramen för {year}."
        amount = amount_text(abs(self.difference))
        side = "över" if self.difference > 0 else "under"
        return f"Summan är {amount} {WORK_UNIT.code} {side} ramen för {year}."


def frame_checks(table: InternalBudgetTable) -> list[FrameCheck]:
    """For each column with a KF frame: the sum of the posts minus the frame."""
    sums = next(line.amounts for line in table.lines if line.kind == "sum")
    return [
        FrameCheck(column, sums[i] or Decimal(0), (sums[i] or Decimal(0)) - column.frame)
        for i, column in enumerate(table.columns)
        if column.frame is not None
    ]


def frame_differences(table: InternalBudgetTable) -> list[FrameCheck]:
    return [check for check in frame_checks(table) if check.difference != 0]


@dataclass
class ChangeHint:
    year: int
    change: Decimal  # the post's amount minus its Budget Y−1 amount
    explained: Decimal  # the sum of its change lines

    @property
    def message(self) -> str:
        unit = WORK_UNIT.code
        return (
            f"{self.year}: förändringen mot föregående års budget är {amount_text(self.change)}"
            f" {unit}, förändringsraderna summerar till {amount_text(self.explained)} {unit}"
            f" (skillnad {amount_text(self.change - self.explained)} {unit})."
        )

    @property
    def short(self) -> str:
        """The hint under the post's amount of its year."""
        return (
            f"Förändring {amount_text(self.change)}, förändringsrader "
            f"{amount_text(self.explained)}: skillnad {amount_text(self.change - self.explained)}"
        )


def change_hints(table: InternalBudgetTable) -> dict[int, list[ChangeHint]]:
    """Per post with change lines (by pk): the columns where the post's change from Budget
    Y−1 and the sum of its change lines disagree. A hint, never a refusal."""
    base = base_column(table.budget, table.columns)
    if base is None:
        return {}
    base_index = table.columns.index(base)
    posts = {line.row.pk: line for line in table.lines if line.kind == "row" and line.row}
    explained: dict[int, list[Decimal | None]] = {}
    for line in table.lines:
        if line.kind == "change" and line.row and line.row.parent_id in posts:
            sums = explained.setdefault(line.row.parent_id, [None] * len(table.columns))
            for i, amount in enumerate(line.amounts):
                if amount is not None:
                    sums[i] = (sums[i] or Decimal(0)) + amount
    hints: dict[int, list[ChangeHint]] = {}
    for pk, sums in explained.items():
        amounts = posts[pk].amounts
        for i, column in enumerate(table.columns):
            if column.year <= table.budget.year - 1 or column.kind == ColumnKind.OUTCOME:
                continue
            change = (amounts[i] or Decimal(0)) - (amounts[base_index] or Decimal(0))
            if change != (sums[i] or Decimal(0)):
                hints.setdefault(pk, []).append(ChangeHint(column.year, change, sums[i] or 0))
    return hints


# Starting ----------------------------------------------------------------------------------


def _full_year(rows: list[SummaryRow], measure: str) -> dict[int, Decimal]:
    """Each row's full-year figure of `measure`: the sum of its months where all twelve
    are recorded (the months up to a delårsrapport are no full year), else its YearAmount.
    Rows with neither are left out (never 0)."""
    ids = [row.pk for row in rows]
    figures = {
        item["row"]: item["total"]
        for item in MonthlyAmount.objects.filter(row__in=ids, measure=measure)
        .values("row")
        .annotate(total=Sum("amount"), months=Count("month", distinct=True))
        if item["months"] == 12
    }
    for row_id, amount in YearAmount.objects.filter(row__in=ids, measure=measure).values_list(
        "row", "amount"
    ):
        figures.setdefault(row_id, amount)
    return figures


def _subject(budget: InternalBudget, what: str = "") -> str:
    head = f"Internbudget {budget.year} version {budget.version}"
    return f"{head}: {what}" if what else head


def _history(budget: InternalBudget, user, edits) -> None:
    record_changes(
        committee=budget.committee, period=None, user=user, source=ChangeSource.FORM, edits=edits
    )


def _title(year: int, plan_years: int) -> str:
    if plan_years == 0:
        return f"Internbudget {year}"
    if plan_years == 1:
        return f"Internbudget {year} med plan {year + 1}"
    return f"Internbudget {year} med plan {year + 1}–{year + plan_years}"


@transaction.atomic
def start_internal_budget(committee: Committee, year: int, plan_years: int, user) -> InternalBudget:
    """Draft version 1 of `year`: columns Utfall Y−2, Budget Y−1, Budget Y and the plan
    years; one post per top-level row of Y−1's driftsammandrag, continuing it. Utfall and
    Budget Y−1 come from what is recorded; Budget Y and the plan years start as Budget Y−1.
    """
    if not 0 <= plan_years <= MAX_PLAN_YEARS:
        raise BudgetRefused(f"Antalet planår ska vara 0–{MAX_PLAN_YEARS}.")
    _lock_committee(committee.pk)
    if InternalBudget.objects.filter(committee=committee, year=year).exists():
        raise BudgetRefused(
            f"Det finns redan en internbudget för {year}. Arbeta vidare i den eller revidera "
            "den antagna versionen."
        )
    budget = InternalBudget.objects.create(
        committee=committee, year=year, version=1, title=_title(year, plan_years)
    )
    columns = InternalBudgetColumn.objects.bulk_create(
        [
            InternalBudgetColumn(budget=budget, year=year - 2, kind=ColumnKind.OUTCOME),
            InternalBudgetColumn(budget=budget, year=year - 1, kind=ColumnKind.BUDGET),
            InternalBudgetColumn(budget=budget, year=year, kind=ColumnKind.BUDGET),
            *(
                InternalBudgetColumn(budget=budget, year=year + n, kind=ColumnKind.PLAN)
                for n in range(1, plan_years + 1)
            ),
        ]
    )
    rows = list(
        SummaryRow.objects.filter(
            committee=committee, year=year - 1, kind=RowKind.ROW, parent__isnull=True
        ).order_by("position")
    )
    actuals = _full_year([row.predecessor for row in rows if row.predecessor_id], Measure.ACTUAL)
    budgets = _full_year(rows, Measure.BUDGET)
    posts = InternalBudgetRow.objects.bulk_create(
        [
            InternalBudgetRow(
                budget=budget,
                position=position,
                label=post_label(row.label),
                operation_id=row.operation_id,
            )
            for position, row in enumerate(rows, start=1)
        ]
    )
    InternalBudgetRow.predecessors.through.objects.bulk_create(
        [
            InternalBudgetRow.predecessors.through(internalbudgetrow=post, summaryrow=row)
            for post, row in zip(posts, rows, strict=True)
        ]
    )
    amounts = []
    edits = [Edit(_subject(budget), "skapad", "", budget.title)]
    for post, row in zip(posts, rows, strict=True):
        figures = {columns[0].pk: actuals.get(row.predecessor_id)}
        for column in columns[1:]:
            figures[column.pk] = budgets.get(row.pk)
        for column in columns:
            if figures[column.pk] is not None:
                amounts.append(
                    InternalBudgetAmount(row=post, column=column, amount=figures[column.pk])
                )
                edits.append(
                    Edit(
                        _subject(budget, post.label),
                        _column_field(column),
                        None,
                        figures[column.pk],
                    )
                )
    InternalBudgetAmount.objects.bulk_create(amounts)
    # The result of the nämnd's own units in the Utfall column, where it is recorded.
    units = SummaryRow.objects.filter(
        committee=committee, year=year - 2, kind=RowKind.UNITS, parent__isnull=True
    )
    unit_actuals = _full_year(list(units), Measure.ACTUAL)
    if unit_actuals:
        outcome = columns[0]
        outcome.own_units_result = sum(unit_actuals.values())
        outcome.save(update_fields=["own_units_result"])
        edits.append(
            Edit(
                _subject(budget, str(outcome)),
                "nämndens enheter (kr)",
                None,
                outcome.own_units_result,
            )
        )
    _history(budget, user, edits)
    return budget


def _lock_committee(committee_id: int) -> None:
    """Serialise the operations that number a nämnd's versions and report periods: two
    starts, revisions or adoptions at once never pick the same number or month."""
    list(Committee.objects.select_for_update().filter(pk=committee_id).values_list("pk"))


def _column_field(column: InternalBudgetColumn) -> str:
    return f"{column.get_kind_display()} {column.year} (kr)"


# Editing -----------------------------------------------------------------------------------


@dataclass
class PostEdit:
    """What the page posted for one post (`row` None: a new post)."""

    row: InternalBudgetRow | None
    label: str
    operation_code: str
    predecessors: list[int]
    amounts: dict[int, Decimal | None]  # column pk → kronor, None: empty cell
    delete: bool = False


@dataclass
class ChangeLineEdit:
    """What the page posted for one change line (`row` None: a new one under `parent`)."""

    row: InternalBudgetRow | None
    parent: InternalBudgetRow | None
    label: str
    amounts: dict[int, Decimal | None]
    delete: bool = False


@dataclass
class ColumnEdit:
    column: InternalBudgetColumn
    values: dict[str, Decimal | None]  # frame, revenues, costs


@dataclass
class AdjustmentEdit:
    adjustment: FrameAdjustment | None
    group: str
    label: str
    amount: Decimal | None
    delete: bool = False


@dataclass
class BudgetEdit:
    frame_decision: str
    posts: list[PostEdit] = field(default_factory=list)
    changes: list[ChangeLineEdit] = field(default_factory=list)
    columns: list[ColumnEdit] = field(default_factory=list)
    adjustments: list[AdjustmentEdit] = field(default_factory=list)


def lock_draft(budget: InternalBudget) -> InternalBudget:
    """The version locked for the transaction; BudgetFrozen when it is adopted."""
    locked = (
        InternalBudget.objects.select_for_update().select_related("committee").get(pk=budget.pk)
    )
    if locked.is_adopted:
        raise BudgetFrozen(
            f"{locked.title} är antagen ({locked.decision or 'beslutet är inte angivet'}) och "
            "kan inte ändras. Revidera den för att göra en ny version."
        )
    return locked


def operations_by_code(committee: Committee, codes) -> dict[str, Operation]:
    return {
        operation.code: operation
        for operation in Operation.objects.filter(
            municipality_id=committee.municipality_id, code__in=set(codes)
        )
    }


@dataclass
class SaveResult:
    added: int = 0
    removed: int = 0
    changed: int = 0


@transaction.atomic
def save_internal_budget(budget: InternalBudget, edit: BudgetEdit, user) -> SaveResult:
    """Store what the version page posted: posts, change lines, amounts, frame and split,
    frame changes. Refuses an adopted version (BudgetFrozen) and unknown verksamhet codes."""
    budget = lock_draft(budget)
    committee = budget.committee
    result = SaveResult()
    edits: list[Edit] = []
    codes = {p.operation_code for p in edit.posts if p.operation_code and not p.delete}
    operations = operations_by_code(committee, codes)
    unknown = sorted(codes - operations.keys())
    if unknown:
        raise BudgetRefused(f"Verksamhetskoden {', '.join(unknown)} finns inte i kommunen.")
    allowed_rows = set(
        SummaryRow.objects.filter(committee=committee, year=budget.year - 1).values_list(
            "pk", flat=True
        )
    )
    columns = {c.pk: c for c in budget.columns.all()}
    # What someone else deleted since the page was loaded stays deleted.
    existing = set(budget.rows.values_list("pk", flat=True))
    existing_adjustments = set(budget.frame_adjustments.values_list("pk", flat=True))
    edit.posts = [p for p in edit.posts if p.row is None or p.row.pk in existing]
    edit.changes = [c for c in edit.changes if c.row is None or c.row.pk in existing]
    edit.changes = [c for c in edit.changes if c.parent is None or c.parent.pk in existing]
    edit.adjustments = [
        a
        for a in edit.adjustments
        if a.adjustment is None or a.adjustment.pk in existing_adjustments
    ]
    stored = defaultdict(dict)
    for amount in InternalBudgetAmount.objects.filter(row__budget=budget):
        stored[amount.row_id][amount.column_id] = amount

    if budget.frame_decision != edit.frame_decision:
        edits.append(
            Edit(_subject(budget), "ramens beslut", budget.frame_decision, edit.frame_decision)
        )
        budget.frame_decision = edit.frame_decision
        budget.save(update_fields=["frame_decision"])

    next_position = (budget.rows.aggregate(top=Max("position"))["top"] or 0) + 1

    def store_amounts(row: InternalBudgetRow, amounts: dict[int, Decimal | None]) -> None:
        for column_pk, value in amounts.items():
            column = columns[column_pk]
            old = stored[row.pk].get(column_pk)
            if value is None and old is not None:
                old.delete()
            elif value is not None and old is None:
                InternalBudgetAmount.objects.create(row=row, column=column, amount=value)
            elif value is not None and old.amount != value:
                old.amount = value
                old.save(update_fields=["amount"])
            else:
                continue
            edits.append(
                Edit(
                    _subject(budget, row.label),
                    _column_field(column),
                    None if old is None else old.amount,
                    value,
                )
            )

    deleted: set[int] = set()
    for post in edit.posts:
        if post.row is not None and post.delete:
            edits.append(Edit(_subject(budget, post.row.label), "budgetpost", post.row.label, ""))
            deleted.add(post.row.pk)
            deleted.update(post.row.changes.values_list("pk", flat=True))
            post.row.delete()
            result.removed += 1
            continue
        if post.row is None and post.delete:
            continue
        foreign = set(post.predecessors) - allowed_rows
        if foreign:
            raise BudgetRefused(
                f"{post.label}: raderna en budgetpost fortsätter ska höra till "
                f"driftsammandraget {budget.year - 1}."
            )
        operation = operations.get(post.operation_code) if post.operation_code else None
        row = post.row
        if row is None:
            row = InternalBudgetRow.objects.create(
                budget=budget, position=next_position, label=post.label, operation=operation
            )
            next_position += 1
            result.added += 1
            edits.append(Edit(_subject(budget, row.label), "budgetpost", "", row.label))
        else:
            if row.label != post.label or row.operation_id != (operation and operation.pk):
                edits.append(Edit(_subject(budget, row.label), "budgetpost", row.label, post.label))
                edits.append(
                    Edit(
                        _subject(budget, post.label),
                        "verksamhet",
                        row.operation.code if row.operation_id else "",
                        post.operation_code,
                    )
                )
                row.label, row.operation = post.label, operation
                row.save(update_fields=["label", "operation"])
                result.changed += 1
        before = sorted(row.predecessors.values_list("pk", flat=True)) if post.row else []
        if before != sorted(post.predecessors):
            row.predecessors.set(post.predecessors)
            edits.append(
                Edit(
                    _subject(budget, row.label),
                    "fortsätter rader",
                    _row_labels(before),
                    _row_labels(post.predecessors),
                )
            )
        store_amounts(row, post.amounts)

    for change in edit.changes:
        if change.row is not None:
            if change.row.pk in deleted:
                continue
            if change.delete:
                edits.append(
                    Edit(_subject(budget, change.row.label), "förändringsrad", change.row.label, "")
                )
                change.row.delete()
                result.removed += 1
                continue
            if change.row.label != change.label:
                edits.append(
                    Edit(
                        _subject(budget, change.row.label),
                        "förändringsrad",
                        change.row.label,
                        change.label,
                    )
                )
                change.row.label = change.label
                change.row.save(update_fields=["label"])
                result.changed += 1
            store_amounts(change.row, change.amounts)
        elif not change.delete and change.parent is not None and change.parent.pk not in deleted:
            row = InternalBudgetRow.objects.create(
                budget=budget, position=next_position, label=change.label, parent=change.parent
            )
            next_position += 1
            result.added += 1
            edits.append(Edit(_subject(budget, row.label), "förändringsrad", "", row.label))
            store_amounts(row, change.amounts)

    for column_edit in edit.columns:
        column = column_edit.column
        changed = []
        for name, value in column_edit.values.items():
            old = getattr(column, name)
            if old != value:
                label = InternalBudgetColumn._meta.get_field(name).verbose_name
                edits.append(Edit(_subject(budget, str(column)), str(label), old, value))
                setattr(column, name, value)
                changed.append(name)
        if changed:
            column.save(update_fields=changed)

    next_adjustment = (budget.frame_adjustments.aggregate(top=Max("position"))["top"] or 0) + 1
    for item in edit.adjustments:
        adjustment = item.adjustment
        if adjustment is not None and item.delete:
            edits.append(
                Edit(_subject(budget, "ramförändring"), adjustment.label, adjustment.amount, None)
            )
            adjustment.delete()
            result.removed += 1
        elif adjustment is None and not item.delete:
            FrameAdjustment.objects.create(
                budget=budget,
                position=next_adjustment,
                group=item.group,
                label=item.label,
                amount=item.amount,
            )
            next_adjustment += 1
            result.added += 1
            edits.append(Edit(_subject(budget, "ramförändring"), item.label, None, item.amount))
        elif adjustment is not None:
            old = (adjustment.group, adjustment.label, adjustment.amount)
            if old != (item.group, item.label, item.amount):
                edits.append(
                    Edit(
                        _subject(budget, "ramförändring"),
                        item.label,
                        adjustment.amount,
                        item.amount,
                    )
                )
                adjustment.group, adjustment.label = item.group, item.label
                adjustment.amount = item.amount
                adjustment.save(update_fields=["group", "label", "amount"])
                result.changed += 1

    _renumber(budget)
    _history(budget, user, edits)
    return result


def _row_labels(ids) -> str:
    labels = dict(SummaryRow.objects.filter(pk__in=list(ids)).values_list("pk", "label"))
    return "; ".join(labels[i] for i in sorted(labels, key=lambda i: labels[i]))


def _renumber(budget: InternalBudget) -> None:
    """Posts in their order, each followed by its change lines, numbered 1, 2, 3 …"""
    rows = list(budget.rows.order_by("position"))
    ordered = []
    for post in (r for r in rows if r.parent_id is None):
        ordered.append(post)
        ordered += [r for r in rows if r.parent_id == post.pk]
    if [r.position for r in ordered] == list(range(1, len(ordered) + 1)):
        return
    offset = max([r.position for r in rows], default=0) + 1
    for number, row in enumerate(ordered, start=1):
        row.position = offset + number
    InternalBudgetRow.objects.bulk_update(ordered, ["position"])
    for number, row in enumerate(ordered, start=1):
        row.position = number
    InternalBudgetRow.objects.bulk_update(ordered, ["position"])


# Adopting and revising ----------------------------------------------------------------------


DATE_IN_DECISION = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _free_month(committee: Committee, year: int) -> int:
    taken = set(
        ReportingPeriod.objects.filter(
            committee=committee, year=year, kind=PeriodKind.BUDGET
        ).values_list("month", flat=True)
    )
    for month in range(12, 0, -1):
        if month not in taken:
            return month
    raise BudgetRefused(
        f"Alla tolv månader av {year} har redan en internbudgetperiod: ingen plats för en "
        "period till den här versionen."
    )


@transaction.atomic
def adopt_internal_budget(
    budget: InternalBudget,
    user,
    *,
    decision: str,
    decision_date: datetime.date | None = None,
    frame_difference_note: str = "",
    from_month: int | None = None,
) -> tuple[InternalBudget, int | None]:
    """Record the nämnd's decision and freeze the version. Refused while the sum differs
    from a framed column's frame, unless the difference is explained. Links a new report
    period of kind internbudget (month 12 when free, else the highest free month below).
    Returns the adopted version and, for a revision, the month from which it applies in
    the follow-up; a revision of a year already started is carried into its budgets from
    that month (budget.services.year_start.carry_revision)."""
    from budget.services.internal_budget import build_internal_budget

    _lock_committee(budget.committee_id)
    budget = lock_draft(budget)
    decision, note = decision.strip(), frame_difference_note.strip()
    if not decision:
        raise BudgetRefused("Ange beslutet, t.ex. AN 2019-03-20 § 23.")
    if budget.revises_id and from_month is None:
        raise BudgetRefused("Ange från vilken månad revideringen gäller i uppföljningen.")
    if from_month is not None and not 1 <= from_month <= 12:
        raise BudgetRefused("Månaden ska vara 1–12.")
    table = build_internal_budget(budget.committee, budget.year, budget.version)
    differences = frame_differences(table)
    if differences and not note:
        raise BudgetRefused(
            " ".join(check.message for check in differences)
            + " Rätta beloppen eller förklara avvikelsen mot ramen för att anta internbudgeten."
        )
    if decision_date is None:
        match = DATE_IN_DECISION.search(decision)
        if match:
            try:
                decision_date = datetime.date(*map(int, match.groups()))
            except ValueError:
                decision_date = None
    period = ReportingPeriod.objects.create(
        committee=budget.committee,
        year=budget.year,
        month=_free_month(budget.committee, budget.year),
        kind=PeriodKind.BUDGET,
        title=budget.title,
    )
    _history(
        budget,
        user,
        [
            Edit(_subject(budget), "status", BudgetStatus.DRAFT.label, BudgetStatus.ADOPTED.label),
            Edit(_subject(budget), "beslut", budget.decision, decision),
            Edit(_subject(budget), "beslutsdatum", budget.decision_date, decision_date),
            Edit(
                _subject(budget),
                "förklaring till avvikelse mot ramen",
                budget.frame_difference_note,
                note,
            ),
        ],
    )
    budget.status = BudgetStatus.ADOPTED
    budget.decision, budget.decision_date = decision, decision_date
    budget.frame_difference_note = note
    budget.adopted_at, budget.adopted_by = timezone.now(), user
    budget.period = period
    budget.save()
    if budget.revises_id and is_started(budget.committee, budget.year):
        # The followed-up year takes the revision from its month on, in the same
        # transaction: adopted and carried in, or neither.
        try:
            carry_revision(budget, from_month, user)
        except YearRefused as refusal:
            raise BudgetRefused(" ".join(refusal.messages)) from refusal
    return budget, from_month if budget.revises_id else None


@transaction.atomic
def revise_internal_budget(budget: InternalBudget, user) -> InternalBudget:
    """A new draft version copying an adopted one: columns, posts (with `origin`), change
    lines, amounts, frame changes, investment plan and the rows each post continues."""
    _lock_committee(budget.committee_id)
    old = InternalBudget.objects.select_for_update().select_related("committee").get(pk=budget.pk)
    if not old.is_adopted:
        raise BudgetRefused(f"{old.title} är ett utkast: arbeta vidare i den i stället.")
    versions = InternalBudget.objects.filter(committee=old.committee, year=old.year)
    draft = versions.filter(status=BudgetStatus.DRAFT).first()
    if draft is not None:
        raise BudgetRefused(
            f"Version {draft.version} av internbudgeten {old.year} är redan ett utkast: "
            "arbeta vidare i den."
        )
    number = versions.aggregate(top=Max("version"))["top"] + 1
    title = old.title
    if not title.lower().startswith("reviderad"):
        title = f"Reviderad {title[:1].lower()}{title[1:]}"
    new = InternalBudget.objects.create(
        committee=old.committee,
        year=old.year,
        version=number,
        title=title,
        revises=old,
        frame_decision=old.frame_decision,
    )
    column_map = {}
    for column in old.columns.order_by("year"):
        column_map[column.pk] = InternalBudgetColumn.objects.create(
            budget=new,
            year=column.year,
            kind=column.kind,
            frame=column.frame,
            revenues=column.revenues,
            costs=column.costs,
            own_units_result=column.own_units_result,
            investment_frame=column.investment_frame,
        )
    rows = list(old.rows.order_by("position").prefetch_related("predecessors", "amounts"))
    row_map: dict[int, InternalBudgetRow] = {}
    for row in rows:  # a post comes before its change lines
        copy = InternalBudgetRow.objects.create(
            budget=new,
            position=row.position,
            label=row.label,
            operation_id=row.operation_id,
            parent=row_map.get(row.parent_id),
            origin=row,
        )
        row_map[row.pk] = copy
        copy.predecessors.set(row.predecessors.all())
    InternalBudgetAmount.objects.bulk_create(
        [
            InternalBudgetAmount(
                row=row_map[row.pk], column=column_map[amount.column_id], amount=amount.amount
            )
            for row in rows
            for amount in row.amounts.all()
        ]
    )
    FrameAdjustment.objects.bulk_create(
        [
            FrameAdjustment(
                budget=new, position=a.position, group=a.group, label=a.label, amount=a.amount
            )
            for a in old.frame_adjustments.all()
        ]
    )
    InvestmentPlanAmount.objects.bulk_create(
        [
            InvestmentPlanAmount(
                budget=new, investment_id=p.investment_id, year=p.year, amount=p.amount
            )
            for p in old.investment_plan.all()
        ]
    )
    _history(
        new,
        user,
        [Edit(_subject(new), "skapad", "", f"{new.title}, reviderar version {old.version}")],
    )
    return new
