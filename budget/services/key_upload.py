"""A periodisation key uploaded from a workbook: one line per driftsammandrag row (by
verksamhetskod or the row's words, or "Alla rader" for every row not named), twelve month
columns of weights (amounts, percentages, any numbers: only their proportions count).

The file is read in a process of its own under the upload limits (amn.lib.uploads); every
bad cell is named by file, sheet, row, column and value, and a key with any bad cell is
refused whole.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings

from amn.lib.money import parse_swedish_number
from amn.lib.text import quoted
from amn.lib.uploads import (
    FileRefused,
    UploadStore,
    cell_text,
    column_name,
    open_upload,
    read_untrusted,
    worksheets,
)
from amn.models import MONTH_NAMES
from budget.models import PeriodisationKey
from budget.services.periodisation import Key

ALL_ROWS = "alla rader"
ROW_HEADERS = ("rad", "verksamhet", "verksamhetskod", "kod")
MAX_ROWS = 5_000
MONTH_HEADERS = {
    **{name: number for number, name in enumerate(MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(MONTH_NAMES, start=1)},
    **{str(number): number for number in range(1, 13)},
}


def read_key_rows(path: Path, file_name: str) -> list[tuple[str, int, list]]:
    """(sheet, row number, cells) of the first sheet with a header row; runs sandboxed."""
    kind, _ = open_upload(path, file_name, settings.INDICATOR_IMPORT_MAX_BYTES)
    if kind != "xlsx":
        raise FileRefused(f"{file_name}: nyckeln ska vara en Excel-arbetsbok (.xlsx).")
    for sheet, height, rows in worksheets(path, file_name):
        if height > MAX_ROWS:
            raise FileRefused(f"{file_name}, blad {sheet}: fler än {MAX_ROWS} rader.")
        return [(sheet, number, list(cells)) for number, cells in enumerate(rows, start=1)]
    raise FileRefused(f"{file_name}: arbetsboken har inget blad med innehåll.")


UPLOADS = UploadStore("periodisation-keys", token_chars=32, lifetime_seconds=3600)


def read_key_upload(uploaded_file) -> dict[str, Key]:
    """The key of an uploaded workbook, kept on disk only while it is read."""
    path = UPLOADS.save(uploaded_file)
    try:
        return read_uploaded_key(path, Path(uploaded_file.name).name[:200])
    finally:
        UPLOADS.remove(path)


def read_uploaded_key(path: Path, file_name: str) -> dict[str, Key]:
    """The key per row identifier ("" for "Alla rader"); FileRefused listing every problem."""
    rows = read_untrusted(read_key_rows, path, file_name, file_name=file_name, in_request=True)
    header = None
    problems: list[str] = []
    keys: dict[str, Key] = {}
    for sheet, number, cells in rows:
        texts = [cell_text(cell) for cell in cells]
        if header is None:
            if texts and texts[0].lower() in ROW_HEADERS:
                header = _month_columns(texts, file_name, sheet, number)
            continue
        if not any(texts):
            continue
        identifier = texts[0]
        where = f"{file_name}, blad {sheet}, rad {number}"
        weights = []
        for month, column in enumerate(header, start=1):
            value = cells[column] if column < len(cells) else None
            try:
                weights.append(_weight(value))
            except ValueError:
                problems.append(
                    f"{where}, kolumn {column_name(column, True)} "
                    f"({MONTH_NAMES[month - 1]}): {quoted(cell_text(value))} är inget tal."
                )
        name = "" if identifier.lower() == ALL_ROWS else identifier
        if name in keys:
            problems.append(
                f"{where}, kolumn A: {quoted(identifier)} finns redan på en rad ovanför."
            )
        elif len(weights) == 12:
            if sum(weights) == 0:
                problems.append(f"{where}: vikterna summerar till 0.")
            keys[name] = Key(PeriodisationKey.UPLOADED, tuple(weights))
    if header is None:
        raise FileRefused(
            f"{file_name}: ingen rubrikrad hittades. Första kolumnen ska heta Rad (eller "
            "Verksamhet) och de följande januari–december."
        )
    if problems:
        raise FileRefused("\n".join(problems))
    if not keys:
        raise FileRefused(f"{file_name}: nyckeln har inga rader under rubrikraden.")
    return keys


def _month_columns(texts: list[str], file_name: str, sheet: str, number: int) -> list[int]:
    columns: dict[int, int] = {}
    for index, text in enumerate(texts[1:], start=1):
        month = MONTH_HEADERS.get(text.lower().rstrip("."))
        if month is not None and month not in columns:
            columns[month] = index
    missing = [MONTH_NAMES[m - 1] for m in range(1, 13) if m not in columns]
    if missing:
        raise FileRefused(
            f"{file_name}, blad {sheet}, rad {number}: kolumner saknas för {', '.join(missing)}."
        )
    return [columns[m] for m in range(1, 13)]


def _weight(cell) -> Decimal:
    if cell is None or cell == "":
        return Decimal(0)
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, (int, float)):
        try:
            value = Decimal(str(cell))
        except InvalidOperation as exc:
            raise ValueError(cell) from exc
        if not value.is_finite():
            raise ValueError(cell)
        return value
    return parse_swedish_number(str(cell).rstrip("%").strip())
