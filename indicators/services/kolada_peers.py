"""An indicator's Kolada figures beside those of the jämförelsekommuner and Riket.

Reads only what `fetch_kolada_values` stored (KoladaValue), never Kolada itself, so the
indicator page is as fast when Kolada is down; two queries however many municipalities.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef

from amn.models import Committee, Municipality
from indicators.models import Gender, Indicator, KoladaValue
from indicators.services.kolada import COUNTRY_ID, split_municipality_ids
from indicators.targets import decimals_of, format_value

COUNTRY_NAME = "Riket"
# A reader choosing peers in the address gets at most this many, so one request cannot
# ask for every municipality in the country.
MAX_PEERS = 20
# Kolada's figures are shown with as many decimals as they need, but no more than this.
MAX_DECIMALS = 2


@dataclass(frozen=True)
class PeerCell:
    year: int
    value: Decimal | None
    decimals: int

    @property
    def display(self) -> str:
        """ "33,4", or "–" when Kolada has no figure (or none has been fetched)."""
        return "–" if self.value is None else format_value(self.value, self.decimals)


@dataclass(frozen=True)
class PeerRow:
    kolada_id: str
    name: str
    cells: list[PeerCell]
    is_own: bool = False
    is_country: bool = False

    @property
    def has_data(self) -> bool:
        return any(cell.value is not None for cell in self.cells)

    @property
    def values_by_year(self) -> dict[int, Decimal | None]:
        return {cell.year: cell.value for cell in self.cells}


@dataclass(frozen=True)
class PeerComparison:
    """Rows: the own municipality first, then the peers in the chosen order, then Riket;
    one cell per year (the Totalt figure)."""

    kpi: str
    years: list[int]
    rows: list[PeerRow]
    peer_ids: list[str]
    ignored_ids: list[str]
    fetched_at: datetime | None = None

    @property
    def has_data(self) -> bool:
        return any(row.has_data for row in self.rows)


def peer_comparison(
    indicator: Indicator, years: Sequence[int], peers: Iterable[str] | str | None = None
) -> PeerComparison:
    """The comparison for `indicator` in `years`. `peers` overrides the municipality's
    jämförelsekommuner: ids in a list or comma-separated ("0581,1480", as in ?jamfor=);
    anything that is not four digits is left out and listed in `ignored_ids`."""
    years = sorted(set(years))
    kpi = indicator.kolada_kpi.strip().upper()
    if not kpi:
        return PeerComparison(kpi="", years=years, rows=[], peer_ids=[], ignored_ids=[])
    municipalities = _municipalities_with_own_flag(indicator.committee_id)
    own = next((municipality for municipality in municipalities if municipality.is_own), None)
    if own is None:
        return PeerComparison(kpi=kpi, years=years, rows=[], peer_ids=[], ignored_ids=[])
    peer_ids, ignored = _chosen_peers(own, peers)
    ids = [own.kolada_id, *peer_ids, COUNTRY_ID]
    values, fetched_at = _stored_totals(kpi, ids, years)
    decimals = _decimals_needed(values.values())
    names = {municipality.kolada_id: municipality.name for municipality in municipalities}
    names[COUNTRY_ID] = COUNTRY_NAME
    rows = [
        PeerRow(
            kolada_id=kolada_id,
            name=names.get(kolada_id, kolada_id),
            cells=[PeerCell(year, values.get((kolada_id, year)), decimals) for year in years],
            is_own=kolada_id == own.kolada_id,
            is_country=kolada_id == COUNTRY_ID,
        )
        for kolada_id in ids
    ]
    return PeerComparison(
        kpi=kpi,
        years=years,
        rows=rows,
        peer_ids=peer_ids,
        ignored_ids=ignored,
        fetched_at=fetched_at,
    )


def _municipalities_with_own_flag(committee_id: int) -> list[Municipality]:
    """Every municipality the application knows (for names), the nämnd's own flagged: one
    query, without loading the nämnd. Municipalities are few (at most Sweden's 290)."""
    own = Committee.objects.filter(pk=committee_id, municipality=OuterRef("pk"))
    return list(
        Municipality.objects.annotate(is_own=Exists(own)).only(
            "name", "kolada_id", "peer_kolada_ids"
        )
    )


def _chosen_peers(
    own: Municipality, peers: Iterable[str] | str | None
) -> tuple[list[str], list[str]]:
    if peers is None:
        peers = own.peer_ids
    elif isinstance(peers, str):
        peers = peers.split(",")
    valid, rejected = split_municipality_ids(peers)
    chosen = [kolada_id for kolada_id in valid if kolada_id not in (own.kolada_id, COUNTRY_ID)]
    return chosen[:MAX_PEERS], rejected + chosen[MAX_PEERS:]


def _stored_totals(
    kpi: str, ids: list[str], years: list[int]
) -> tuple[dict[tuple[str, int], Decimal | None], datetime | None]:
    rows = KoladaValue.objects.filter(
        kpi=kpi, municipality__in=ids, year__in=years, gender=Gender.TOTAL
    ).values_list("municipality", "year", "value", "fetched_at")
    values: dict[tuple[str, int], Decimal | None] = {}
    fetched_at = None
    for municipality, year, value, fetched in rows:
        values[(municipality, year)] = value
        fetched_at = fetched if fetched_at is None else max(fetched_at, fetched)
    return values, fetched_at


def _decimals_needed(values: Iterable[Decimal | None]) -> int:
    """The decimals the stored figures need (the database pads to four), at most two."""
    needed = [decimals_of(value.normalize()) for value in values if value is not None]
    return min(max(needed, default=0), MAX_DECIMALS)
