"""Fetching a nämnd's indicator values from Kolada.

For every indicator of the nämnd that names a Kolada KPI, the year asked for and the two
years before it (the goal tables show two previous full years) are fetched for the nämnd's
municipality, its jämförelsekommuner and Riket, in as few requests as Kolada allows. Every
value is kept in KoladaValue (the comparison store); the own municipality's values also
become the indicator's full-year outcomes (Totalt, Kvinnor, Män).

A value entered by hand or imported from Excel is never replaced unless the user asks for
it: Kolada may publish a different figure than the one the förvaltning reported, and the
report must keep what was reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from amn.models import ChangeSource, Committee
from amn.services.history import Edit, as_text, record_changes
from indicators.models import (
    Gender,
    Indicator,
    IndicatorValue,
    KoladaValue,
    Origin,
    Series,
    ValueKind,
)
from indicators.services.kolada import (
    COUNTRY_ID,
    GENDERS,
    KPI_ID,
    MUNICIPALITY_ID,
    KoladaClient,
    KoladaRecord,
    split_municipality_ids,
)
from indicators.targets import decimals_of
from indicators.values import MISSING

FULL_YEAR = 12
# Kolada's series begin in the 1990s; a later year than the current one has no outcome yet.
FIRST_YEAR = 1990
# How many years are fetched: the year asked for and the two before it.
YEARS_BACK = 2
# KPIs asked for in one request: keeps the address short however many indicators there are.
KPIS_PER_REQUEST = 20
SERIES_LABELS = {Gender.TOTAL: "Totalt", Gender.WOMEN: "Kvinnor", Gender.MEN: "Män"}
# When an indicator has no values yet to copy the number of decimals from, Kolada's own
# figure decides, but never more than this: Kolada writes shares with one decimal.
MAX_DECIMALS = 2
FOUR_PLACES = Decimal("0.0001")
ORIGIN_WORDS = {Origin.MANUAL: "inmatade för hand", Origin.EXCEL: "från Excel-import"}


@dataclass(frozen=True)
class SkippedValue:
    """A value that Kolada has but that was kept because it was entered by hand."""

    indicator: str
    series: str
    year: int
    origin: str


@dataclass(frozen=True)
class Line:
    """One line of the summary: `level` is "success", "info" or "warning"."""

    level: str
    text: str


@dataclass
class KoladaFetchResult:
    committee: str
    municipality: str
    year: int
    years: list[int]
    overwrite: bool = False
    kpis: list[str] = field(default_factory=list)
    peer_ids: list[str] = field(default_factory=list)
    kolada_values: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: int = 0
    skipped: list[SkippedValue] = field(default_factory=list)
    without_gender_split: list[str] = field(default_factory=list)
    absent: dict[str, list[int]] = field(default_factory=dict)
    created_series: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)  # for the history

    @property
    def stored(self) -> int:
        return self.created + self.updated

    @property
    def lines(self) -> list[Line]:
        if not self.kpis:
            return [Line("warning", text) for text in self.notices] + [
                Line(
                    "warning",
                    f"{self.committee} har inga indikatorer med giltigt Kolada-nyckeltal; "
                    "ingenting hämtades.",
                )
            ]
        lines = [Line("success", self._fetched_text()), Line("info", self._stored_text())]
        lines += [Line("info", text) for text in self.created_series]
        lines += [Line("warning", text) for text in self._skipped_texts()]
        lines += [
            Line("warning", f"{name}: saknar uppdelning på kvinnor och män.")
            for name in self.without_gender_split
        ]
        lines += [
            Line("warning", f"{name}: Kolada har inga värden för {_years_text(years)}.")
            for name, years in self.absent.items()
        ]
        lines += [Line("warning", text) for text in self.notices]
        return lines

    @property
    def messages(self) -> list[str]:
        return [line.text for line in self.lines]

    def _fetched_text(self) -> str:
        places = [self.municipality]
        if self.peer_ids:
            count = len(self.peer_ids)
            places.append(f"{count} jämförelsekommun{'er' if count > 1 else ''}")
        where = ", ".join(places) + " och riket"
        kpis = f"{len(self.kpis)} nyckeltal"
        return (
            f"Hämtade {self.kolada_values} värden från Kolada ({kpis}, "
            f"{_years_text(self.years)}) för {where}."
        )

    def _stored_text(self) -> str:
        text = (
            f"Indikatorvärden för {self.municipality}: {self.created} nya, "
            f"{self.updated} ändrade, {self.unchanged} oförändrade"
        )
        if self.missing:
            text += f" ({self.missing} av de nya och ändrade är I.U. – Kolada saknar värde)"
        if self.skipped:
            text += f", {len(self.skipped)} inte överskrivna"
        return text + "."

    def _skipped_texts(self) -> list[str]:
        grouped: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for item in self.skipped:
            grouped[(item.indicator, item.series, item.origin)].append(item.year)
        return [
            f"Inte överskrivet, värdena är {ORIGIN_WORDS.get(origin, origin)}: "
            f"{indicator} – {series} {_years_text(years)}."
            for (indicator, series, origin), years in grouped.items()
        ]


def year_refusal(year: int) -> str | None:
    """Why `year` cannot be fetched, in Swedish; None when it can."""
    latest = timezone.localdate().year
    if not FIRST_YEAR <= year <= latest:
        return f"Året ska vara mellan {FIRST_YEAR} och {latest}, inte {year}."
    return None


def fetch_kolada_values(
    committee: Committee,
    year: int,
    *,
    overwrite: bool = False,
    client: KoladaClient | None = None,
    user=None,
) -> KoladaFetchResult:
    """Fetch and store the nämnd's indicator values for `year` and the two years before;
    raises KoladaUnavailable (and then stores nothing) when Kolada cannot be asked."""
    municipality = committee.municipality
    years = list(range(year - YEARS_BACK, year + 1))
    result = KoladaFetchResult(
        committee=committee.name,
        municipality=municipality.name,
        year=year,
        years=years,
        overwrite=overwrite,
    )
    indicators_by_kpi = _indicators_by_kpi(committee, result)
    if not MUNICIPALITY_ID.fullmatch(municipality.kolada_id):
        result.notices.append(
            f"{municipality.name} har inget giltigt Kolada-id (fyra siffror): "
            f"”{municipality.kolada_id}”."
        )
        indicators_by_kpi = {}
    if not indicators_by_kpi:
        return result
    result.kpis = sorted(indicators_by_kpi)
    result.peer_ids = _peer_ids(municipality.kolada_id, municipality.peer_ids, result)
    municipality_ids = [municipality.kolada_id, *result.peer_ids, COUNTRY_ID]

    # Everything is fetched before anything is written, so a Kolada failure halfway
    # leaves the database as it was and no transaction waits on the network.
    records = _fetch_all(client or KoladaClient(), result.kpis, municipality_ids, years)

    with transaction.atomic():
        result.kolada_values = store_kolada_values(records)
        own = _own_records_by_kpi(records, municipality.kolada_id)
        for kpi, indicators in indicators_by_kpi.items():
            for indicator in indicators:
                _store_indicator_values(indicator, own.get(kpi, {}), years, overwrite, result)
        record_changes(
            committee=committee,
            period=None,
            user=user,
            source=ChangeSource.KOLADA,
            edits=result.edits,
        )
    return result


def _indicators_by_kpi(committee: Committee, result: KoladaFetchResult) -> dict[str, list]:
    indicators_by_kpi: dict[str, list[Indicator]] = defaultdict(list)
    indicators = (
        Indicator.objects.filter(committee=committee)
        .exclude(kolada_kpi="")
        .prefetch_related("series")
        .order_by("kind", "position", "pk")
    )
    for indicator in indicators:
        kpi = indicator.kolada_kpi.strip().upper()
        if KPI_ID.fullmatch(kpi):
            indicators_by_kpi[kpi].append(indicator)
        else:
            result.notices.append(
                f"{indicator.name}: nyckeltalet ”{indicator.kolada_kpi}” är inget "
                "Kolada-nyckeltal och hämtades inte."
            )
    return dict(indicators_by_kpi)


def _peer_ids(own_id: str, configured: Iterable[str], result: KoladaFetchResult) -> list[str]:
    peers, rejected = split_municipality_ids(configured)
    for kolada_id in rejected:
        result.notices.append(
            f"Jämförelsekommunen ”{kolada_id}” är inget Kolada-id (fyra siffror) och "
            "hoppades över; rätta den under Kommuner i administrationen."
        )
    return [kolada_id for kolada_id in peers if kolada_id not in (own_id, COUNTRY_ID)]


def _fetch_all(
    client: KoladaClient, kpis: Sequence[str], municipality_ids: list[str], years: list[int]
) -> list[KoladaRecord]:
    wanted_municipalities = set(municipality_ids)
    wanted_years = set(years)
    records: list[KoladaRecord] = []
    for start in range(0, len(kpis), KPIS_PER_REQUEST):
        chunk = kpis[start : start + KPIS_PER_REQUEST]
        wanted_kpis = set(chunk)
        # Only what was asked for is kept, whatever else an answer might carry.
        records += [
            record
            for record in client.fetch(chunk, municipality_ids, years)
            if record.kpi.upper() in wanted_kpis
            and record.municipality in wanted_municipalities
            and record.year in wanted_years
        ]
    return records


def store_kolada_values(records: Iterable[KoladaRecord]) -> int:
    """Insert or update one KoladaValue per record (one statement per batch, not one per
    record); returns how many were stored."""
    by_key = {
        (record.kpi.upper(), record.municipality, record.year, record.gender): record
        for record in records
    }
    rows = [
        KoladaValue(
            kpi=kpi,
            municipality=municipality,
            year=year,
            gender=gender,
            value=_four_places(record.value),
        )
        for (kpi, municipality, year, gender), record in by_key.items()
    ]
    KoladaValue.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["kpi", "municipality", "year", "gender"],
        update_fields=["value", "fetched_at"],
    )
    return len(rows)


def _own_records_by_kpi(
    records: Iterable[KoladaRecord], own_id: str
) -> dict[str, dict[tuple[int, str], KoladaRecord]]:
    own: dict[str, dict[tuple[int, str], KoladaRecord]] = defaultdict(dict)
    for record in records:
        if record.municipality == own_id:
            own[record.kpi.upper()][(record.year, record.gender)] = record
    return own


def _store_indicator_values(
    indicator: Indicator,
    records: dict[tuple[int, str], KoladaRecord],
    years: list[int],
    overwrite: bool,
    result: KoladaFetchResult,
) -> None:
    with_value = {gender for (_, gender), record in records.items() if record.value is not None}
    if indicator.person_based and not with_value & {Gender.WOMEN, Gender.MEN}:
        result.without_gender_split.append(indicator.name)
    absent = [year for year in years if (year, Gender.TOTAL) not in records]
    if absent:
        result.absent[f"{indicator.name} ({indicator.kolada_kpi.strip().upper()})"] = absent
    decimals = _decimals_for(indicator, [record.value for record in records.values()])
    for gender in GENDERS:
        series = _series_for_gender(indicator, gender)
        if series is None:
            # A Kvinnor or Män series is added only when Kolada has figures for it, so a
            # KPI without the split does not leave rows of I.U. behind.
            if gender not in with_value:
                continue
            series = _create_series(indicator, gender, result)
            if series is None:
                continue
        for year in years:
            record = records.get((year, gender))
            if record is not None:
                _store_value(indicator, series, record, decimals, overwrite, result)


def _series_for_gender(indicator: Indicator, gender: str) -> Series | None:
    """The series a Kolada figure of `gender` belongs in: that gender, no förvaltning,
    preferably the one labelled Totalt/Kvinnor/Män."""
    candidates = [
        series
        for series in indicator.series.all()
        if series.gender == gender and series.administration_id is None
    ]
    preferred = [series for series in candidates if series.label == SERIES_LABELS[gender]]
    return (preferred or candidates or [None])[0]


def _create_series(indicator: Indicator, gender: str, result: KoladaFetchResult) -> Series | None:
    label = SERIES_LABELS[gender]
    if any(series.label == label for series in indicator.series.all()):
        result.notices.append(
            f"{indicator.name}: delserien {label} finns men är inte för "
            f"{label.lower()} i hela kommunen; Kolada-värdena för {label.lower()} sparades inte."
        )
        return None
    last = indicator.series.aggregate(last=Max("position"))["last"]
    series = Series.objects.create(
        indicator=indicator,
        label=label,
        gender=gender,
        position=0 if last is None else last + 1,
    )
    # The prefetched series would not show the new one to later lookups.
    getattr(indicator, "_prefetched_objects_cache", {}).pop("series", None)
    result.created_series.append(f"Ny delserie {label} för {indicator.name}.")
    return series


def _decimals_for(indicator: Indicator, values: list[Decimal | None]) -> int:
    """As many decimals as the indicator's other values show, so a fetched value prints
    like its neighbours in the goal table; for an indicator without values, as many as
    Kolada wrote (at most two)."""
    existing = (
        IndicatorValue.objects.filter(series__indicator=indicator, missing=False)
        .order_by("-year", "-month")
        .values_list("decimals", flat=True)
        .first()
    )
    if existing is not None:
        return existing
    written = [decimals_of(value) for value in values if value is not None]
    return min(max(written, default=0), MAX_DECIMALS)


def _store_value(
    indicator: Indicator,
    series: Series,
    record: KoladaRecord,
    decimals: int,
    overwrite: bool,
    result: KoladaFetchResult,
) -> None:
    value = _four_places(record.value)
    missing = value is None
    wanted = {
        "value": value,
        "missing": missing,
        "decimals": 0 if missing else decimals,
        "note": f"Kolada har inget värde för {record.year}" if missing else "",
        "annotation": "",
        "origin": Origin.KOLADA,
    }
    existing = (
        IndicatorValue.objects.select_for_update()
        .filter(series=series, year=record.year, month=FULL_YEAR, kind=ValueKind.OUTCOME)
        .first()
    )
    subject, field_name = f"{indicator.name} – {series.label}", f"värde helår {record.year}"
    if existing is None:
        IndicatorValue.objects.create(
            series=series, year=record.year, month=FULL_YEAR, kind=ValueKind.OUTCOME, **wanted
        )
        result.edits.append(Edit(subject, field_name, "", _shown(value)))
        result.created += 1
        result.missing += missing
        return
    if existing.origin != Origin.KOLADA and not overwrite:
        result.skipped.append(
            SkippedValue(indicator.name, series.label, record.year, existing.origin)
        )
        return
    if all(getattr(existing, name) == wanted_value for name, wanted_value in wanted.items()):
        result.unchanged += 1
        return
    old = None if existing.missing else existing.value
    result.edits.append(Edit(subject, field_name, _shown(old), _shown(value)))
    for name, wanted_value in wanted.items():
        setattr(existing, name, wanted_value)
    existing.save()
    result.updated += 1
    result.missing += missing


def _shown(value: Decimal | None) -> str:
    return MISSING if value is None else as_text(value)


def _four_places(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(FOUR_PLACES)


def _years_text(years: Sequence[int]) -> str:
    """2021 → "2021"; 2021, 2022, 2023 → "2021–2023"; 2021, 2023 → "2021 och 2023"."""
    ordered = sorted(set(years))
    if len(ordered) == 1:
        return str(ordered[0])
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(str(year) for year in ordered[:-1]) + f" och {ordered[-1]}"
