"""A small client for Kolada, the Swedish municipal statistics API (v3).

Only what the indicator fetch needs: the values of some KPIs for some municipalities and
years, page after page. Every call has a timeout and failed calls are retried with
backoff, so a fetch started from a web page waits a bounded time; anything that goes wrong
(no connection, time-out, an error status, an answer that is not the expected JSON) becomes
one `KoladaUnavailable` whose message a user can read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from amn.lib.money import decimal_comma
from amn.lib.periods import is_valid_year

GENDERS = ("T", "K", "M")
COUNTRY_ID = "0000"  # Kolada's id for Riket, the whole country
MUNICIPALITY_ID = re.compile(r"[0-9]{4}")
# Kolada's KPI ids are a letter and five digits ("N18409", "U28116"); a little looser here
# so that a new kind of id still passes, while nothing that could change the URL does.
KPI_ID = re.compile(r"[A-Z]{1,3}[0-9]{1,8}")
# Kolada serves at most 5000 items a page; asking for the most means fewest round trips.
PER_PAGE = 5000
# A safety stop for paging: a broken next_url that keeps pointing onwards must not make a
# web request loop for ever. Even all KPIs of a nämnd for every municipality fit in fewer.
MAX_PAGES = 200
# The database keeps values as Decimal(14, 4).
LARGEST_VALUE = Decimal("9999999999.9999")


def split_municipality_ids(ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """The valid Kolada municipality ids (four digits) in order without repeats, and the
    rejected ones; blanks are dropped."""
    valid: list[str] = []
    rejected: list[str] = []
    for raw in ids:
        kolada_id = raw.strip()
        if not kolada_id:
            continue
        if not MUNICIPALITY_ID.fullmatch(kolada_id):
            rejected.append(kolada_id)
        elif kolada_id not in valid:
            valid.append(kolada_id)
    return valid, rejected


class KoladaUnavailable(Exception):
    """Kolada could not be asked or gave an answer that cannot be read; the message is
    Swedish and names the address, so it can be shown to the user as it is."""


@dataclass(frozen=True)
class KoladaRecord:
    """One value of a KPI for a municipality, year and gender (T, K or M); `value` is
    None when Kolada has the row but no figure."""

    kpi: str
    municipality: str
    year: int
    gender: str
    value: Decimal | None


class KoladaClient:
    def __init__(
        self,
        base_url: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> None:
        self.base_url = (base_url or settings.KOLADA_BASE_URL).rstrip("/")
        self.timeout = settings.KOLADA_TIMEOUT_SECONDS if timeout is None else timeout
        self.retries = settings.KOLADA_RETRIES if retries is None else retries
        self.session = _session_with_retries(self.retries)

    def fetch(
        self, kpis: Iterable[str], municipality_ids: Iterable[str], years: Iterable[int]
    ) -> list[KoladaRecord]:
        """All values of `kpis` for `municipality_ids` in `years`, following Kolada's
        paging; raises KoladaUnavailable."""
        url = self.data_url(kpis, municipality_ids, years)
        records: list[KoladaRecord] = []
        for page in self._pages(url):
            records.extend(page)
        return records

    def data_url(
        self, kpis: Iterable[str], municipality_ids: Iterable[str], years: Iterable[int]
    ) -> str:
        return (
            f"{self.base_url}/data/kpi/{','.join(kpis)}"
            f"/municipality/{','.join(municipality_ids)}"
            f"/year/{','.join(str(year) for year in years)}?per_page={PER_PAGE}"
        )

    def _pages(self, first_url: str) -> Iterator[list[KoladaRecord]]:
        url: str | None = first_url
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise KoladaUnavailable(
                    _unreadable(url, "sidorna i svaret tar aldrig slut (next_url upprepas)")
                )
            seen.add(url)
            answer = self._get_json(url)
            yield _records_of(answer, url)
            url = self._next_url(answer, url)

    def _get_json(self, url: str) -> dict:
        try:
            response = self.session.get(
                url, timeout=self.timeout, headers={"Accept": "application/json"}
            )
        except requests.RequestException as error:
            raise KoladaUnavailable(_unreachable(url, self._reason_of(error))) from error
        if response.status_code != 200:
            raise KoladaUnavailable(_unreachable(url, _reason_of_status(response.status_code)))
        try:
            # Decimals straight from the JSON text: a float would turn 33.4 into 33.39999….
            return response.json(parse_float=Decimal)
        except (ValueError, json.JSONDecodeError) as error:
            raise KoladaUnavailable(_unreadable(url, "svaret är inte JSON")) from error

    def _next_url(self, answer: dict, url: str) -> str | None:
        next_url = answer.get("next_url")
        if not next_url:
            return None
        if not isinstance(next_url, str) or not _same_origin(next_url, self.base_url):
            # Only ever follow links back to Kolada itself: the address comes from outside.
            raise KoladaUnavailable(_unreadable(url, "next_url pekar utanför Kolada"))
        return next_url

    def _reason_of(self, error: requests.RequestException) -> str:
        if _is_timeout(error):
            return f"tidsgränsen {_seconds(self.timeout)} s överskreds"
        if isinstance(error, requests.exceptions.SSLError):
            return "den säkra anslutningen (TLS) kunde inte upprättas"
        if isinstance(error, requests.exceptions.RetryError):
            return "Kolada svarade med fel även efter flera försök"
        if isinstance(error, requests.exceptions.ConnectionError):
            if _caused_by(error, NameResolutionError):
                return f"namnet {urlsplit(self.base_url).hostname} kunde inte slås upp (DNS)"
            return "ingen anslutning kunde upprättas"
        return "frågan kunde inte skickas"


def _session_with_retries(retries: int) -> requests.Session:
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.5,
        backoff_max=5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        # The last error answer is returned, not raised, so its status can be told.
        raise_on_status=False,
        # Kolada may ask for a long pause; a user waiting on a page should get an error
        # instead, so the pause is ours (the backoff above), never the server's.
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = "amn-uppfoljning (Kolada-hämtning)"
    return session


def _is_timeout(error: BaseException) -> bool:
    """A time-out, also when it hides inside the MaxRetryError that retries end with."""
    if isinstance(error, requests.exceptions.Timeout):
        return True
    # urllib3 makes a refused connection a kind of ConnectTimeoutError; it is not one.
    return _caused_by(error, (ConnectTimeoutError, ReadTimeoutError)) and not _caused_by(
        error, NewConnectionError
    )


def _caused_by(
    error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]
) -> bool:
    """Whether `kind` is the error or what the retries ended on (MaxRetryError.reason)."""
    for argument in getattr(error, "args", ()):
        reason = argument.reason if isinstance(argument, MaxRetryError) else argument
        if isinstance(reason, kind):
            return True
    return False


def _reason_of_status(status: int) -> str:
    if status == 429:
        return "Kolada tar inte emot fler frågor just nu (HTTP 429)"
    if status >= 500:
        return f"Kolada svarade med ett serverfel (HTTP {status})"
    if status == 404:
        return "adressen finns inte (HTTP 404); kontrollera inställningen KOLADA_BASE_URL"
    return f"Kolada svarade med felkod HTTP {status}"


def _unreachable(url: str, reason: str) -> str:
    return f"Kolada kunde inte nås ({url}): {reason}. Försök igen senare."


def _unreadable(url: str, reason: str) -> str:
    return f"Kolada gav ett svar som inte kunde läsas ({url}): {reason}. Försök igen senare."


def _seconds(timeout: float) -> str:
    # "10 s", not "10,0 s", for a whole number of seconds.
    return decimal_comma(int(timeout) if timeout == int(timeout) else timeout)


def _same_origin(url: str, base_url: str) -> bool:
    link, base = urlsplit(url), urlsplit(base_url)
    return (link.scheme, link.netloc) == (base.scheme, base.netloc)


def _records_of(answer: object, url: str) -> list[KoladaRecord]:
    """The records of one page; raises KoladaUnavailable for anything not shaped like
    `{"values": [{"kpi", "municipality", "period", "values": [{"gender", "value"}]}]}`."""
    if not isinstance(answer, dict) or not isinstance(answer.get("values"), list):
        raise KoladaUnavailable(_unreadable(url, "listan values saknas"))
    records: list[KoladaRecord] = []
    for item in answer["values"]:
        records.extend(_records_of_item(item, url))
    return records


def _records_of_item(item: object, url: str) -> Iterator[KoladaRecord]:
    if not isinstance(item, dict):
        raise KoladaUnavailable(_unreadable(url, "en post i values är inte ett objekt"))
    kpi, municipality = item.get("kpi"), item.get("municipality")
    if not isinstance(kpi, str) or not isinstance(municipality, str):
        raise KoladaUnavailable(_unreadable(url, "en post saknar kpi eller municipality"))
    year = _year_of(item.get("period"), url)
    values = item.get("values")
    if not isinstance(values, list):
        raise KoladaUnavailable(_unreadable(url, f"posten för {kpi} {year} saknar values"))
    for entry in values:
        if not isinstance(entry, dict):
            raise KoladaUnavailable(_unreadable(url, f"ett värde för {kpi} {year} är fel"))
        gender = entry.get("gender")
        if gender not in GENDERS:
            continue  # a breakdown this application does not keep
        yield KoladaRecord(kpi, municipality, year, gender, _value_of(entry.get("value"), url))


def _year_of(period: object, url: str) -> int:
    if isinstance(period, bool):
        period = None
    if isinstance(period, str) and period.isdigit():
        period = int(period)
    if not isinstance(period, int) or not is_valid_year(period):
        raise KoladaUnavailable(_unreadable(url, f"perioden {period!r} är inget år"))
    return period


def _value_of(raw: object, url: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
        raise KoladaUnavailable(_unreadable(url, f"värdet {raw!r} är inget tal"))
    try:
        value = Decimal(str(raw))
    except InvalidOperation as error:
        raise KoladaUnavailable(_unreadable(url, f"värdet {raw!r} är inget tal")) from error
    if not value.is_finite() or abs(value) > LARGEST_VALUE:
        raise KoladaUnavailable(_unreadable(url, f"värdet {raw!r} kan inte lagras"))
    return value
