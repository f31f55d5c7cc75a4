"""Indicator values laid out as report rows: one row per indicator and sub-series, one cell
per column (a full year, a period, a forecast), the målvärde, and numbered footnotes.

Shared by the goal tables (nämndindikatorer) and the volymmått and personal tables, so the
same value prints the same way everywhere.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.db.models import Q

from amn.models import MONTH_NAMES, Committee
from indicators.models import Indicator, IndicatorValue, Series, Target, ValueKind
from indicators.targets import describe_target, format_value, target_met


@dataclass(frozen=True)
class Column:
    """A column of values: the outcome (or forecast) at the end of `month` of `year`."""

    year: int
    month: int
    kind: str = ValueKind.OUTCOME

    @property
    def label(self) -> str:
        """ "Helår 2022", "Augusti 2023", "Prognos 2023"."""
        if self.kind == ValueKind.FORECAST:
            return f"Prognos {self.year}"
        return period_label(self.year, self.month)

    @cached_property
    def key(self) -> tuple[int, int, str]:
        # Plain str: a TextChoices member hashes in Python, and tables look keys up
        # thousands of times.
        return (self.year, self.month, str(self.kind))


def period_label(year: int, month: int) -> str:
    if month == 12:
        return f"Helår {year}"
    return f"{MONTH_NAMES[month - 1].capitalize()} {year}"


class Footnotes:
    """Numbered footnotes of one table; the same text keeps its first number."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def number(self, text: str) -> list[int]:
        text = text.strip()
        if not text:
            return []
        if text not in self._numbers:
            self._numbers[text] = len(self._numbers) + 1
        return [self._numbers[text]]

    @property
    def items(self) -> list[tuple[int, str]]:
        return [(number, text) for text, number in self._numbers.items()]


@dataclass
class ValueCell:
    """What one cell prints: "88,9", "I.U." or nothing, with its footnote numbers."""

    value: Decimal | None = None
    decimals: int = 0
    missing: bool = False
    annotation: str = ""
    notes: list[int] = field(default_factory=list)
    origin: str = ""

    @property
    def present(self) -> bool:
        return self.value is not None or self.missing

    @property
    def text(self) -> str:
        if not self.present:
            return ""
        shown = format_value(self.value, self.decimals)
        return f"{shown} {self.annotation}" if self.annotation else shown


@dataclass
class TargetCell:
    target: Target | None = None
    notes: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return describe_target(self.target) if self.target else ""

    @property
    def number(self) -> Decimal | None:
        """The målvärde as a number when it is one (for spreadsheets and scripts)."""
        if self.target is not None and self.target.kind == "number":
            return self.target.value
        return None


@dataclass
class IndicatorRow:
    """One line of a table: an indicator's name line or one of its sub-series.

    A name line carries the values of the main series (Totalt) when the indicator has one;
    an indicator reported only per förvaltning or studieväg gets a name line without
    values and a line per series.
    """

    indicator: Indicator
    series: Series | None
    label: str
    is_name_row: bool
    cells: list[ValueCell]
    target: TargetCell
    target_met: bool | None
    heading: str = ""  # a group heading ("Vuxenutbildning") printed before this row
    notes: list[int] = field(default_factory=list)  # footnotes on the name

    @property
    def series_label(self) -> str:
        return self.series.label if self.series else ""

    @property
    def met_text(self) -> str:
        return {True: "Ja", False: "Nej"}.get(self.target_met, "")


def is_main_series(series: Series) -> bool:
    return series.gender == "T" and series.administration_id is None


class StoredValue(NamedTuple):
    """The fields of an IndicatorValue a table prints: read as plain tuples, since a goal
    table of a large nämnd holds thousands of them."""

    value: Decimal | None
    decimals: int
    missing: bool
    annotation: str
    note: str
    origin: str


STORED_FIELDS = ["series_id", "year", "month", "kind", *StoredValue._fields]


@dataclass
class StoredValues:
    """The values and targets of some series, fetched in two queries."""

    values: dict[tuple[int, int, int, str], StoredValue]
    targets: dict[tuple[int, int], Target]

    def value(self, series: Series, column: Column) -> StoredValue | None:
        return self.values.get((series.pk, *column.key))

    def target(self, series: Series, year: int) -> Target | None:
        return self.targets.get((series.pk, year))


def load_values(
    committee: Committee, kinds: Sequence[str], columns: Sequence[Column], target_year: int
) -> StoredValues:
    """The values of the nämnd's indicators of `kinds` in `columns` (and the full year
    before each, for direction targets), and their målvärden of `target_year`. Selected by
    nämnd rather than by a list of series, which a large nämnd would make very long."""
    wanted = {column.key for column in columns}
    wanted |= {(column.year - 1, 12, str(ValueKind.OUTCOME)) for column in columns}
    periods = Q()
    for year, month, kind in wanted:
        periods |= Q(year=year, month=month, kind=kind)
    mine = {"series__indicator__committee": committee, "series__indicator__kind__in": kinds}
    values = {
        (row[0], row[1], row[2], row[3]): StoredValue(*row[4:])
        for row in IndicatorValue.objects.filter(periods, **mine).values_list(*STORED_FIELDS)
    }
    targets = {(t.series_id, t.year): t for t in Target.objects.filter(year=target_year, **mine)}
    return StoredValues(values, targets)


def load_series(committee: Committee, kinds: Sequence[str]) -> dict[int, list[Series]]:
    """The series of the nämnd's indicators of `kinds`, per indicator in order: one query."""
    by_indicator: dict[int, list[Series]] = defaultdict(list)
    for series in Series.objects.filter(
        indicator__committee=committee, indicator__kind__in=kinds
    ).order_by("indicator_id", "position", "pk"):
        by_indicator[series.indicator_id].append(series)
    return by_indicator


def value_cell(stored: StoredValue | IndicatorValue | None, footnotes: Footnotes) -> ValueCell:
    if stored is None:
        return ValueCell()
    return ValueCell(
        value=stored.value,
        decimals=stored.decimals,
        missing=stored.missing,
        annotation=stored.annotation,
        notes=footnotes.number(stored.note),
        origin=stored.origin,
    )


def judge_target(
    target: Target | None,
    stored: StoredValues,
    series: Series,
    current: Column,
    direction: str,
) -> bool | None:
    """Whether the current value meets the year's målvärde; a direction target compares
    with the previous full year."""
    now = stored.value(series, current)
    before = stored.value(series, Column(current.year - 1, 12))
    return target_met(
        target,
        now.value if now else None,
        before.value if before else None,
        direction,
    )


def indicator_rows(
    indicator: Indicator,
    series: Sequence[Series],
    columns: Sequence[Column],
    current: Column,
    target_year: int,
    stored: StoredValues,
    footnotes: Footnotes,
    *,
    keep_empty: bool = False,
) -> list[IndicatorRow]:
    """The rows of one indicator: its series with anything to show in the columns."""

    def has_content(s: Series) -> bool:
        return bool(stored.target(s, target_year)) or any(
            stored.value(s, column) for column in columns
        )

    shown = [s for s in series if keep_empty or has_content(s)]
    if not shown:
        return []
    name_notes = footnotes.number(indicator.note)

    def series_row(s: Series, label: str, is_name_row: bool) -> IndicatorRow:
        target = stored.target(s, target_year)
        return IndicatorRow(
            indicator=indicator,
            series=s,
            label=label,
            is_name_row=is_name_row,
            cells=[value_cell(stored.value(s, column), footnotes) for column in columns],
            target=TargetCell(target, footnotes.number(target.note) if target else []),
            target_met=judge_target(target, stored, s, current, indicator.direction),
            notes=name_notes if is_name_row else [],
        )

    main = next((s for s in shown if is_main_series(s)), None)
    if main is not None:
        rows = [series_row(main, indicator.name, True)]
    else:
        rows = [
            IndicatorRow(
                indicator=indicator,
                series=None,
                label=indicator.name,
                is_name_row=True,
                cells=[ValueCell() for _ in columns],
                target=TargetCell(),
                target_met=None,
                notes=name_notes,
            )
        ]
    rows += [series_row(s, s.label, False) for s in shown if s is not main]
    return rows


def with_group_headings(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """Marks the first row of each run of indicators in the same group with the group."""
    group = ""
    for row in rows:
        if row.is_name_row and row.indicator.group != group:
            group = row.indicator.group
            row.heading = group
    return rows
