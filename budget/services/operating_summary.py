"""The driftsammandrag of a nämnd for January..month of a year.

Two tables in one: the result to date (actual, periodised budget, deviation, actual of the
same months the year before) and the full year (forecast, budget, deviation, bokslut the
year before). Sums are of exact kronor; rounding happens only when shown.

A full-year figure recorded without months (a helårsbudget not yet periodised, a bokslut
entered from a template) stands in where a row has no monthly amount of its measure; the
figures to date then stay empty, since nothing says how the year was spread.

The whole summary costs four queries, whatever the number of rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, Q, Sum

from amn.lib.money import deviation
from amn.lib.periods import is_valid_month
from amn.models import Committee, PeriodKind
from budget.models import Forecast, Measure, MonthlyAmount, RowKind, SummaryRow, YearAmount

SUM_LABEL = "Summa nettokostnader"
COSTS_LABEL = "varav kostnader"
REVENUES_LABEL = "varav intäkter"
TOTAL_LABEL = "Summa nettokostnader inkl. kommunal verksamhet"


@dataclass
class Figures:
    """The six stored figures of a line; None where nothing is recorded."""

    actual: Decimal | None = None
    budget: Decimal | None = None
    actual_previous_year: Decimal | None = None
    forecast: Decimal | None = None
    budget_full_year: Decimal | None = None
    result_previous_year: Decimal | None = None

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            **{f.name: add(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)}
        )


def add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


FIGURE_NAMES = [f.name for f in fields(Figures)]
TO_DATE = ("actual", "budget", "actual_previous_year")
FULL_YEAR = ("forecast", "budget_full_year", "result_previous_year")


@dataclass
class SummaryLine:
    label: str
    code: str
    kind: str  # row, detail, sum, part, units, total
    figures: Figures
    in_full_year_table: bool = True
    row_id: int | None = None  # the SummaryRow behind a row, detail or units line

    @property
    def deviation(self) -> Decimal | None:
        return deviation(self.figures.budget, self.figures.actual)

    @property
    def forecast_deviation(self) -> Decimal | None:
        return deviation(self.figures.budget_full_year, self.figures.forecast)

    def values(self) -> dict[str, Decimal | None]:
        """The eight figures by name, in table order."""
        f = self.figures
        return {
            "actual": f.actual,
            "budget": f.budget,
            "deviation": self.deviation,
            "actual_previous_year": f.actual_previous_year,
            "forecast": f.forecast,
            "budget_full_year": f.budget_full_year,
            "forecast_deviation": self.forecast_deviation,
            "result_previous_year": f.result_previous_year,
        }


FIGURE_COLUMNS = [
    "actual",
    "budget",
    "deviation",
    "actual_previous_year",
    "forecast",
    "budget_full_year",
    "forecast_deviation",
    "result_previous_year",
]


@dataclass
class OperatingSummary:
    committee: Committee
    year: int
    month: int
    lines: list[SummaryLine] = field(default_factory=list)


@dataclass
class _Split:
    """Net, intäkter, and whether every record behind them carried the split."""

    net: Figures = field(default_factory=Figures)
    revenues: Figures = field(default_factory=Figures)
    complete: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(FIGURE_NAMES, True))


def build_operating_summary(committee: Committee, year: int, month: int) -> OperatingSummary:
    if not is_valid_month(month):
        raise ValueError(f"Månaden måste vara 1–12, inte {month}.")
    rows = list(
        SummaryRow.objects.filter(committee=committee, year=year)
        .select_related("operation")
        .order_by("position")
    )
    splits = _figures_by_row(committee, year, month, rows)

    summary = OperatingSummary(committee=committee, year=year, month=month)
    summed = _Split()
    for row in rows:
        if row.kind != RowKind.ROW:
            continue
        split = splits[row.pk]
        summary.lines.append(
            SummaryLine(
                row.label,
                row.code,
                "detail" if row.parent_id else "row",
                split.net,
                row.in_full_year_table,
                row_id=row.pk,
            )
        )
        if not row.parent_id:
            summed.net = summed.net + split.net
            summed.revenues = summed.revenues + split.revenues
            for name in FIGURE_NAMES:
                summed.complete[name] &= split.complete[name]
    summary.lines.append(SummaryLine(SUM_LABEL, "", "sum", summed.net))

    revenues = Figures(
        **{n: getattr(summed.revenues, n) if summed.complete[n] else None for n in FIGURE_NAMES}
    )
    costs = Figures(
        **{
            n: None
            if getattr(revenues, n) is None
            else getattr(summed.net, n) - getattr(revenues, n)
            for n in FIGURE_NAMES
        }
    )
    if any(getattr(revenues, n) is not None for n in FIGURE_NAMES):
        summary.lines.append(SummaryLine(COSTS_LABEL, "", "part", costs))
        summary.lines.append(SummaryLine(REVENUES_LABEL, "", "part", revenues))

    total = summed.net
    for row in rows:
        if row.kind == RowKind.UNITS:
            net = splits[row.pk].net
            summary.lines.append(SummaryLine(row.label, row.code, "units", net, row_id=row.pk))
            total = total + net
    summary.lines.append(SummaryLine(TOTAL_LABEL, "", "total", total))
    return summary


def _figures_by_row(
    committee: Committee, year: int, month: int, rows: list[SummaryRow]
) -> dict[int, _Split]:
    splits: dict[int, _Split] = defaultdict(_Split)
    row_of_predecessor = {row.predecessor_id: row.pk for row in rows if row.predecessor_id}
    to_date = Q(month__lte=month)
    aggregated = (
        MonthlyAmount.objects.filter(
            Q(row__committee=committee, row__year=year)
            | Q(row__in=list(row_of_predecessor), measure=Measure.ACTUAL)
        )
        .values("row_id", "measure")
        .annotate(
            net_to_date=Sum("amount", filter=to_date),
            net_full=Sum("amount"),
            revenues_to_date=Sum("revenues", filter=to_date),
            revenues_full=Sum("revenues"),
            unsplit_to_date=Count("pk", filter=to_date & Q(revenues__isnull=True)),
            unsplit_full=Count("pk", filter=Q(revenues__isnull=True)),
            months_full=Count("month", distinct=True),
        )
    )
    full_year_rows = {row.pk for row in rows if row.in_full_year_table}
    monthly = set()
    for item in aggregated:
        if item["row_id"] not in row_of_predecessor or item["months_full"] == 12:
            monthly.add((item["row_id"], item["measure"]))
        if item["row_id"] in row_of_predecessor:
            row_id = row_of_predecessor[item["row_id"]]
            names = ("actual_previous_year", "result_previous_year")
        elif item["measure"] == Measure.ACTUAL:
            row_id, names = item["row_id"], ("actual", None)
        else:
            row_id, names = item["row_id"], ("budget", "budget_full_year")
        split = splits[row_id]
        for name, suffix in zip(names, ("to_date", "full"), strict=True):
            if name is None or (suffix == "full" and row_id not in full_year_rows):
                continue
            # A bokslut is the whole year: months recorded up to a follow-up are not one.
            if name == "result_previous_year" and item["months_full"] < 12:
                continue
            setattr(split.net, name, item[f"net_{suffix}"])
            setattr(split.revenues, name, item[f"revenues_{suffix}"])
            split.complete[name] = item[f"unsplit_{suffix}"] == 0
    year_amounts = YearAmount.objects.filter(
        Q(row__in=rows) | Q(row__in=list(row_of_predecessor), measure=Measure.ACTUAL)
    ).values_list("row_id", "measure", "amount")
    for row_id, measure, amount in year_amounts:
        if (row_id, measure) in monthly:
            continue
        if row_id in row_of_predecessor:
            row_id, name = row_of_predecessor[row_id], "result_previous_year"
        elif measure == Measure.BUDGET:
            name = "budget_full_year"
        else:
            continue
        if row_id not in full_year_rows:
            continue
        split = splits[row_id]
        setattr(split.net, name, amount)
        split.complete[name] = False
    forecasts = Forecast.objects.filter(
        row__in=rows, period__year=year, period__month=month
    ).exclude(period__kind=PeriodKind.BUDGET)
    for forecast in forecasts.only("row_id", "amount", "revenues"):
        split = splits[forecast.row_id]
        split.net.forecast = forecast.amount
        split.revenues.forecast = forecast.revenues
        split.complete["forecast"] = forecast.revenues is not None
    for row in rows:
        split = splits[row.pk]
        for name in FIGURE_NAMES:
            if getattr(split.net, name) is None:
                split.complete[name] = False
    return splits
