"""Line charts laid out on the server as inline SVG: no JavaScript, prints as it shows."""

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from amn.lib.money import format_swedish


@dataclass
class Tick:
    position: str  # an SVG coordinate, always with a decimal point
    label: str


def coordinate(value: float) -> str:
    return f"{value:.1f}"


def nice_step(span: Decimal, ticks: int = 5) -> Decimal:
    """A step of 1, 2 or 5 times a power of ten giving about `ticks` intervals."""
    raw = span / ticks if span > 0 else Decimal(1)
    exponent = raw.adjusted()
    for factor in (1, 2, 5, 10):
        step = Decimal(factor).scaleb(exponent)
        if step >= raw:
            return step
    return Decimal(10).scaleb(exponent)


class ChartLayout:
    """Where the plot area and the axis labels lie, from a chart's size and margins."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def y_label_x(self) -> int:
        return self.left - 6

    @property
    def x_label_y(self) -> int:
        return self.height - self.bottom + 20


@dataclass
class ChartLine:
    label: str
    points: str  # "x,y x,y …" of the points with a value
    dots: list[tuple[str, str, str]]  # x, y, the point's text
    css_class: str


@dataclass
class MultiLineChart(ChartLayout):
    """Several series over the same categories (years), with a legend."""

    title: str
    width: int = 720
    height: int = 300
    left: int = 64
    right: int = 16
    top: int = 16
    bottom: int = 48
    unit: str = ""
    lines: list[ChartLine] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines


def multi_line_chart(
    title: str,
    categories: list[str],
    series: list[tuple[str, list[Decimal | None]]],
    *,
    unit: str = "",
    decimals: int = 1,
) -> MultiLineChart:
    """Lay out `series` (label, one value or None per category) as lines."""
    chart = MultiLineChart(title, unit=unit)
    known = [v for _, values in series for v in values if v is not None]
    if not known or not categories:
        return chart
    low, high = min(known), max(known)
    step = max(nice_step(high - low), Decimal(1).scaleb(-decimals))
    bottom = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    top = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    if top == bottom:
        top = bottom + step
    plot_width = chart.width - chart.left - chart.right
    plot_height = chart.height - chart.top - chart.bottom
    x_step = plot_width / max(len(categories) - 1, 1)

    def x_of(index: int) -> float:
        return chart.left + index * x_step if len(categories) > 1 else chart.left + plot_width / 2

    def y_of(value: Decimal) -> float:
        return chart.top + plot_height * float((top - value) / (top - bottom))

    tick = bottom
    while tick <= top:
        chart.y_ticks.append(Tick(coordinate(y_of(tick)), format_swedish(tick, decimals)))
        tick += step
    chart.x_ticks = [Tick(coordinate(x_of(i)), label) for i, label in enumerate(categories)]
    for number, (label, values) in enumerate(series):
        dots = [
            (
                coordinate(x_of(i)),
                coordinate(y_of(v)),
                f"{label}, {categories[i]}: {format_swedish(v, decimals)} {unit}".strip(),
            )
            for i, v in enumerate(values)
            if v is not None
        ]
        if dots:
            chart.lines.append(
                ChartLine(
                    label=label,
                    points=" ".join(f"{x},{y}" for x, y, _ in dots),
                    dots=dots,
                    css_class=f"series series-{number % 8}",
                )
            )
    return chart
