"""Volymmått and personal tables of a period: utfall, prognos and målvärde, per förvaltning
where the nämnd reports so. Columns nobody has a value in are left out, as the reports do.
"""

from dataclasses import dataclass

from amn.models import Committee
from indicators.models import Indicator, IndicatorKind, ValueKind
from indicators.services.indicator_rows import (
    Column,
    Footnotes,
    IndicatorRow,
    indicator_rows,
    load_series,
    load_values,
)

TITLES = {IndicatorKind.VOLUME: "Basuppdrag (volymmått)", IndicatorKind.PERSONNEL: "Personal"}


@dataclass
class MeasureTable:
    kind: str
    year: int
    month: int
    columns: list[Column]
    rows: list[IndicatorRow]
    footnotes: list[tuple[int, str]]
    has_targets: bool

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def column_labels(self) -> list[str]:
        return [column.label for column in self.columns]


def measure_columns(year: int, month: int) -> list[Column]:
    columns = [Column(year - 1, 12)]
    if month != 12:
        columns.append(Column(year - 1, month))
    columns.append(Column(year, month))
    columns.append(Column(year, 12, ValueKind.FORECAST))
    return columns


def build_measure_table(committee: Committee, kind: str, year: int, month: int) -> MeasureTable:
    columns = measure_columns(year, month)
    current = Column(year, month)
    indicators = list(
        Indicator.objects.filter(committee=committee, kind=kind).order_by("position", "pk")
    )
    series = load_series(committee, [kind])
    stored = load_values(committee, [kind], columns, year)
    footnotes = Footnotes()
    rows: list[IndicatorRow] = []
    for indicator in indicators:
        rows += indicator_rows(
            indicator, series[indicator.pk], columns, current, year, stored, footnotes
        )
    used = [i for i in range(len(columns)) if any(row.cells[i].present for row in rows)]
    for row in rows:
        row.cells = [row.cells[i] for i in used]
    return MeasureTable(
        kind=kind,
        year=year,
        month=month,
        columns=[columns[i] for i in used],
        rows=rows,
        footnotes=footnotes.items,
        has_targets=any(row.target.target for row in rows),
    )
