"""Ekonomiskt bistånd month by month: the net cost of each month and of the 12 months
ending in it (the rolling 12-month cost the reports draw to even out monthly swings).

The rows are the driftsammandrag rows whose verksamhet is "575 - Ekonomiskt bistånd", and
the rows they were the year before (`predecessor`), whatever those were called. Two
queries, whatever the number of months or years.
"""

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db.models import Sum

from amn.lib.charts import ChartLayout, Tick, coordinate, nice_step
from amn.lib.money import Unit, format_swedish, in_unit
from amn.lib.periods import is_valid_month
from amn.models import MONTH_NAMES, Committee
from budget.models import Measure, MonthlyAmount, RowKind, SummaryRow

OPERATION_CODE = "575"
MONTHS_SHOWN = 24
ROLLING = 12


@dataclass(frozen=True)
class MonthPoint:
    year: int
    month: int
    amount: Decimal | None  # net cost of the month; None where nothing is recorded
    rolling: Decimal | None  # the 12 months ending here; None unless all 12 are recorded

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def short_label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1][:3]} {self.year}"


@dataclass
class SocialAssistanceSeries:
    committee: Committee
    year: int
    month: int
    rows: list[SummaryRow] = field(default_factory=list)
    points: list[MonthPoint] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The row's label in the chosen year, e.g. "575 - Ekonomiskt bistånd"."""
        current = [row for row in self.rows if row.year == self.year]
        return (current or self.rows)[-1].label if self.rows else ""

    @property
    def has_data(self) -> bool:
        return any(point.amount is not None for point in self.points)


def months_back(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """The `count` months ending in year/month, oldest first."""
    index = year * 12 + month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


def build_social_assistance(
    committee: Committee,
    year: int,
    month: int,
    code: str = OPERATION_CODE,
    months: int = MONTHS_SHOWN,
) -> SocialAssistanceSeries:
    if not is_valid_month(month):
        raise ValueError(f"Månaden måste vara 1–12, inte {month}.")
    wanted = [(y, m + 1) for y, m in months_back(year, month, months + ROLLING - 1)]
    years = {y for y, _ in wanted}
    candidates = {
        row.pk: row
        for row in SummaryRow.objects.filter(
            committee=committee, year__in=years, kind=RowKind.ROW
        ).select_related("operation")
    }
    chosen = {pk for pk, row in candidates.items() if row.code == code}
    # Follow the rows back through the years: the row a 575 row was the year before counts
    # even when that year's row set had no verksamhet codes.
    frontier = set(chosen)
    while frontier:
        frontier = {
            candidates[pk].predecessor_id
            for pk in frontier
            if candidates[pk].predecessor_id in candidates
        } - chosen
        chosen |= frontier
    # A "varav" line is part of its parent: never count both.
    chosen = {pk for pk in chosen if candidates[pk].parent_id not in chosen}
    rows = sorted((candidates[pk] for pk in chosen), key=lambda row: (row.year, row.position))
    series = SocialAssistanceSeries(committee=committee, year=year, month=month, rows=rows)
    if not rows:
        return series

    by_month: dict[tuple[int, int], Decimal] = {}
    for item in (
        MonthlyAmount.objects.filter(row__in=rows, measure=Measure.ACTUAL)
        .values("row__year", "month")
        .annotate(amount=Sum("amount"))
    ):
        by_month[(item["row__year"], item["month"])] = item["amount"]

    for position in range(ROLLING - 1, len(wanted)):
        key = wanted[position]
        window = [by_month.get(k) for k in wanted[position - ROLLING + 1 : position + 1]]
        rolling = None if None in window else sum(window, Decimal(0))
        series.points.append(MonthPoint(key[0], key[1], by_month.get(key), rolling))
    return series


# The chart ------------------------------------------------------------------------------


@dataclass
class LineChart(ChartLayout):
    """A line chart laid out for inline SVG: coordinates in the SVG's own units.

    `segments` are runs of consecutive months with a value; a month without one leaves
    a gap. Values are in mnkr; labels use the Swedish decimal comma.
    """

    title: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    segments: list[list[tuple[str, str, str]]] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    unit_label: str = "mnkr"

    @property
    def polylines(self) -> list[str]:
        return [" ".join(f"{x},{y}" for x, y, _ in segment) for segment in self.segments]

    @property
    def dots(self) -> list[tuple[str, str, str]]:
        """x, y and the point's text ("augusti 2023: 305,2 mnkr")."""
        return [dot for segment in self.segments for dot in segment]

    @property
    def empty(self) -> bool:
        return not self.segments


def line_chart(
    title: str,
    points: list[MonthPoint],
    values: list[Decimal | None],
    width: int = 720,
    height: int = 300,
) -> LineChart:
    """Lay out one series (kronor, one per point) as a line chart in mnkr."""
    chart = LineChart(title, width, height, left=64, right=16, top=16, bottom=48)
    shown = [in_unit(v, Unit.MNKR) if v is not None else None for v in values]
    known = [v for v in shown if v is not None]
    if not known:
        return chart
    low, high = min(known), max(known)
    # Labels show one decimal: a finer step would repeat them.
    step = max(nice_step(high - low), Decimal("0.1"))
    bottom = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    top = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    if top == bottom:
        top = bottom + step
    plot_width = width - chart.left - chart.right
    plot_height = height - chart.top - chart.bottom
    x_step = plot_width / max(len(points) - 1, 1)

    def y_of(value: Decimal) -> float:
        return chart.top + plot_height * float((top - value) / (top - bottom))

    tick = bottom
    while tick <= top:
        chart.y_ticks.append(Tick(coordinate(y_of(tick)), format_swedish(tick, 1)))
        tick += step
    segment: list[tuple[str, str, str]] = []
    for index, (point, value) in enumerate(zip(points, shown, strict=True)):
        x = chart.left + index * x_step
        if (len(points) - 1 - index) % 3 == 0:  # every third month, ending with the last
            chart.x_ticks.append(Tick(coordinate(x), point.short_label))
        if value is None:
            if segment:
                chart.segments.append(segment)
            segment = []
            continue
        segment.append(
            (
                coordinate(x),
                coordinate(y_of(value)),
                f"{point.label}: {format_swedish(value, 1)} mnkr",
            )
        )
    if segment:
        chart.segments.append(segment)
    return chart


def charts(series: SocialAssistanceSeries) -> list[LineChart]:
    """The rolling 12-month cost, as the reports draw it, and the cost of each month."""
    return [
        line_chart(
            "Kostnad för ekonomiskt bistånd i 12-månadersperioder",
            series.points,
            [point.rolling for point in series.points],
        ),
        line_chart(
            "Kostnad för ekonomiskt bistånd per månad",
            series.points,
            [point.amount for point in series.points],
        ),
    ]
