"""Start a nämnd's follow-up year from its adopted internbudget, and carry a revised
internbudget into a year already followed up.

Starting makes, in one transaction: the year's driftsammandrag rows, one per budgetpost of
the budget year (with the verksamhet code and the ledger mappings of the rows they
continue, so last year's ledger codes keep landing on the right row), the units rows of
the year before carried on; each row's full-year budget and its periodised budget by the
chosen key; the investments' budgets from the investment plan; and the reporting periods
of the nämnd's årshjul with their deadlines. A year already started is left as it is.

A revision adopted during the year sets each row's full-year budget anew and spreads what
the months before the revision did not already hold over the months from it on, by the
row's key. The months before keep their budget: that was the budget then.
"""

import calendar
import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch

from amn.lib.money import format_swedish
from amn.models import (
    MONTH_NAMES,
    AnnualCycleStep,
    ChangeSource,
    Committee,
    PeriodKind,
    ReportingPeriod,
    default_annual_cycle,
)
from amn.services.history import Edit, record_changes
from budget.models import (
    BudgetStatus,
    ColumnKind,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetRow,
    InvestmentBudget,
    InvestmentPlanAmount,
    LedgerCodeMapping,
    LedgerDimension,
    Measure,
    MonthlyAmount,
    PeriodisationKey,
    RowKind,
    SummaryRow,
    YearAmount,
)
from budget.services.periodisation import (
    Key,
    KeyRefused,
    even_key,
    keys_by_row,
    spread_from,
)

CODE_PREFIX_SEPARATOR = " - "
# The keys as a table column names them; the page explains them below the table.
KEY_SHORT = {
    PeriodisationKey.EVEN: "Jämn",
    PeriodisationKey.PREVIOUS_YEAR: "Fg års utfall",
    PeriodisationKey.UPLOADED: "Uppladdad",
    PeriodisationKey.LEDGER: "Huvudbok",
}


class YearRefused(Exception):
    """The year cannot be started (or the revision not carried in); the messages say why,
    in Swedish, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class StartedRow:
    label: str
    code: str
    full_year: Decimal | None
    key: str  # label of the key, "" without a budget
    predecessor: str = ""


@dataclass
class StartedYear:
    committee: Committee
    year: int
    budget: InternalBudget | None = None
    already_started: bool = False
    rows: list[StartedRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Posts that merge or split rows: no figures of the year before.
    apart: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)
    investments: list[tuple[str, Decimal]] = field(default_factory=list)
    periods: list[ReportingPeriod] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.full_year for row in self.rows if row.full_year is not None), Decimal(0))


def adopted_version(committee: Committee, year: int) -> InternalBudget | None:
    return (
        InternalBudget.objects.filter(committee=committee, year=year, status=BudgetStatus.ADOPTED)
        .order_by("-version")
        .first()
    )


def is_started(committee: Committee, year: int) -> bool:
    """Whether the year's driftsammandrag came from an internbudget of the year."""
    return YearAmount.objects.filter(
        row__committee=committee,
        row__year=year,
        measure=Measure.BUDGET,
        internal_budget__year=year,
    ).exists()


def start_year(
    committee: Committee,
    year: int,
    *,
    key: str = PeriodisationKey.EVEN,
    uploaded: Mapping[str, Key] | None = None,
    user=None,
) -> StartedYear:
    """Start `year` for the nämnd from its adopted internbudget. `key` spreads every row's
    budget: even, previous-year, or uploaded (the lines of `uploaded`, by verksamhetskod,
    row or "Alla rader"). YearRefused, with every reason, when the year cannot be
    started; nothing is then stored."""
    started = StartedYear(committee, year)
    if is_started(committee, year):
        started.already_started = True
        started.budget = adopted_version(committee, year)
        return started
    if SummaryRow.objects.filter(committee=committee, year=year).exists():
        raise YearRefused(
            [
                f"{committee.code} har redan rader i driftsammandraget för {year} som inte "
                f"kommer från internbudgeten. Året startas bara en gång, ur den antagna "
                "internbudgeten: ta bort årets rader först eller fortsätt med dem."
            ]
        )
    budget = adopted_version(committee, year)
    if budget is None:
        raise YearRefused([_no_adopted_budget(committee, year)])
    started.budget = budget
    with transaction.atomic():
        rows = _make_rows(budget, started)
        _set_budgets(budget, rows, key, uploaded, started, user)
        _carry_mappings(committee, year, rows, started)
        _set_investment_budgets(budget, started)
        started.periods = _make_periods(committee, year)
    return started


def _no_adopted_budget(committee: Committee, year: int) -> str:
    drafts = InternalBudget.objects.filter(committee=committee, year=year)
    if drafts.exists():
        return (
            f"Internbudgeten {year} för {committee.code} är inte antagen än. Året startas "
            "ur den antagna internbudgeten: anta den först (med beslutet, t.ex. "
            "AN 2024-01-24 § 5)."
        )
    return (
        f"{committee.code} har ingen internbudget för {year}. Gör internbudgeten och anta "
        "den; sedan startas året ur den."
    )


# --- rows ------------------------------------------------------------------------------


@dataclass
class _NewRow:
    row: SummaryRow
    post: InternalBudgetRow | None
    amount: Decimal | None
    predecessors: list[SummaryRow]
    same: SummaryRow | None  # the row it is the year before, linked as predecessor


def _budget_column(budget: InternalBudget):
    column = budget.columns.filter(year=budget.year).first()
    if column is None or column.kind == ColumnKind.OUTCOME:
        raise YearRefused(
            [f"{budget.title} har ingen budgetkolumn för {budget.year}: inget att starta ur."]
        )
    return column


def _posts(budget: InternalBudget) -> list[InternalBudgetRow]:
    """The budgetposter, those that continue a row in that row's order (the driftsammandrag
    keeps its order from year to year), new ones after them in the internbudget's order."""
    posts = list(
        budget.rows.filter(parent__isnull=True)
        .select_related("operation")
        .prefetch_related(
            Prefetch(
                "predecessors",
                queryset=SummaryRow.objects.select_related("operation").order_by("position"),
            )
        )
        .order_by("position")
    )
    return sorted(posts, key=_continuing_order)


def _continuing_order(post: InternalBudgetRow) -> tuple:
    predecessors = post.predecessors.all()
    if predecessors:
        return (0, min(row.position for row in predecessors), post.position)
    return (1, 0, post.position)


def _make_rows(budget: InternalBudget, started: StartedYear) -> list[_NewRow]:
    committee, year = budget.committee, budget.year
    column = _budget_column(budget)
    amounts = dict(
        InternalBudgetAmount.objects.filter(column=column).values_list("row_id", "amount")
    )
    new_rows: list[_NewRow] = []
    position = 0
    posts = _posts(budget)
    continued = Counter(
        row.pk for post in posts if post.pk in amounts for row in post.predecessors.all()
    )
    labels: dict[str, str] = {}
    for post in posts:
        if post.pk not in amounts:
            started.skipped.append(f"{post.label} (inget belopp för {year})")
            continue
        predecessors = list(post.predecessors.all())
        # A row is the same row the year before only when the post continues exactly one
        # row that no other post continues: a merged or split row's figures of the year
        # before are not its own, so they are left out rather than shown as if they were.
        same = predecessors[0] if len(predecessors) == 1 else None
        if same is not None and continued[same.pk] > 1:
            same = None
        if predecessors and same is None:
            started.apart.append(post.label)
        first = predecessors[0] if predecessors else None
        operation = post.operation or (first.operation if len(predecessors) == 1 else None)
        label = _row_label(post, same, operation)
        if label in labels:
            raise YearRefused(
                [
                    f"Budgetposterna {labels[label]} och {post.label} skulle båda bli raden "
                    f"{label} i driftsammandraget {year}. Ge dem olika namn eller "
                    "verksamhetskoder i internbudgeten."
                ]
            )
        labels[label] = post.label
        position += 1
        row = SummaryRow.objects.create(
            committee=committee,
            year=year,
            position=position,
            label=label,
            kind=RowKind.ROW,
            operation=operation,
            predecessor=same,
        )
        new_rows.append(_NewRow(row, post, amounts[post.pk], predecessors, same))
    units_budget = column.own_units_result
    for previous in SummaryRow.objects.filter(
        committee=committee, year=year - 1, kind=RowKind.UNITS
    ).prefetch_related("own_units"):
        position += 1
        row = SummaryRow.objects.create(
            committee=committee,
            year=year,
            position=position,
            label=previous.label,
            kind=RowKind.UNITS,
            operation=previous.operation,
            predecessor=previous,
            in_full_year_table=previous.in_full_year_table,
        )
        row.own_units.set(previous.own_units.all())
        new_rows.append(_NewRow(row, None, units_budget, [previous], previous))
    return new_rows


def _row_label(post: InternalBudgetRow, first: SummaryRow | None, operation) -> str:
    """The driftsammandrag keeps the words of the row a post continues (the ledger's names,
    "470 - Grundläggande vuxenutb"); a new or recoded row is "code - post"."""
    if first is not None and first.operation_id == (operation.pk if operation else None):
        return first.label
    if operation is not None:
        return f"{operation.code}{CODE_PREFIX_SEPARATOR}{post.label}"
    return post.label


# --- budgets ---------------------------------------------------------------------------


def _set_budgets(
    budget: InternalBudget,
    new_rows: list[_NewRow],
    key_name: str,
    uploaded: Mapping[str, Key] | None,
    started: StartedYear,
    user,
) -> None:
    chosen = keys_by_row([item.row for item in new_rows], key_name, uploaded)
    problems = [
        f"Raden {item.row.label}: {chosen[item.row.pk]}."
        for item in new_rows
        if item.amount is not None and isinstance(chosen[item.row.pk], str)
    ]
    if problems:
        raise YearRefused(problems)
    edits = []
    for item in new_rows:
        row = item.row
        predecessor = item.predecessors[0].label if item.predecessors else ""
        if item.amount is None:
            started.rows.append(StartedRow(row.label, row.code, None, "", predecessor))
            continue
        key = chosen[row.pk]
        store_budget(row, item.amount, key, budget, item.post, from_month=1)
        started.rows.append(StartedRow(row.label, row.code, item.amount, key.label, predecessor))
        edits.append(_full_year_edit(row, None, item.amount))
    record_changes(
        committee=budget.committee, period=None, user=user, source=ChangeSource.BUDGET, edits=edits
    )


def store_budget(
    row: SummaryRow,
    full_year: Decimal | None,
    key: Key,
    budget: InternalBudget | None,
    post: InternalBudgetRow | None,
    *,
    from_month: int,
) -> list[Decimal]:
    """Set the row's full-year budget and spread over `from_month`..December what the
    months before do not already hold; None keeps only what they hold (a budget withdrawn
    from that month). Returns the twelve months."""
    kept = {
        month: amount
        for month, amount in MonthlyAmount.objects.filter(
            row=row, measure=Measure.BUDGET, month__lt=from_month
        ).values_list("month", "amount")
    }
    before = [kept.get(month, Decimal(0)) for month in range(1, from_month)]
    if full_year is None:
        full_year = sum(before, Decimal(0))
    try:
        rest = spread_from(full_year - sum(before, Decimal(0)), key, from_month)
    except KeyRefused as exc:
        raise YearRefused([f"Raden {row.label}: {exc}"]) from exc
    MonthlyAmount.objects.filter(row=row, measure=Measure.BUDGET, month__gte=from_month).delete()
    MonthlyAmount.objects.bulk_create(
        MonthlyAmount(row=row, measure=Measure.BUDGET, month=month, amount=amount)
        for month, amount in zip(range(from_month, 13), rest, strict=True)
    )
    YearAmount.objects.update_or_create(
        row=row,
        measure=Measure.BUDGET,
        defaults={
            "amount": full_year,
            "internal_budget": budget,
            "post": post,
            "key": key.name,
            "weights": [str(weight) for weight in key.weights],
            "from_month": from_month,
        },
    )
    return [*before, *rest]


def stored_key(year_amount: YearAmount) -> Key:
    if year_amount.key and len(year_amount.weights) == 12:
        return Key(year_amount.key, tuple(Decimal(w) for w in year_amount.weights))
    return even_key()


# --- ledger mappings -------------------------------------------------------------------


def _carry_mappings(
    committee: Committee, year: int, new_rows: list[_NewRow], started: StartedYear
) -> None:
    """A merged row takes the verksamhet codes and the explicit mappings of every row it
    continues (a row continued one to one is its successor: its mappings follow it). A
    split row's codes are its own; the rows it splits keep their mappings, which name no
    row of the new year, so the ledger import asks for a mapping where one is needed."""
    existing = set(
        LedgerCodeMapping.objects.filter(committee=committee, year=year).values_list(
            "dimension", "code"
        )
    )
    by_row: dict[int, list[LedgerCodeMapping]] = {}
    merged = [item for item in new_rows if len(item.predecessors) > 1]
    others = [p.pk for item in merged for p in item.predecessors]
    for mapping in LedgerCodeMapping.objects.filter(committee=committee, row__in=others):
        by_row.setdefault(mapping.row_id, []).append(mapping)
    created = []
    for item in merged:
        for predecessor in item.predecessors:
            wanted = [(m.dimension, m.code) for m in by_row.get(predecessor.pk, [])]
            if predecessor.operation_id and predecessor.operation_id != item.row.operation_id:
                wanted.append((LedgerDimension.OPERATION, predecessor.operation.code))
            for dimension, code in wanted:
                if (dimension, code) in existing:
                    continue
                existing.add((dimension, code))
                created.append(
                    LedgerCodeMapping(
                        committee=committee, year=year, dimension=dimension, code=code, row=item.row
                    )
                )
                started.mappings.append(f"{dimension} {code} → {item.row.label}")
    LedgerCodeMapping.objects.bulk_create(created)


# --- investments -----------------------------------------------------------------------


def _set_investment_budgets(budget: InternalBudget, started: StartedYear) -> None:
    for plan in InvestmentPlanAmount.objects.filter(budget=budget, year=budget.year).select_related(
        "investment"
    ):
        InvestmentBudget.objects.update_or_create(
            investment=plan.investment,
            year=budget.year,
            defaults={"amount": plan.amount, "internal_budget": budget},
        )
        started.investments.append((str(plan.investment), plan.amount))


# --- periods ---------------------------------------------------------------------------


def annual_cycle_of(committee: Committee) -> list[AnnualCycleStep]:
    steps = list(AnnualCycleStep.objects.filter(committee=committee).order_by("month", "kind"))
    return steps or default_annual_cycle(committee)


def period_title(kind: str, year: int, month: int) -> str:
    day = calendar.monthrange(year, month)[1]
    as_of = f"per den {day} {MONTH_NAMES[month - 1]} {year}"
    if kind == PeriodKind.INTERIM_1:
        return f"Delår 1 {as_of}"
    if kind == PeriodKind.INTERIM_2:
        return f"Delårsrapport {as_of}"
    if kind == PeriodKind.OCTOBER:
        return f"Oktoberuppföljning {as_of}"
    return f"Verksamhetsberättelse {year}"


def _make_periods(committee: Committee, year: int) -> list[ReportingPeriod]:
    periods = []
    for step in annual_cycle_of(committee):
        month_end = datetime.date(year, step.month, calendar.monthrange(year, step.month)[1])
        period, created = ReportingPeriod.objects.get_or_create(
            committee=committee,
            year=year,
            month=step.month,
            kind=step.kind,
            defaults={
                "title": period_title(step.kind, year, step.month),
                "deadline": month_end + datetime.timedelta(days=step.deadline_days),
            },
        )
        if created:
            periods.append(period)
    return periods


# --- a revision during the year ----------------------------------------------------------


@dataclass
class CarriedRevision:
    budget: InternalBudget
    from_month: int
    changed: list[tuple[str, Decimal | None, Decimal]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


def carry_revision(budget: InternalBudget, from_month: int, user=None) -> CarriedRevision:
    """Set the followed-up year's budgets from the adopted revision `budget`, from
    `from_month` on. Rows of posts the revision keeps (by `origin`) get its amount as their
    full-year budget; a post new in the revision gets a row of its own; a post it drops
    keeps only what its months before held. The history records every full-year change."""
    if not budget.is_adopted:
        raise YearRefused([f"{budget.title} är inte antagen."])
    if not 1 <= from_month <= 12:
        raise YearRefused([f"Månaden måste vara 1–12, inte {from_month}."])
    committee, year = budget.committee, budget.year
    carried = CarriedRevision(budget, from_month)
    with transaction.atomic():
        column = _budget_column(budget)
        amounts = dict(
            InternalBudgetAmount.objects.filter(column=column).values_list("row_id", "amount")
        )
        year_amounts = {
            ya.post_id: ya
            for ya in YearAmount.objects.filter(
                row__committee=committee, row__year=year, measure=Measure.BUDGET
            ).select_related("row")
            if ya.post_id
        }
        edits = []
        taken = set()
        for post in _posts(budget):
            origin = _origin_in(post, year_amounts)
            new = amounts.get(post.pk)
            if origin is None:
                if new is None:
                    continue
                row = _row_for_new_post(committee, year, post)
                store_budget(row, new, even_key(), budget, post, from_month=from_month)
                carried.added.append(row.label)
                edits.append(_full_year_edit(row, None, new))
                continue
            taken.add(origin.pk)
            edits.append(_carry_row(carried, origin, new, budget, post))
        for year_amount in year_amounts.values():
            if year_amount.pk in taken or year_amount.row.kind != RowKind.ROW:
                continue
            # A post the revision drops: its budget ends where the revision begins.
            edits.append(_carry_row(carried, year_amount, None, budget, None))
        edits.append(
            Edit(
                f"Internbudget {year} i uppföljningen",
                "gäller från",
                None,
                f"{budget.title} ({budget.decision or 'beslut ej angivet'}) från "
                f"{MONTH_NAMES[from_month - 1]}",
            )
        )
        record_changes(
            committee=committee, period=None, user=user, source=ChangeSource.BUDGET, edits=edits
        )
        _set_investment_budgets(budget, StartedYear(committee, year))
    return carried


def _carry_row(
    carried: CarriedRevision,
    year_amount: YearAmount,
    full_year: Decimal | None,
    budget: InternalBudget,
    post: InternalBudgetRow | None,
) -> Edit:
    row = year_amount.row
    months = store_budget(
        row, full_year, stored_key(year_amount), budget, post, from_month=carried.from_month
    )
    target = sum(months, Decimal(0))
    carried.changed.append((row.label, year_amount.amount, target))
    return _full_year_edit(row, year_amount.amount, target)


def _full_year_edit(row: SummaryRow, old: Decimal | None, new: Decimal) -> Edit:
    return Edit(f"Budget helår {row.year}: {row.label}", "helår (kr)", old, new)


def _origin_in(post: InternalBudgetRow, year_amounts: dict[int, YearAmount]) -> YearAmount | None:
    seen = set()
    current = post
    while current is not None and current.pk not in seen:
        if current.pk in year_amounts:
            return year_amounts[current.pk]
        seen.add(current.pk)
        current = current.origin
    return None


def _row_for_new_post(committee: Committee, year: int, post: InternalBudgetRow) -> SummaryRow:
    last = (
        SummaryRow.objects.filter(committee=committee, year=year, kind=RowKind.ROW)
        .order_by("-position")
        .first()
    )
    position = (last.position if last else 0) + 1
    # Make room: units rows follow the budget posts.
    for units in SummaryRow.objects.filter(
        committee=committee, year=year, position__gte=position
    ).order_by("-position"):
        units.position += 1
        units.save(update_fields=["position"])
    label = _row_label(post, None, post.operation)
    return SummaryRow.objects.create(
        committee=committee,
        year=year,
        position=position,
        label=label,
        kind=RowKind.ROW,
        operation=post.operation,
    )


def describe(started: StartedYear) -> list[str]:
    """What starting the year did, line by line, in Swedish (the command prints it)."""
    code, year = started.committee.code, started.year
    if started.already_started:
        return [f"{code} {year} är redan startat ur {started.budget.title}: inget ändrat."]
    lines = [f"{code} {year} startat ur {started.budget.title} ({_decision(started.budget)})."]
    lines.append(f"Rader i driftsammandraget: {len(started.rows)}")
    for row in started.rows:
        amount = "ingen budget" if row.full_year is None else f"{_kr(row.full_year)} kr"
        key = f", {row.key.lower()}" if row.key else ""
        lines.append(f"  {row.label}: budget helår {amount}{key}")
    lines.append(f"Summa budget helår: {_kr(started.total)} kr")
    for text in started.skipped:
        lines.append(f"Hoppade över: {text}")
    for text in started.apart:
        lines.append(f"Slår ihop eller delar rader, utan föregående års siffror: {text}")
    for text in started.mappings:
        lines.append(f"Kodmappning: {text}")
    for name, amount in started.investments:
        lines.append(f"Investeringsbudget: {name} {_kr(amount)} kr")
    for period in started.periods:
        deadline = f", klar senast {period.deadline.isoformat()}" if period.deadline else ""
        lines.append(f"Period: {period.title}{deadline}")
    return lines


def _decision(budget: InternalBudget) -> str:
    return budget.decision or "beslutet är inte angivet"


def _kr(amount: Decimal) -> str:
    # Plain spaces: a terminal or a log shows them as they are.
    return format_swedish(amount, 2).replace("\xa0", " ")


# --- the year as its page shows it -------------------------------------------------------


@dataclass
class YearRow:
    row: SummaryRow
    full_year: Decimal | None
    key: str  # PeriodisationKey value or ""
    from_month: int
    months: list[Decimal | None]

    @property
    def key_label(self) -> str:
        return PeriodisationKey(self.key).label if self.key else ""

    @property
    def key_short(self) -> str:
        return KEY_SHORT.get(self.key, "")


@dataclass
class FollowUpYear:
    committee: Committee
    year: int
    versions: list[InternalBudget]
    adopted: InternalBudget | None
    started: bool
    rows: list[YearRow] = field(default_factory=list)
    periods: list[ReportingPeriod] = field(default_factory=list)
    investments: list[InvestmentBudget] = field(default_factory=list)
    cycle: list[AnnualCycleStep] = field(default_factory=list)

    @property
    def month_totals(self) -> list[Decimal]:
        return [sum((r.months[m] or Decimal(0) for r in self.rows), Decimal(0)) for m in range(12)]

    @property
    def total(self) -> Decimal:
        return sum((r.full_year or Decimal(0) for r in self.rows), Decimal(0))

    @property
    def refusal(self) -> str:
        return "" if self.adopted else _no_adopted_budget(self.committee, self.year)


def build_follow_up_year(committee: Committee, year: int) -> FollowUpYear:
    """Everything the year page shows, in a fixed number of queries."""
    versions = list(
        InternalBudget.objects.filter(committee=committee, year=year).order_by("-version")
    )
    adopted = next((v for v in versions if v.is_adopted), None)
    rows = list(
        SummaryRow.objects.filter(committee=committee, year=year)
        .select_related("operation")
        .order_by("position")
    )
    year_amounts = {
        ya.row_id: ya for ya in YearAmount.objects.filter(row__in=rows, measure=Measure.BUDGET)
    }
    months: dict[int, list[Decimal | None]] = {row.pk: [None] * 12 for row in rows}
    for row_id, month, amount in MonthlyAmount.objects.filter(
        row__in=rows, measure=Measure.BUDGET
    ).values_list("row_id", "month", "amount"):
        months[row_id][month - 1] = amount
    started = any(
        ya.internal_budget_id and ya.internal_budget_id in {v.pk for v in versions}
        for ya in year_amounts.values()
    )
    follow_up = FollowUpYear(committee, year, versions, adopted, started)
    for row in rows:
        ya = year_amounts.get(row.pk)
        follow_up.rows.append(
            YearRow(
                row,
                ya.amount if ya else None,
                ya.key if ya else "",
                ya.from_month if ya else 1,
                months[row.pk],
            )
        )
    follow_up.periods = list(
        ReportingPeriod.objects.filter(committee=committee, year=year).order_by("month", "kind")
    )
    follow_up.investments = list(
        InvestmentBudget.objects.filter(investment__committee=committee, year=year)
        .select_related("investment")
        .order_by("investment__code", "investment__name")
    )
    follow_up.cycle = annual_cycle_of(committee)
    return follow_up


def set_keys(
    committee: Committee, year: int, chosen: Mapping[int, str], uploaded: Mapping[str, Key], user
) -> list[str]:
    """Spread the budget of the rows in `chosen` (row id → key name) anew by their key,
    keeping each row's full-year budget and the months before its version's first month.
    All rows or none: YearRefused with every reason."""
    rows = list(
        SummaryRow.objects.filter(committee=committee, year=year, pk__in=list(chosen))
        .select_related("operation")
        .order_by("position")
    )
    year_amounts = {
        ya.row_id: ya for ya in YearAmount.objects.filter(row__in=rows, measure=Measure.BUDGET)
    }
    by_name = {name: keys_by_row(rows, name, uploaded) for name in set(chosen.values())}
    problems, plan = [], []
    for row in rows:
        ya = year_amounts.get(row.pk)
        if ya is None:
            problems.append(f"Raden {row.label}: raden har ingen helårsbudget att periodisera.")
            continue
        key = by_name[chosen[row.pk]][row.pk]
        if isinstance(key, str):
            problems.append(f"Raden {row.label}: {key}.")
            continue
        plan.append((row, ya, key))
    if problems:
        raise YearRefused(problems)
    changed = []
    with transaction.atomic():
        edits = []
        for row, ya, key in plan:
            old_key = ya.get_key_display() or "–"
            store_budget(row, ya.amount, key, ya.internal_budget, ya.post, from_month=ya.from_month)
            edits.append(
                Edit(f"Periodiserad budget {year}: {row.label}", "nyckel", old_key, key.label)
            )
            changed.append(row.label)
        record_changes(
            committee=committee, period=None, user=user, source=ChangeSource.FORM, edits=edits
        )
    return changed
