"""One indicator over the years: every stored value of every series, the målvärden, and
a chart of the full-year outcomes. Three queries whatever the number of years."""

from dataclasses import dataclass

from amn.lib.charts import MultiLineChart, multi_line_chart
from indicators.models import Indicator, IndicatorValue, Series, Target, ValueKind
from indicators.services.indicator_rows import Column, Footnotes, ValueCell, value_cell
from indicators.targets import describe_target


@dataclass
class HistoryRow:
    series: Series
    cells: list[ValueCell]
    targets: list[str]  # one per target year


@dataclass
class IndicatorHistory:
    indicator: Indicator
    columns: list[Column]
    target_years: list[int]
    rows: list[HistoryRow]
    footnotes: list[tuple[int, str]]
    chart: MultiLineChart

    @property
    def missing_gender_split(self) -> bool:
        """A person-based indicator should be reported for women and men."""
        genders = {row.series.gender for row in self.rows if any(c.present for c in row.cells)}
        return self.indicator.person_based and not {"K", "M"} <= genders


def build_indicator_history(indicator: Indicator) -> IndicatorHistory:
    series = list(indicator.series.select_related("administration").order_by("position", "pk"))
    values = list(IndicatorValue.objects.filter(series__indicator=indicator))
    targets = {(t.series_id, t.year): t for t in Target.objects.filter(series__indicator=indicator)}
    columns = sorted(
        {Column(v.year, v.month, v.kind) for v in values},
        key=lambda c: (c.year, c.month, c.kind == ValueKind.FORECAST),
    )
    by_key = {(v.series_id, v.year, v.month, v.kind): v for v in values}
    target_years = sorted({year for _, year in targets})
    footnotes = Footnotes()
    rows = [
        HistoryRow(
            series=s,
            cells=[value_cell(by_key.get((s.pk, *c.key)), footnotes) for c in columns],
            targets=[
                describe_target(targets[(s.pk, year)]) if (s.pk, year) in targets else ""
                for year in target_years
            ],
        )
        for s in series
    ]
    full_years = [c for c in columns if c.month == 12 and c.kind == ValueKind.OUTCOME]
    chart_rows = [
        (row.series.label, [by_key.get((row.series.pk, *c.key)) for c in full_years])
        for row in rows
    ]
    decimals = max((v.decimals for v in values if v.value is not None), default=0)
    chart = multi_line_chart(
        f"{indicator.name}, helår",
        [str(c.year) for c in full_years],
        [
            (label, [v.value if v else None for v in stored])
            for label, stored in chart_rows
            if any(v and v.value is not None for v in stored)
        ][:8],
        unit=indicator.unit,
        decimals=decimals,
    )
    return IndicatorHistory(
        indicator=indicator,
        columns=columns,
        target_years=target_years,
        rows=[row for row in rows if any(c.present for c in row.cells) or any(row.targets)],
        footnotes=footnotes.items,
        chart=chart,
    )
