"""The ledger lines behind an actual figure of the driftsammandrag, grouped by konto and
ansvar: what a reader opens to see where a number comes from."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum

from budget.models import (
    ImportStatus,
    LedgerImport,
    LedgerLine,
    Measure,
    MonthlyAmount,
    SummaryRow,
)


@dataclass
class LineGroup:
    account: str
    responsibility: str
    amount: Decimal
    lines: int
    first_month: int
    last_month: int


@dataclass
class LinesBehind:
    groups: list[LineGroup] = field(default_factory=list)
    total: Decimal = Decimal(0)
    figure: Decimal | None = None
    months_without_lines: list[int] = field(default_factory=list)
    imports: list[dict] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.figure is not None and self.figure == self.total


def current_lines(committee_id: int):
    """Lines of the nämnd that count: of an active import, not replaced by a later one."""
    return LedgerLine.objects.filter(
        ledger_import__in=LedgerImport.objects.filter(
            committee_id=committee_id, status=ImportStatus.ACTIVE
        ),
        replaced_by__isnull=True,
    )


def lines_behind(row: SummaryRow, month: int) -> LinesBehind:
    """Actual January..month of `row` (and its "varav" details) as ledger lines."""
    lines = current_lines(row.committee_id).filter(
        Q(row=row) | Q(row__parent=row), year=row.year, month__lte=month, measure=Measure.ACTUAL
    )
    behind = LinesBehind()
    for item in (
        lines.values("account", "responsibility")
        .annotate(
            amount=Sum("amount"),
            lines=Count("pk"),
            first_month=Min("month"),
            last_month=Max("month"),
        )
        .order_by("account", "responsibility")
    ):
        behind.groups.append(LineGroup(**item))
        behind.total += item["amount"]
    behind.imports = list(
        lines.values("ledger_import_id", "ledger_import__file_name", "ledger_import__confirmed_at")
        .annotate(lines=Count("pk"))
        .order_by("ledger_import__confirmed_at")
    )
    stored = dict(
        MonthlyAmount.objects.filter(row=row, measure=Measure.ACTUAL, month__lte=month).values_list(
            "month", "amount"
        )
    )
    behind.figure = sum(stored.values()) if stored else None
    # Months of the figure that came from elsewhere than a ledger import (demo data,
    # entered by hand): no line of the nämnd was imported for them.
    covered = set(
        current_lines(row.committee_id)
        .filter(
            year=row.year,
            month__lte=month,
            measure=Measure.ACTUAL,
        )
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    behind.months_without_lines = sorted(set(stored) - covered)
    return behind
