"""What every ledger file reader shares: the record it yields, the error it reports, and
the checks made on the raw file before any reader touches it.

A reader (tabular for .xlsx/.csv, SIE for SIE 4) turns a file into `LedgerRecord`s and
reports every problem as a `LedgerError` naming file, sheet, row, column and value. It
goes on after an error, so that a controller sees every problem of a file at once.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, Protocol

from django.conf import settings

from amn.lib.uploads import FileProblem, FileRefused, looks_like_text, open_upload

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
    # What a SIE account's object lines leave of its total: booked without an object.
    remainder: bool = False


@dataclass(frozen=True, slots=True)
class LedgerError(FileProblem):
    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""

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

    def extend(self, other: "ErrorList") -> None:
        """Add the errors another list kept and counted (a reading in its own process)."""
        self.count += other.count
        self.kept.extend(other.kept[: max(MAX_ERRORS - len(self.kept), 0)])

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


def max_upload_bytes() -> int:
    return settings.LEDGER_IMPORT_MAX_BYTES


def detect_format(path: Path, file_name: str) -> str:
    """ "xlsx", "csv" or "sie", judged by the content, not the name; FileRefused otherwise."""
    kind, head = open_upload(path, file_name, max_upload_bytes())
    if kind == "xlsx":
        return kind
    if not looks_like_text(head):
        raise FileRefused(
            f"{file_name}: filen är varken en Excel-fil (.xlsx), en CSV-fil eller en SIE-fil."
        )
    # SIE 1–4 start with their labels; SIE 5 is XML, refused by the SIE reader with a hint.
    if head.lstrip(_LEADING).startswith(b"#") or is_sie5(head):
        return "sie"
    return "csv"


_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 BOM and blanks before a file's first sign


def is_sie5(data: bytes) -> bool:
    """SIE 5 is XML whose root element is <Sie>: judged by the file's first 4 000 bytes."""
    head = data[:4000]
    return head.lstrip(_LEADING).startswith(b"<") and b"<Sie" in head


def to_amount(value: Decimal) -> Decimal | str:
    """The amount as stored, or the Swedish reason it cannot be (too many decimals, too
    large). Negative zero becomes zero."""
    if value == 0:
        return Decimal(0)
    # The size first, and without rounding: quantizing 40 digits to öre, or abs() of
    # 1E+999999999, raises instead of answering.
    if value.copy_abs() > MAX_AMOUNT:
        return "beloppet är för stort"
    if value.as_tuple().exponent < -2 and value != value.quantize(CENT):
        return "beloppet har fler än två decimaler"
    return value.quantize(CENT)
