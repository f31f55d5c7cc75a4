"""Entering a period's indicator values and the year's målvärden on one page.

Every series of every indicator the nämnd follows that year is one line: the value for the
period (a Swedish number, or "I.U." with a footnote saying why), for volymmått the forecast
for the full year, and the year's målvärde. Earlier values stand beside the inputs; a
målvärde not yet set for the year is prefilled from the year before.

A post is checked whole (indicators.forms.ValueEntryForm): any error and nothing is stored,
every error shown at its field.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q

from amn.lib.money import parse_swedish_number
from amn.lib.text import quoted
from amn.models import ChangeSource, Committee, ReportingPeriod
from amn.services.history import Edit, record_changes
from indicators.models import (
    Indicator,
    IndicatorKind,
    IndicatorValue,
    Origin,
    Series,
    Target,
    ValueKind,
)
from indicators.services.indicator_rows import (
    STORED_FIELDS,
    Column,
    StoredValue,
    is_main_series,
    load_series,
)
from indicators.targets import decimals_of, describe_target, format_value, parse_target
from indicators.values import LARGEST, MAX_DECIMALS, is_missing_word


@dataclass
class EntryLine:
    indicator: Indicator
    series: Series
    label: str
    is_name_row: bool
    previous: list[str]  # what earlier columns print
    value: str = ""
    note: str = ""
    forecast: str = ""
    target: str = ""
    target_note: str = ""
    target_prefilled: bool = False
    stored: tuple[str, str] = ("", "")  # value and note as stored, to tell what changed
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def takes_forecast(self) -> bool:
        return self.indicator.kind == IndicatorKind.VOLUME

    def name(self, part: str) -> str:
        return f"{part}-{self.series.pk}"


@dataclass
class ValueEntry:
    committee: Committee
    year: int
    month: int
    previous_columns: list[Column]
    lines: list[EntryLine]

    @property
    def has_errors(self) -> bool:
        return any(line.errors for line in self.lines)

    @property
    def error_count(self) -> int:
        return sum(len(line.errors) for line in self.lines)


def previous_columns(year: int, month: int) -> list[Column]:
    columns = [Column(year - 2, 12), Column(year - 1, 12)]
    if month != 12:
        columns.append(Column(year - 1, month))
    return columns


def followed_indicators(committee: Committee, year: int) -> list[Indicator]:
    """Nämndindikatorer of the year's nämndmål, then every volymmått and personal figure."""
    linked = Q(
        kind=IndicatorKind.INDICATOR,
        goal_links__first_year__lte=year,
        goal_links__last_year__gte=year,
        goal_links__goal__first_year__lte=year,
        goal_links__goal__last_year__gte=year,
    )
    return list(
        Indicator.objects.filter(committee=committee)
        .filter(linked | ~Q(kind=IndicatorKind.INDICATOR))
        .distinct()
        .order_by("kind", "position", "pk")
    )


def shown(stored: StoredValue | None) -> str:
    if stored is None:
        return ""
    printed = format_value(stored.value, stored.decimals)
    return f"{printed} {stored.annotation}".strip()


def typed(stored: StoredValue | IndicatorValue | None) -> str:
    """A stored value as it is typed into its field ("88,9", "I.U."), without the
    annotation a report may print beside it; the same text posted back changes nothing."""
    if stored is None:
        return ""
    return format_value(stored.value, stored.decimals)


def build_value_entry(committee: Committee, year: int, month: int) -> ValueEntry:
    indicators = followed_indicators(committee, year)
    series_of = load_series(committee, IndicatorKind.values)
    earlier = previous_columns(year, month)
    mine = {"series__indicator__committee": committee}
    values = {
        (row[0], row[1], row[2], row[3]): StoredValue(*row[4:])
        for row in IndicatorValue.objects.filter(
            year__in={year, year - 1, year - 2}, **mine
        ).values_list(*STORED_FIELDS)
    }
    targets = {
        (t.series_id, t.year): t for t in Target.objects.filter(year__in=[year, year - 1], **mine)
    }
    lines = []
    for indicator in indicators:
        for number, series in enumerate(series_of[indicator.pk]):
            now = values.get((series.pk, year, month, ValueKind.OUTCOME))
            forecast = values.get((series.pk, year, 12, ValueKind.FORECAST))
            target = targets.get((series.pk, year))
            last_year = targets.get((series.pk, year - 1))
            name_row = number == 0
            line = EntryLine(
                indicator=indicator,
                series=series,
                label=indicator.name if name_row and is_main_series(series) else series.label,
                is_name_row=name_row,
                previous=[shown(values.get((series.pk, *c.key))) for c in earlier],
                value=typed(now),
                note=now.note if now else "",
                forecast=typed(forecast),
                target=describe_target(target or last_year) if (target or last_year) else "",
                target_note=(target or last_year).note if (target or last_year) else "",
                target_prefilled=target is None and last_year is not None,
                stored=(typed(now), now.note if now else ""),
            )
            lines.append(line)
    return ValueEntry(committee, year, month, earlier, lines)


def read_number(text: str) -> Decimal:
    number = parse_swedish_number(text)
    if abs(number) > LARGEST:
        raise ValueError("talet är för stort")
    if decimals_of(number) > MAX_DECIMALS:
        raise ValueError("högst fyra decimaler")
    return number


def check_value(text: str, note: str) -> tuple[Decimal | None, bool, str | None]:
    """(value, missing, error) of what was typed for a value."""
    if is_missing_word(text):
        if not note:
            return None, True, "Skriv i fotnoten varför uppgift saknas (I.U.)."
        return None, True, None
    try:
        return read_number(text), False, None
    except (ValueError, InvalidOperation) as error:
        return None, False, f"{quoted(text)} är inte ett tal ({error}). Skriv t.ex. 88,9 eller I.U."


@dataclass
class SaveResult:
    created: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.created + self.changed + self.removed


def save_value_entry(entry: ValueEntry, lines: list[EntryLine], user=None) -> SaveResult:
    """Store the checked `lines` (those the post accounted for) in one transaction: new,
    changed and cleared values and målvärden; unchanged ones are left as they are (and keep
    their origin), and so is every series the post did not show."""
    if entry.has_errors:
        raise ValueError("Posten har fel och sparas inte.")
    result = SaveResult()
    series_ids = [line.series.pk for line in lines]
    year, month = entry.year, entry.month
    with transaction.atomic():
        values = {
            (v.series_id, v.month, v.kind): v
            for v in IndicatorValue.objects.select_for_update().filter(
                series_id__in=series_ids, year=year
            )
        }
        targets = {
            t.series_id: t
            for t in Target.objects.select_for_update().filter(series_id__in=series_ids, year=year)
        }
        new_values, changed_values, removed_values = [], [], []
        new_targets, changed_targets, removed_targets = [], [], []
        edits: list[Edit] = []
        for line in lines:
            subject = f"{line.indicator.name} – {line.series.label}"
            for text, note, key in (
                (line.value, line.note, (month, ValueKind.OUTCOME)),
                (line.forecast, "", (12, ValueKind.FORECAST)),
            ):
                if key[1] == ValueKind.FORECAST and not line.takes_forecast:
                    continue
                stored = values.get((line.series.pk, *key))
                label = "prognos helår" if key[1] == ValueKind.FORECAST else f"värde {month:02d}"
                edits.append(Edit(subject, label, typed(stored), text))
                if key[1] == ValueKind.OUTCOME:
                    edits.append(Edit(subject, "fotnot", stored.note if stored else "", note))
                wanted = _wanted_value(text, note)
                if wanted is None:
                    if stored is not None:
                        removed_values.append(stored.pk)
                    continue
                value, missing, decimals = wanted
                if stored is None:
                    new_values.append(
                        IndicatorValue(
                            series=line.series,
                            year=year,
                            month=key[0],
                            kind=key[1],
                            value=value,
                            missing=missing,
                            decimals=decimals,
                            note=note,
                            origin=Origin.MANUAL,
                        )
                    )
                elif typed(stored) != text or stored.note != note:
                    stored.value, stored.missing, stored.decimals = value, missing, decimals
                    stored.note, stored.annotation, stored.origin = note, "", Origin.MANUAL
                    changed_values.append(stored)
            stored_target = targets.get(line.series.pk)
            edits.append(
                Edit(
                    subject,
                    f"målvärde {year}",
                    describe_target(stored_target) if stored_target else "",
                    line.target,
                )
            )
            if not line.target:
                if stored_target is not None:
                    removed_targets.append(stored_target.pk)
                continue
            parsed = parse_target(line.target)
            fields = {
                "kind": parsed.kind,
                "comparison": parsed.comparison,
                "value": parsed.value,
                "decimals": parsed.decimals,
                "direction": parsed.direction,
                "text": parsed.text,
                "note": line.target_note,
            }
            if stored_target is None:
                new_targets.append(Target(series=line.series, year=year, **fields))
            elif any(getattr(stored_target, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(stored_target, k, v)
                changed_targets.append(stored_target)
        IndicatorValue.objects.filter(pk__in=removed_values).delete()
        IndicatorValue.objects.bulk_create(new_values)
        IndicatorValue.objects.bulk_update(
            changed_values, ["value", "missing", "decimals", "note", "annotation", "origin"]
        )
        Target.objects.filter(pk__in=removed_targets).delete()
        Target.objects.bulk_create(new_targets)
        Target.objects.bulk_update(
            changed_targets,
            ["kind", "comparison", "value", "decimals", "direction", "text", "note"],
        )
        record_changes(
            committee=entry.committee,
            period=ReportingPeriod.objects.follow_up_at(entry.committee, year, month),
            user=user,
            source=ChangeSource.FORM,
            edits=edits,
        )
    result.created = len(new_values) + len(new_targets)
    result.changed = len(changed_values) + len(changed_targets)
    result.removed = len(removed_values) + len(removed_targets)
    return result


def _wanted_value(text: str, note: str) -> tuple[Decimal | None, bool, int] | None:
    if not text:
        return None
    value, missing, _ = check_value(text, note or "prognos")
    return value, missing, 0 if value is None else decimals_of(value)
