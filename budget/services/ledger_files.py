"""What every ledger file reader shares: the record it yields, the error it reports, and
the checks made on the raw file before any reader touches it.

A reader (tabular for .xlsx/.csv, SIE for SIE 4) turns a file into `LedgerRecord`s and
reports every problem as a `LedgerError` naming file, sheet, row, column and value. It
goes on after an error, so that a controller sees every problem of a file at once.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, Protocol

from django.conf import settings

# A ledger amount fits money_field (16 digits, 2 decimals).
MAX_AMOUNT = Decimal("99999999999999.99")
CENT = Decimal("0.01")
# The most errors kept for one file; the rest are counted.
MAX_ERRORS = 500


class LedgerRecord(NamedTuple):
    """One posting or period balance, read and checked but not yet mapped to a row.

    A named tuple: a file has hundreds of thousands of them, and tuples are cheap to make.
    Fields year … amount stand in the order of LedgerLine's columns: the writer copies them
    as one slice.
    """

    source_row: int
    year: int
    month: int
    measure: str  # budget.models.Measure
    account: str
    responsibility: str
    operation_code: str
    activity: str
    project: str
    amount: Decimal
    sheet: str = ""


@dataclass(frozen=True, slots=True)
class LedgerError:
    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"blad {self.sheet}")
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column:
            where.append(f"kolumn {self.column}")
        text = ", ".join(where)
        if self.value:
            text += f", värde {self.value!r}"
        return f"{text}: {self.message}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "text": str(self),
        }


class ErrorList:
    """The errors of one file, at most MAX_ERRORS kept and the rest counted."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.kept: list[LedgerError] = []
        self.count = 0

    def add(
        self,
        message: str,
        *,
        sheet: str = "",
        row: int | None = None,
        column: str = "",
        value: object = "",
    ) -> None:
        self.count += 1
        if len(self.kept) < MAX_ERRORS:
            shown = "" if value is None else str(value)
            if len(shown) > 80:
                shown = shown[:77] + "…"
            self.kept.append(LedgerError(self.file, message, sheet, row, column, shown))

    def __bool__(self) -> bool:
        return self.count > 0

    def as_list(self) -> list[dict]:
        items = [error.as_dict() for error in self.kept]
        if self.count > len(self.kept):
            more = self.count - len(self.kept)
            items.append(
                {
                    "file": self.file,
                    "sheet": "",
                    "row": None,
                    "column": "",
                    "value": "",
                    "message": f"… och {more} fel till.",
                    "text": f"{self.file}: … och {more} fel till.",
                }
            )
        return items


class LedgerReader(Protocol):
    errors: ErrorList
    skipped_balance_lines: int

    def records(self) -> Iterator[LedgerRecord]: ...

    def progress(self) -> float:
        """How far reading has come, 0.0–1.0."""
        ...


class FileRefused(Exception):
    """The whole file is refused before any line is read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_upload_bytes() -> int:
    return settings.LEDGER_IMPORT_MAX_BYTES


def open_upload(path: Path, file_name: str, max_bytes: int) -> tuple[str, bytes]:
    """("xlsx", head) for a sound workbook, ("text", head) for anything else that may be
    text; FileRefused for an empty or too large file, the old .xls format, a damaged zip
    archive or a decompression bomb. `head` is the first 4 KiB."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"{file_name}: filen är tom.")
    if size > max_bytes:
        raise FileRefused(
            f"{file_name}: filen är {size / 1_000_000:.1f} MB; gränsen är "
            f"{max_bytes / 1_000_000:.0f} MB."
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        check_zip_container(path, file_name)
        return "xlsx", head
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            f"{file_name}: det gamla Excel-formatet (.xls) kan inte läsas in. "
            "Spara filen som Excel-arbetsbok (.xlsx) och försök igen."
        )
    if head.startswith(b"PK"):
        raise FileRefused(f"{file_name}: filen är skadad (ofullständigt zip-arkiv).")
    return "text", head


def detect_format(path: Path, file_name: str) -> str:
    """ "xlsx", "csv" or "sie", judged by the content, not the name; FileRefused otherwise."""
    kind, head = open_upload(path, file_name, max_upload_bytes())
    if kind == "xlsx":
        return kind
    if b"\x00" in head:
        raise FileRefused(
            f"{file_name}: filen är varken en Excel-fil (.xlsx), en CSV-fil eller en SIE-fil."
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"#"):
        return "sie"
    return "csv"


def check_zip_container(path: Path, file_name: str) -> None:
    """Refuse a damaged workbook or a decompression bomb from the zip directory alone,
    before a single entry is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused(f"{file_name}: filen är skadad och kan inte öppnas ({exc}).") from exc
    if len(entries) > settings.LEDGER_IMPORT_MAX_ZIP_ENTRIES:
        raise FileRefused(
            f"{file_name}: arbetsboken har {len(entries)} delar; fler än "
            f"{settings.LEDGER_IMPORT_MAX_ZIP_ENTRIES} tas inte emot."
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRefused(f"{file_name}: zip-filen är ingen Excel-arbetsbok (.xlsx).")
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if unpacked > settings.LEDGER_IMPORT_MAX_UNPACKED_BYTES:
        raise FileRefused(
            f"{file_name}: arbetsboken packas upp till {unpacked / 1_000_000:.0f} MB; gränsen "
            f"är {settings.LEDGER_IMPORT_MAX_UNPACKED_BYTES / 1_000_000:.0f} MB "
            "(misstänkt dekomprimeringsbomb)."
        )
    if unpacked / packed > settings.LEDGER_IMPORT_MAX_COMPRESSION_RATIO:
        raise FileRefused(
            f"{file_name}: arbetsboken är packad {unpacked / packed:.0f} gånger; så hårt "
            "packade filer tas inte emot (misstänkt dekomprimeringsbomb)."
        )


def to_amount(value: Decimal) -> Decimal | str:
    """The amount as stored, or the Swedish reason it cannot be (too many decimals, too
    large). Negative zero becomes zero."""
    if value == 0:
        return Decimal(0)
    if value.as_tuple().exponent < -2 and value != value.quantize(CENT):
        return "beloppet har fler än två decimaler"
    if abs(value) > MAX_AMOUNT:
        return "beloppet är för stort"
    return value.quantize(CENT)
