"""The Excel round trip of one nämnd's indicator values and målvärden.

Export, edit in Excel, import back: django-import-export `ModelResource`s with human columns
and Swedish headers instead of database ids. A row names its series by natural key (Typ,
Grupp, Indikator, Delserie) and its period by År (and Månad, Utfall/Prognos for values), so
the file reads like the reports and survives sorting, filtering and copying rows in Excel.

- Export (`export_sheet`): a `Sheet` for amn.lib.spreadsheet, so the xlsx holds real numbers
  shown with the decimals they were reported with, "I.U." and every other text as string
  cells (never formulas), and the CSV is what Swedish Excel opens.
- Reading an upload and importing it with a preview: indicators.services.round_trip.

A resource belongs to ONE nämnd: it only finds that nämnd's series, so a row naming another
nämnd's indicator is an error like any unknown name.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from import_export import fields, resources
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result

from amn.forms import too_long
from amn.lib.money import decimal_comma, parse_swedish_number
from amn.lib.periods import FIRST_YEAR, LAST_YEAR
from amn.lib.spreadsheet import FORMULA_STARTS, Reported, Sheet
from amn.lib.text import quoted
from amn.lib.uploads import cell_text as uploaded_cell_text
from amn.models import Committee
from indicators.models import (
    Indicator,
    IndicatorKind,
    IndicatorValue,
    Origin,
    Series,
    Target,
    ValueKind,
)
from indicators.targets import decimals_of, describe_target, parse_target
from indicators.values import LARGEST, MAX_DECIMALS, MISSING, is_missing_word

TYPE = "Typ"
GROUP = "Grupp"
INDICATOR = "Indikator"
SERIES = "Delserie"
YEAR = "År"
MONTH = "Månad"
VALUE_KIND = "Utfall/Prognos"
VALUE = "Värde"
TARGET = "Målvärde"
NOTE = "Fotnot"

VALUE_HEADERS = (TYPE, GROUP, INDICATOR, SERIES, YEAR, MONTH, VALUE_KIND, VALUE, NOTE)
TARGET_HEADERS = (TYPE, GROUP, INDICATOR, SERIES, YEAR, TARGET, NOTE)
VALUES_TITLE = "Indikatorvärden"
TARGETS_TITLE = "Målvärden"

KIND_ORDER = [IndicatorKind.INDICATOR, IndicatorKind.VOLUME, IndicatorKind.PERSONNEL]


# --- Reading cells ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowOrigin:
    sheet: str
    row: int

    @property
    def place(self) -> str:
        return f"rad {self.row}" + (f" på bladet {self.sheet}" if self.sheet else "")


class CellError(ValueError):
    """A cell that cannot be read. `column` is the header of the cell to correct: a
    natural key read by the Delserie field may fail on Typ or Indikator."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def normalised(text: str) -> str:
    """Names compare without case and runs of spaces, which Excel edits change easily."""
    return " ".join(text.split()).casefold()


def cell_text(cell: object) -> str:
    """A cell as text: a whole number read as 2023.0 is "2023", and the apostrophe our CSV
    export puts before formula-looking text is taken away again."""
    text = uploaded_cell_text(cell)
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def shown_cell(cell: object) -> str:
    """A cell as an error message quotes it."""
    if isinstance(cell, float) and not cell.is_integer():
        return decimal_comma(cell)
    text = cell_text(cell)
    return text if len(text) <= 80 else text[:77] + "…"


def whole_number(cell: object, column: str, low: int, high: int, hint: str) -> int:
    if isinstance(cell, bool):
        raise CellError(column, hint)
    if isinstance(cell, int):
        number = cell
    elif isinstance(cell, float) and cell.is_integer():
        number = int(cell)
    else:
        try:
            number = int(cell_text(cell))
        except ValueError:
            raise CellError(column, hint) from None
    if not low <= number <= high:
        raise CellError(column, hint)
    return number


@dataclass(frozen=True)
class ReadNumber:
    """A number read from a cell. `decimals` is what a typed text shows ("6,0" → 1); None
    for a numeric cell, whose decimals are only the cell format's, which is not read."""

    value: Decimal
    decimals: int | None


def read_number(cell: object, column: str) -> ReadNumber:
    if isinstance(cell, bool):
        raise CellError(column, "Ett sant/falskt-värde är inte ett tal.")
    if isinstance(cell, int):
        number, decimals = Decimal(cell), None
    elif isinstance(cell, float):
        # repr is the shortest text that reads back as the same float: 88.3, not 88.299999…
        number = Decimal(int(cell)) if cell.is_integer() else Decimal(repr(cell))
        decimals = None
    else:
        text = cell_text(cell)
        try:
            number = parse_swedish_number(text)
        except ValueError:
            raise CellError(
                column, "Inte ett tal. Skriv ett tal som 88,9 eller I.U. (ingen uppgift)."
            ) from None
        decimals = decimals_of(number)
    if decimals_of(number) > MAX_DECIMALS:
        raise CellError(column, f"Talet har fler än {MAX_DECIMALS} decimaler.")
    if abs(number) > LARGEST:
        raise CellError(column, "Talet är för stort (högst 10 siffror före decimalkommat).")
    return ReadNumber(number, decimals)


def decimals_to_store(read: ReadNumber, stored: Decimal | None, stored_decimals: int) -> int:
    """A typed "6,0" is shown with one decimal. A numeric cell keeps the decimals of the
    stored value when it is the same number (Excel drops the trailing zero of 6,0), and
    otherwise shows as many as the number has."""
    if read.decimals is not None:
        return read.decimals
    if stored is not None and stored == read.value:
        return stored_decimals
    return decimals_of(read.value)


def reported(value: Decimal, decimals: int) -> Reported:
    """The number as exported: with its reported decimals, but never fewer than it has, so
    the CSV (which prints the decimals) cannot round a stored value away."""
    return Reported(value, max(decimals, decimals_of(value.normalize())))


def label_of(choices, code: str) -> str:
    return dict(choices.choices).get(code, code)


def choice_from_label(choices, cell: object, column: str, hint: str) -> str:
    wanted = normalised(cell_text(cell))
    for code, label in choices.choices:
        if normalised(label) == wanted:
            return code
    raise CellError(column, hint)


def read_indicator_kind(cell: object) -> str:
    return choice_from_label(
        IndicatorKind,
        cell,
        TYPE,
        "Okänd typ. Skriv Nämndindikator, Volymmått eller Personal.",
    )


# --- The nämnd's series by natural key -----------------------------------------------------


class SeriesIndex:
    """Every indicator and series of one nämnd by natural key, read in two queries."""

    def __init__(self, committee: Committee) -> None:
        self.committee = committee
        indicators = list(Indicator.objects.filter(committee=committee))
        self.indicators = {(i.kind, normalised(i.group), normalised(i.name)): i for i in indicators}
        self.places_by_name: dict[str, list[Indicator]] = defaultdict(list)
        for indicator in indicators:
            self.places_by_name[normalised(indicator.name)].append(indicator)
        self.series: dict[tuple[int, str], Series] = {}
        self.labels: dict[int, list[str]] = defaultdict(list)
        by_pk = {i.pk: i for i in indicators}
        for series in Series.objects.filter(indicator__committee=committee).order_by(
            "indicator", "position", "pk"
        ):
            series.indicator = by_pk[series.indicator_id]
            self.series[(series.indicator_id, normalised(series.label))] = series
            self.labels[series.indicator_id].append(series.label)

    def series_for(self, row: dict) -> Series:
        kind = read_indicator_kind(row.get(TYPE))
        group, name = cell_text(row.get(GROUP)), cell_text(row.get(INDICATOR))
        if not name:
            raise CellError(INDICATOR, "Indikatorns namn saknas.")
        indicator = self.indicators.get((kind, normalised(group), normalised(name)))
        if indicator is None:
            raise CellError(INDICATOR, self._unknown_indicator(kind, group, name))
        label = cell_text(row.get(SERIES))
        if not label:
            raise CellError(SERIES, "Delserien saknas (till exempel Totalt).")
        series = self.series.get((indicator.pk, normalised(label)))
        if series is None:
            known = ", ".join(self.labels[indicator.pk]) or "inga"
            raise CellError(SERIES, f"Indikatorn har ingen sådan delserie. Den har: {known}.")
        return series

    def _unknown_indicator(self, kind: str, group: str, name: str) -> str:
        where = f"i gruppen {quoted(group)}" if group else "utan grupp"
        message = (
            f"{self.committee.name} har ingen indikator av typen "
            f"{label_of(IndicatorKind, kind)} med det namnet {where}."
        )
        elsewhere = self.places_by_name.get(normalised(name), [])
        if elsewhere:
            places = "; ".join(
                f"{label_of(IndicatorKind, i.kind)}, "
                + (f"grupp {quoted(i.group)}" if i.group else "ingen grupp")
                for i in elsewhere
            )
            message += f" Namnet finns som: {places}."
        return message


# --- Fields: one column each ---------------------------------------------------------------


class NamingField(fields.Field):
    """Typ, Grupp, Indikator: written on export, read on import by the Delserie field,
    which finds the series from all four names together."""

    def __init__(self, attribute: str, column_name: str, choices=None) -> None:
        super().__init__(attribute=attribute, column_name=column_name, readonly=True)
        self.choices = choices

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        if value is None:
            return None
        return label_of(self.choices, value) if self.choices else value or None


class SeriesField(fields.Field):
    """Delserie, and with it the whole natural key of the series."""

    resource: "CommitteeResource"

    def __init__(self) -> None:
        super().__init__(attribute="series", column_name=SERIES)

    def clean(self, row, **kwargs) -> Series:
        return self.resource.series_index.series_for(row)

    def export(self, instance, **kwargs):
        return instance.series.label if instance.series_id else None


class WholeNumberField(fields.Field):
    def __init__(self, attribute: str, column_name: str, low: int, high: int, hint: str):
        super().__init__(attribute=attribute, column_name=column_name)
        self.low, self.high, self.hint = low, high, hint

    def clean(self, row, **kwargs) -> int:
        return whole_number(
            row.get(self.column_name), self.column_name, self.low, self.high, self.hint
        )

    def export(self, instance, **kwargs):
        return self.get_value(instance)


class ValueKindField(fields.Field):
    def __init__(self) -> None:
        super().__init__(attribute="kind", column_name=VALUE_KIND)

    def clean(self, row, **kwargs) -> str:
        return choice_from_label(
            ValueKind, row.get(VALUE_KIND), VALUE_KIND, "Skriv Utfall eller Prognos."
        )

    def export(self, instance, **kwargs):
        return label_of(ValueKind, instance.kind) if instance.kind else None


class NoteField(fields.Field):
    def __init__(self) -> None:
        super().__init__(attribute="note", column_name=NOTE)

    def clean(self, row, **kwargs) -> str:
        return cell_text(row.get(NOTE))

    def export(self, instance, **kwargs):
        return instance.note or None


class MeasuredValueField(fields.Field):
    """Värde: a number (kept with the decimals it is reported with) or I.U."""

    def __init__(self) -> None:
        super().__init__(attribute="value", column_name=VALUE)

    def save(self, instance: IndicatorValue, row, is_m2m=False, **kwargs) -> None:
        cell = row.get(VALUE)
        if is_missing_word(cell):
            value, missing, decimals = None, True, 0
        elif cell_text(cell) == "":
            raise CellError(VALUE, "Värdet saknas. Skriv ett tal, eller I.U. med en fotnot.")
        else:
            read = read_number(cell, VALUE)
            stored = None if instance.missing else instance.value
            value, missing = read.value, False
            decimals = decimals_to_store(read, stored, instance.decimals)
        if instance.pk and (instance.missing, instance.value) != (missing, value):
            # The tillägg ("tertial 1", "(2100)") qualified the old figure, as on the entry
            # page: a new figure does not inherit it.
            instance.annotation = ""
        instance.value, instance.missing, instance.decimals = value, missing, decimals

    def get_value(self, instance: IndicatorValue):
        return (instance.missing, instance.value, instance.decimals)

    def export(self, instance: IndicatorValue, **kwargs):
        if instance.missing:
            return MISSING
        if instance.value is None:
            return None
        return reported(instance.value, instance.decimals)


def set_target(
    target: Target,
    kind: str,
    *,
    comparison: str = "",
    value: Decimal | None = None,
    decimals: int = 0,
    direction: str = "",
    text: str = "",
) -> None:
    """Every part of a målvärde at once, so no part of the old form stays behind."""
    target.kind, target.comparison, target.value = kind, comparison, value
    target.decimals, target.direction, target.text = decimals, direction, text


class TargetValueField(fields.Field):
    """Målvärde as printed: a number, or a text such as "≥ 0", "Ska minska", "I.U."."""

    def __init__(self) -> None:
        super().__init__(attribute="value", column_name=TARGET)

    def save(self, instance: Target, row, is_m2m=False, **kwargs) -> None:
        cell = row.get(TARGET)
        text = cell_text(cell)
        if text == "":
            raise CellError(TARGET, "Målvärdet saknas. Skriv ett tal, en text eller I.U.")
        if isinstance(cell, int | float):
            read = read_number(cell, TARGET)
            stored = instance.value if instance.kind == "number" else None
            decimals = decimals_to_store(read, stored, instance.decimals)
            set_target(instance, "number", value=read.value, decimals=decimals)
            return
        parsed = parse_target(text)
        if parsed.value is not None:
            read_number(format(parsed.value, "f"), TARGET)  # the size and decimal limits
        if too_long(Target, "text", parsed.text):
            raise CellError(TARGET, too_long(Target, "text", parsed.text))
        set_target(
            instance,
            parsed.kind,
            comparison=parsed.comparison,
            value=parsed.value,
            decimals=parsed.decimals,
            direction=parsed.direction,
            text=parsed.text,
        )

    def get_value(self, instance: Target):
        return (
            instance.kind,
            instance.comparison,
            instance.value,
            instance.decimals,
            instance.direction,
            instance.text,
        )

    def export(self, instance: Target, **kwargs):
        if not instance.kind:
            return None
        if instance.kind == "number" and instance.value is not None:
            return reported(instance.value, instance.decimals)
        return describe_target(instance)


# --- Resources -----------------------------------------------------------------------------


class StoredRowsLoader(BaseInstanceLoader):
    """Finds the stored row a file row updates among the nämnd's rows, all read in one
    query, instead of one query per row."""

    def __init__(self, resource: "CommitteeResource", dataset=None) -> None:
        super().__init__(resource, dataset)
        self.stored = {resource.key_of(row): row for row in resource.get_queryset()}

    def get_instance(self, row):
        try:
            key = self.resource.key_of_row(row)
        except ValueError:
            return None  # a bad key cell: reported as the row's error by import_instance
        return self.stored.get(key)


def series_order(prefix: str = "series__") -> list:
    """The order of the reports: nämndindikatorer, volymmått, personal; then the
    indicators' and series' own order."""
    rank = Case(
        *(
            When(**{f"{prefix}indicator__kind": kind}, then=Value(n))
            for n, kind in enumerate(KIND_ORDER)
        ),
        output_field=IntegerField(),
    )
    return [
        rank,
        f"{prefix}indicator__position",
        f"{prefix}indicator__pk",
        f"{prefix}position",
        f"{prefix}pk",
    ]


class CommitteeResource(resources.ModelResource):
    """What the value and target resources share: one nämnd, natural keys, cell errors."""

    indicator_kind = NamingField("series__indicator__kind", TYPE, IndicatorKind)
    group = NamingField("series__indicator__group", GROUP)
    indicator = NamingField("series__indicator__name", INDICATOR)
    series = SeriesField()
    year = WholeNumberField(
        "year", YEAR, FIRST_YEAR, LAST_YEAR, f"Året ska vara ett årtal {FIRST_YEAR}–{LAST_YEAR}."
    )
    note = NoteField()

    class Meta:
        instance_loader_class = StoredRowsLoader
        # Unchanged rows are skipped but reported, and every row keeps its instance and
        # the stored original: the preview lists every row with old → new.
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        skip_html_diff = True
        # The fields and broken_rules check every cell; the database checks the rest.
        clean_model_instances = False

    def __init__(self, committee: Committee, *, origins: Sequence[RowOrigin] = ()) -> None:
        super().__init__()
        self.committee = committee
        self.origins = origins
        self.fields["series"].resource = self
        self._seen: dict[tuple, int] = {}

    @cached_property
    def series_index(self) -> SeriesIndex:
        return SeriesIndex(self.committee)

    # Natural keys.

    def key_of(self, stored) -> tuple:
        return (stored.series_id, *(getattr(stored, name) for name in self.key_attributes()))

    def key_of_row(self, row: dict) -> tuple:
        series = self.fields["series"].clean(row)
        return (series.pk, *(self.fields[name].clean(row) for name in self.key_attributes()))

    def key_attributes(self) -> tuple[str, ...]:
        return tuple(name for name in self._meta.import_id_fields if name != "series")

    def where(self, row_number: int) -> str:
        if row_number <= len(self.origins):
            return self.origins[row_number - 1].place
        return f"rad {row_number + 1}"

    # Import steps.

    def before_import(self, dataset, **kwargs) -> None:
        self._seen = {}

    def import_instance(self, instance, row, **kwargs) -> None:
        """Every cell error of the row under its column's header, and a row that repeats
        an earlier one, since the later would silently win."""
        errors: dict[str, list[ValidationError]] = {}
        for field_ in self.get_import_fields():
            try:
                self.import_field(field_, instance, row, **kwargs)
            except CellError as error:
                errors.setdefault(error.column, []).append(ValidationError(error.message))
            except ValueError as error:
                errors.setdefault(field_.column_name, []).append(ValidationError(str(error)))
        if not errors:
            key = self.key_of(instance)
            earlier = self._seen.setdefault(key, kwargs["row_number"])
            if earlier != kwargs["row_number"]:
                errors[NON_FIELD_ERRORS] = [
                    ValidationError(
                        f"Raden gäller samma {self.what_is_repeated} som {self.where(earlier)}."
                    )
                ]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Rules of a whole row, checked only for rows that are new or changed: a row the
        import leaves as it is stays acceptable even where older data breaks a rule."""
        errors = dict(import_validation_errors or {})
        if not errors:
            for column, message in self.broken_rules(instance):
                errors.setdefault(column, []).append(ValidationError(message))
        if errors:
            raise ValidationError(errors)

    def broken_rules(self, instance) -> Iterator[tuple[str, str]]:
        return iter(())

    def import_stored(self, dataset: tablib.Dataset, *, dry_run: bool) -> Result:
        return self.import_data(
            dataset,
            dry_run=dry_run,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )

    # Export.

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        year = kwargs.get("year")
        return queryset if year is None else queryset.filter(year=year)


class IndicatorValueResource(CommitteeResource):
    """Utfall and prognos values of one nämnd's series, one row per period."""

    month = WholeNumberField(
        "month", MONTH, 1, 12, "Månaden ska vara ett heltal 1–12 (12 är helår)."
    )
    kind = ValueKindField()
    value = MeasuredValueField()
    what_is_repeated = "indikator, delserie, år, månad och utfall/prognos"

    class Meta:
        model = IndicatorValue
        fields = (
            "indicator_kind",
            "group",
            "indicator",
            "series",
            "year",
            "month",
            "kind",
            "value",
            "note",
        )
        import_id_fields = ("series", "year", "month", "kind")

    def get_queryset(self) -> QuerySet:
        return (
            IndicatorValue.objects.filter(series__indicator__committee=self.committee)
            .select_related("series__indicator")
            .order_by(*series_order(), "year", "month", "kind")
        )

    def broken_rules(self, instance: IndicatorValue) -> Iterator[tuple[str, str]]:
        if instance.missing and not instance.note:
            yield NOTE, "Värdet är I.U. (ingen uppgift): skriv i Fotnot varför uppgift saknas."
        if instance.missing and instance.kind == ValueKind.FORECAST:
            yield VALUE, "En prognos kan inte vara I.U.; ta bort raden i stället."

    def before_save_instance(self, instance: IndicatorValue, row, **kwargs) -> None:
        instance.origin = Origin.EXCEL


class TargetResource(CommitteeResource):
    """Målvärden of one nämnd's series, one row per year."""

    target = TargetValueField()
    what_is_repeated = "indikator, delserie och år"

    class Meta:
        model = Target
        fields = ("indicator_kind", "group", "indicator", "series", "year", "target", "note")
        import_id_fields = ("series", "year")

    def get_queryset(self) -> QuerySet:
        return (
            Target.objects.filter(series__indicator__committee=self.committee)
            .select_related("series__indicator")
            .order_by(*series_order(), "year")
        )


# --- Export --------------------------------------------------------------------------------


def export_sheet(resource: CommitteeResource, title: str, year: int | None = None) -> Sheet:
    """The resource's rows as a Sheet: years and months as plain whole numbers (no
    thousands space in 2 023), values with their own decimals, texts as texts."""
    dataset = resource.export(year=year)
    plain = {YEAR, MONTH}
    return Sheet(
        title=title,
        headers=list(dataset.headers),
        rows=[list(row) for row in dataset],
        number_formats=["0" if header in plain else None for header in dataset.headers],
    )
