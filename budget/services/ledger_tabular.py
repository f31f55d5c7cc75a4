"""Reading ledger exports that are tables: Excel workbooks (.xlsx) and CSV files.

Ledger systems write the same content under different headers, in any order, below title
rows, sometimes with a total row at the bottom. The reader finds the header row by its
Swedish column names (or an import profile's), reads every line below it, checks a total
row against the sum of the lines, and reports every bad cell with sheet, row number as
Excel shows it, column and value.

Workbooks are read with python-calamine (Rust, no XML parsing in Python: fast, and not
open to XML entity attacks) from the checked copy amn.lib.uploads makes.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from amn.lib.money import format_swedish, parse_swedish_number
from amn.lib.periods import is_valid_month, is_valid_year
from amn.lib.uploads import (
    cell_text,
    column_name,
    csv_rows,
    decode_text,
    sniff_delimiter,
    worksheets,
)
from budget.models import ImportProfile, Measure, is_balance_account
from budget.services.ledger_files import (
    MAX_AMOUNT,
    ErrorList,
    LedgerRecord,
    to_amount,
)

# The usual Swedish headers of each field, normalised (see normalise_header).
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "period": (
        "period",
        "månad",
        "bokföringsperiod",
        "redovisningsperiod",
        "år-månad",
        "årmånad",
        "år/månad",
        "datum",
        "bokföringsdatum",
        "transaktionsdatum",
    ),
    "year": ("år", "räkenskapsår", "bokföringsår"),
    "account": ("konto", "kontonr", "kontonummer", "konto nr", "kontokod"),
    "responsibility": ("ansvar", "ansvarsnr", "ansvarskod", "ansvarsnummer", "ansvarsenhet"),
    "operation": ("verksamhet", "verksamhetskod", "verksamhetsnr", "vht", "verks"),
    "activity": ("aktivitet", "aktivitetskod", "aktivitetsnr"),
    "project": ("projekt", "projektnr", "projektkod", "projektnummer"),
    "actual": ("belopp", "utfall", "redovisat", "saldo", "periodens utfall", "utfall period"),
    # Verifikationslistor (Fortnox and others) split the amount: debet − kredit.
    "debit": ("debet",),
    "credit": ("kredit",),
    "budget": ("budget", "periodiserad budget", "budget periodiserad", "budget period"),
}
FIELD_NAMES = {
    "period": "Period",
    "year": "År",
    "account": "Konto",
    "responsibility": "Ansvar",
    "operation": "Verksamhet",
    "activity": "Aktivitet",
    "project": "Projekt",
    "actual": "Belopp/Utfall",
    "debit": "Debet",
    "credit": "Kredit",
    "budget": "Budget",
}
AMOUNT_FIELDS = (("actual", Measure.ACTUAL), ("budget", Measure.BUDGET))
DEBIT_CREDIT = ("debit", "credit")
_AMOUNT_HEADERS = FIELD_HEADERS["actual"] + FIELD_HEADERS["debit"] + FIELD_HEADERS["credit"]
MAX_CENTS = int(MAX_AMOUNT * 100)
_INFINITY = float("inf")
HEADER_SEARCH_ROWS = 30
TOTAL_ROW = re.compile(r"^\s*(summa|totalt?|total summa|slutsumma)\b", re.IGNORECASE)
_UNIT_SUFFIX = re.compile(r"\s*(\((kr|sek|kronor)\)|\b(kr|sek)\b)$")
_SCALED_SUFFIX = re.compile(r"\((tkr|mnkr|tsek)\)|\b(tkr|mnkr)$")
_PERIOD_TEXT = re.compile(r"^(\d{4})[-/ ]?(\d{1,2})(?:[-/ ](\d{1,2}))?$")


def normalise_header(text: object) -> str:
    cleaned = " ".join(str(text).replace("\u00a0", " ").split()).strip().rstrip(":").lower()
    return _UNIT_SUFFIX.sub("", cleaned).strip()


@dataclass
class Columns:
    """Where each field stands in a sheet, and the header row's number."""

    header_row: int
    index: dict[str, int]
    headers: dict[str, str]

    def label(self, field: str, excel: bool) -> str:
        position = self.index[field]
        return f"{column_name(position, excel)} ({self.headers[field]})"


def header_lookup(profile: ImportProfile | None) -> dict[str, str]:
    """Normalised header → field: the profile's headers first, then the usual ones."""
    lookup = {header: name for name, headers in FIELD_HEADERS.items() for header in headers}
    if profile:
        for name, header in (profile.columns or {}).items():
            if name in FIELD_HEADERS and header:
                lookup[normalise_header(header)] = name
    return lookup


class TabularReader:
    """Reads the sheets of a workbook or the one table of a CSV file."""

    def __init__(
        self,
        path: Path,
        file_name: str,
        file_format: str,
        errors: ErrorList,
        profile: ImportProfile | None = None,
    ) -> None:
        self.path = path
        self.file_name = file_name
        self.excel = file_format == "xlsx"
        self.errors = errors
        self.lookup = header_lookup(profile)
        named = (profile.columns or {}) if profile else {}
        self.profile_fields = {name for name, header in named.items() if header}
        self.skipped_balance_lines = 0
        self.ignored_sheets: list[str] = []
        self._done = 0
        self._total = 1

    def progress(self) -> float:
        return min(self._done / self._total, 1.0)

    def records(self) -> Iterator[LedgerRecord]:
        sheets = list(self._sheets())
        self._total = max(sum(height for _, height, _ in sheets), 1)
        found = False
        for name, _height, rows in sheets:
            columns, rows = self._find_header(name, rows)
            if columns is None:
                self._done += _height
                continue
            found = True
            yield from self._read_sheet(name, columns, rows)
        if not found and not self.errors:
            self.errors.add(
                "hittar ingen rubrikrad. Filen måste ha kolumner för Konto, Belopp (eller "
                "Utfall/Budget, eller Debet och Kredit) och Period (eller År och Månad) i någon "
                "av de första "
                f"{HEADER_SEARCH_ROWS} raderna, och minst en av Ansvar och Verksamhet."
            )

    # Sheets as (name, number of rows, iterator of rows of cells).

    def _sheets(self) -> Iterator[tuple[str, int, Iterator[list]]]:
        if not self.excel:
            yield "", *self._csv_rows()
            return
        yield from worksheets(self.path, self.file_name)

    def _csv_rows(self) -> tuple[int, Iterator[list]]:
        data = self.path.read_bytes()
        text = decode_text(data, self.file_name)
        lines = text.splitlines()
        delimiter = sniff_delimiter(lines[:HEADER_SEARCH_ROWS])
        return len(lines), csv_rows(text, self.file_name, delimiter)

    def _find_header(
        self, sheet: str, rows: Iterator[list]
    ) -> tuple[Columns | None, Iterator[tuple[int, list]]]:
        numbered = enumerate(rows, start=1)
        for number, cells in numbered:
            self._done += 1
            columns = self._columns(sheet, number, cells)
            if columns is not None:
                return columns, numbered
            if number >= HEADER_SEARCH_ROWS:
                break
        if self.excel:
            self.ignored_sheets.append(sheet)
        return None, iter(())

    def _columns(self, sheet: str, number: int, cells: list) -> Columns | None:
        index: dict[str, int] = {}
        headers: dict[str, str] = {}
        duplicates: list[tuple[str, int, int]] = []
        for position, cell in enumerate(cells):
            if not isinstance(cell, str) or not cell.strip():
                continue
            normalised = normalise_header(cell)
            name = self.lookup.get(normalised)
            if name is None:
                if _SCALED_SUFFIX.search(normalised) and any(
                    normalised.startswith(h) for h in _AMOUNT_HEADERS
                ):
                    headers.setdefault("_scaled", cell.strip())
                continue
            if name in index:
                duplicates.append((name, index[name], position))
                continue
            index[name] = position
            headers[name] = cell.strip()
        self._choose_amount_columns(index, headers)
        sides = [name for name in DEBIT_CREDIT if name in index]
        has_amount = "actual" in index or "budget" in index or bool(sides)
        has_period = "period" in index or "year" in index
        if "account" not in index or not (has_amount or "_scaled" in headers) or not has_period:
            return None
        if len(sides) == 1:
            [present] = sides
            missing = "credit" if present == "debit" else "debit"
            self.errors.add(
                f"kolumn för {FIELD_NAMES[missing]} saknas (det finns bara "
                f"{FIELD_NAMES[present]}): beloppet är debet minus kredit.",
                sheet=sheet,
                row=number,
                value=headers[present],
            )
            return Columns(number, {}, {})  # reported; nothing below is read
        if not has_amount:
            self.errors.add(
                "beloppen är i tusental eller miljoner kronor; exportera i kronor så att "
                "beloppen blir exakta.",
                sheet=sheet,
                row=number,
                value=headers["_scaled"],
            )
            return None
        for name, first, second in duplicates:
            where = f"{column_name(first, self.excel)} och {column_name(second, self.excel)}"
            self.errors.add(
                f"kolumnen för {FIELD_NAMES[name]} finns två gånger ({where}); ta bort den ena "
                "eller spara en importprofil som anger vilken som gäller.",
                sheet=sheet,
                row=number,
                value=headers[name],
            )
        if "responsibility" not in index and "operation" not in index:
            self.errors.add(
                "kolumn för Verksamhet eller Ansvar saknas: raderna kan inte föras till "
                "driftsammandragets rader.",
                sheet=sheet,
                row=number,
            )
        if "period" not in index and "year" in index:
            self.errors.add(
                "kolumn för Period eller Månad saknas (det finns bara År).", sheet=sheet, row=number
            )
        if duplicates or ("responsibility" not in index and "operation" not in index):
            return Columns(number, {}, {})  # reported; nothing below is read
        return Columns(number, index, headers)

    def _choose_amount_columns(self, index: dict[str, int], headers: dict[str, str]) -> None:
        """Debet and Kredit give the actual amount where there is no amount column, or where
        the profile names them (an amount column found by its usual header is then left
        out); otherwise the amount column is read and Debet/Kredit are left out."""
        if not any(name in index for name in DEBIT_CREDIT) or "actual" not in index:
            return
        named = set(DEBIT_CREDIT) <= self.profile_fields and "actual" not in self.profile_fields
        # Beside Debet and Kredit, a Saldo column is the running balance of a huvudbok
        # (Fortnox and others), not the line's amount.
        running_balance = (
            all(name in index for name in DEBIT_CREDIT)
            and "actual" not in self.profile_fields
            and normalise_header(headers["actual"]) == "saldo"
        )
        named = named or running_balance
        for name in ("actual",) if named else DEBIT_CREDIT:
            index.pop(name, None)
            headers.pop(name, None)

    def _read_sheet(
        self, sheet: str, columns: Columns, rows: Iterator[tuple[int, list]]
    ) -> Iterator[LedgerRecord]:
        if not columns.index:
            for _ in rows:
                self._done += 1
            return
        # The hot loop of a 200 000-line file: codes and periods repeat, so each distinct
        # cell value is read once and looked up after that.
        index = columns.index
        errors = self.errors
        excel = self.excel
        amount_fields = [(f, m, index[f]) for f, m in AMOUNT_FIELDS if f in index]
        debit_credit = "debit" in index
        measures = len(amount_fields) + debit_credit
        period_at = index.get("period")
        year_at = index.get("year")
        account_at = index["account"]
        dimension_at = [
            index.get(name, -1) for name in ("responsibility", "operation", "activity", "project")
        ]
        width = max(index.values()) + 1
        sums = {field: Decimal(0) for field, _, _ in amount_fields}
        if debit_credit:
            sums.update(debit=Decimal(0), credit=Decimal(0))
        total_row: tuple[int, list] | None = None
        codes: dict[object, str] = {"": ""}
        periods: dict[tuple, tuple[int, int] | str] = {}
        base = self._done

        for number, cells in rows:
            self._done = base + number
            if len(cells) < width:
                cells = [*cells, *[""] * (width - len(cells))]
            raw = cells[account_at]
            account = codes.get(raw)
            if account is None:
                account = codes[raw] = cell_text(raw)
            if not account.isdigit() or total_row is not None:
                if not any(cell not in ("", None) for cell in cells):
                    continue
                if total_row is not None:
                    errors.add(
                        f"rader efter summaraden (rad {total_row[0]}): summaraden ska stå sist.",
                        sheet=sheet,
                        row=number,
                    )
                elif _is_total_row(cells):
                    total_row = (number, cells)
                else:
                    errors.add(
                        "kontot saknas." if not account else "kontot är inte ett kontonummer.",
                        sheet=sheet,
                        row=number,
                        column=columns.label("account", excel),
                        value=account,
                    )
                continue

            raw_period = cells[period_at] if period_at is not None else ""
            raw_year = cells[year_at] if year_at is not None else None
            period = periods.get((raw_period, raw_year))
            if period is None:
                period = periods[(raw_period, raw_year)] = self._period(raw_period, raw_year)
            if type(period) is str:
                errors.add(
                    period,
                    sheet=sheet,
                    row=number,
                    column=columns.label("year" if period.startswith("året") else "period", excel),
                    value=_shown(raw_year if period.startswith("året") else raw_period),
                )
                period = None

            amounts = []
            for field, measure, position in amount_fields:
                value = cells[position]
                if type(value) is float:
                    amount = _float_amount(value)
                else:
                    amount = self._amount(value, columns, field)
                if type(amount) is str:
                    errors.add(
                        amount,
                        sheet=sheet,
                        row=number,
                        column=columns.label(field, excel),
                        value=_shown(value),
                    )
                elif amount is not None:
                    sums[field] += amount
                    amounts.append((measure, amount))
            if debit_credit:
                net = self._debit_minus_credit(sheet, number, columns, cells, sums)
                if net is not None:
                    amounts.append((Measure.ACTUAL, net))
            if not amounts:
                if measures > 1 and not errors:
                    errors.add("raden har varken utfall eller budget.", sheet=sheet, row=number)
                continue
            if period is None:
                continue
            if is_balance_account(account):
                self.skipped_balance_lines += 1
                continue
            dimensions = []
            for at in dimension_at:
                raw = cells[at] if at >= 0 else ""
                code = codes.get(raw)
                if code is None:
                    code = codes[raw] = cell_text(raw)
                dimensions.append(code)
            responsibility, operation, activity, project = dimensions
            year, month = period
            for measure, amount in amounts:
                yield LedgerRecord(
                    number,
                    year,
                    month,
                    measure,
                    account,
                    responsibility,
                    operation,
                    activity,
                    project,
                    amount,
                    sheet,
                )
        if total_row is not None:
            self._check_total(sheet, columns, total_row, sums)

    def _debit_minus_credit(
        self, sheet: str, number: int, columns: Columns, cells: list, sums: dict
    ) -> Decimal | None:
        """The line's actual amount, debet − kredit (an empty side is 0), exact; None
        with the error reported, or when both sides are empty beside a budget column."""
        sides = []
        for field in DEBIT_CREDIT:
            value = cells[columns.index[field]]
            side = None if value in ("", None) else parse_amount(value)
            if type(side) is str:
                self.errors.add(
                    side,
                    sheet=sheet,
                    row=number,
                    column=columns.label(field, self.excel),
                    value=_shown(value),
                )
                return None
            sides.append(side)
        debit, credit = sides
        if debit is None and credit is None:
            if "budget" not in columns.index:
                self.errors.add(
                    "beloppet saknas: både Debet och Kredit är tomma.",
                    sheet=sheet,
                    row=number,
                    column=" och ".join(columns.label(f, self.excel) for f in DEBIT_CREDIT),
                )
            return None
        debit, credit = debit or Decimal(0), credit or Decimal(0)
        sums["debit"] += debit
        sums["credit"] += credit
        net = to_amount(debit - credit)
        if isinstance(net, str):
            self.errors.add(
                net + ".",
                sheet=sheet,
                row=number,
                column=" och ".join(columns.label(f, self.excel) for f in DEBIT_CREDIT),
            )
            return None
        return net

    def _period(self, raw_period: object, raw_year: object) -> tuple[int, int] | str:
        year = None
        if raw_year is not None:
            year = _whole_number(raw_year)
            if year is None or not is_valid_year(year):
                return "året är inte ett årtal."
        return parse_period(raw_period, year)

    def _amount(self, value: object, columns: Columns, field: str) -> Decimal | str | None:
        """None for an empty cell where that is allowed, else the amount or its error."""
        if value in ("", None):
            if field == "actual" and "budget" not in columns.index:
                return "beloppet saknas."
            return None
        return parse_amount(value)

    def _check_total(
        self, sheet: str, columns: Columns, total_row: tuple[int, list], sums: dict
    ) -> None:
        number, cells = total_row
        for field, total in sums.items():
            value = cells[columns.index[field]]
            if value in ("", None):
                continue
            stated = parse_amount(value)
            if isinstance(stated, str):
                self.errors.add(
                    f"summaradens belopp: {stated}",
                    sheet=sheet,
                    row=number,
                    column=columns.label(field, self.excel),
                    value=_shown(value),
                )
            elif stated != total:
                self.errors.add(
                    f"summaraden säger {format_swedish(stated, 2)} kr men raderna ovanför "
                    f"summerar till {format_swedish(total, 2)} kr (skillnad "
                    f"{format_swedish(stated - total, 2)} kr). Filen är ofullständig eller "
                    "ändrad.",
                    sheet=sheet,
                    row=number,
                    column=columns.label(field, self.excel),
                    value=_shown(value),
                )


def _is_total_row(cells: list) -> bool:
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            return bool(TOTAL_ROW.match(cell))
    return False


def _shown(value: object) -> str:
    if isinstance(value, float):
        # Whole numbers as Excel shows them (4610, not 4610.0); huge ones as 1e+300, not as
        # three hundred digits.
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _whole_number(value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        # ASCII digits only ("²".isdigit() is true, int("²") fails) and no more than a
        # number of this kind can have (int() refuses text of over 4 300 digits).
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return int(text)
    return None


def _float_amount(value: float) -> Decimal | str:
    """A numeric cell as exact kronor. Excel keeps binary doubles (0.1 + 0.2 is
    0.30000000000000004): a value within float precision of whole öre is that amount;
    anything further off is not a ledger amount."""
    if value != value or value in (_INFINITY, -_INFINITY):
        return "beloppet är inte ett tal."
    hundredfold = value * 100
    cents = round(hundredfold)
    if abs(hundredfold - cents) > 1e-6 + abs(hundredfold) * 1e-14:
        return "beloppet har fler än två decimaler."
    if abs(cents) > MAX_CENTS:
        return "beloppet är för stort."
    return Decimal(cents).scaleb(-2)


def parse_amount(value: object) -> Decimal | str:
    """An amount cell as exact kronor, or the Swedish reason it is not one."""
    if isinstance(value, bool):
        return "beloppet är inte ett tal."
    if isinstance(value, float):
        return _float_amount(value)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = parse_swedish_number(value)
        except ValueError:
            return "beloppet är inte ett tal."
        if "%" in value or any(character.isalpha() for character in value):
            return "beloppet är inte ett tal."
    else:
        return "beloppet är inte ett tal."
    checked = to_amount(amount)
    if isinstance(checked, str):
        return checked + "."
    return checked


def parse_period(value: object, year: int | None = None) -> tuple[int, int] | str:
    """(year, month) from 202408, "2024-08", "2024-08-31", an Excel date, or a month 1–12
    with the year from its own column; the Swedish reason otherwise."""
    if isinstance(value, datetime.datetime | datetime.date):
        return _checked_period(value.year, value.month)
    if isinstance(value, datetime.time | datetime.timedelta):
        # Excel counts dates from 1900: an earlier date, or a time of day, reads as a time.
        return (
            "cellen är ett klockslag eller ett datum före 1900, inte en period (skriv t.ex. "
            "202408, 2024-08 eller 2024-08-31)."
        )
    number = _whole_number(value)
    if number is not None:
        if year is not None and 1 <= number <= 12:
            return year, number
        if 190001 <= number <= 220012:
            return _checked_period(number // 100, number % 100, year)
        if 19000101 <= number <= 22001231:
            return _checked_date(str(number)[:4], str(number)[4:6], str(number)[6:], year)
        return "perioden är inte en månad (skriv t.ex. 202408, 2024-08 eller 2024-08-31)."
    if isinstance(value, str):
        match = _PERIOD_TEXT.match(value.strip())
        if match:
            y, m, d = match.groups()
            if d is not None:
                return _checked_date(y, m, d, year)
            return _checked_period(int(y), int(m), year)
    if value in ("", None):
        return "perioden saknas."
    return "perioden är inte en månad (skriv t.ex. 202408, 2024-08 eller 2024-08-31)."


def _checked_date(y: str, m: str, d: str, year: int | None) -> tuple[int, int] | str:
    try:
        date = datetime.date(int(y), int(m), int(d))
    except ValueError:
        return "datumet finns inte."
    return _checked_period(date.year, date.month, year)


def _checked_period(y: int, m: int, year: int | None = None) -> tuple[int, int] | str:
    if not is_valid_month(m):
        return f"månad {m} finns inte."
    if not is_valid_year(y):
        return f"år {y} är inte rimligt."
    if year is not None and y != year:
        return f"perioden hör till {y} men kolumnen År säger {year}."
    return y, m
