"""Keeping, reading and importing an uploaded round-trip file: preview, then confirm.

- Keeping an upload (`store_upload`): the file waits in UPLOAD_DIR/indikatorer under a
  random token between preview and confirmation, with a record of who uploaded it for
  which nämnd and its SHA-256; one nobody confirmed is removed after a day.
- Reading a stored upload (`read_stored`): once, in the upload's request, within
  UPLOAD_READ_MAX_SECONDS_IN_REQUEST; the tables found are kept beside the file for the
  preview and the confirmation.
- Reading an upload (`read_upload`): every visible worksheet (or the CSV) whose header row
  holds the value columns or the target columns; a workbook may carry both tables.
- Import (`run_import`): each table through its resource (indicators.resources), a dry run
  for the preview and the real import for the confirmation, both tables in one transaction:
  one bad row and nothing is stored. Every problem names file, sheet, Excel row, column
  header and cell.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.http import Http404
from import_export.results import Result, RowResult

from amn.lib.text import quoted, spaced
from amn.lib.uploads import (
    FileRefused,
    UploadProblem,
    UploadStore,
    column_name,
    csv_rows,
    decode_text,
    file_checksum,
    looks_like_text,
    open_upload,
    read_untrusted,
    sniff_delimiter,
    worksheets,
)
from amn.models import MONTH_NAMES, ChangeSource, Committee
from amn.services.history import Edit, record_changes
from indicators.models import (
    IndicatorValue,
    Origin,
    Target,
)
from indicators.resources import (
    GROUP,
    INDICATOR,
    MONTH,
    SERIES,
    TARGET_HEADERS,
    TARGETS_TITLE,
    VALUE_HEADERS,
    VALUE_KIND,
    VALUES_TITLE,
    YEAR,
    IndicatorValueResource,
    RowOrigin,
    TargetResource,
    cell_text,
    normalised,
    shown_cell,
)
from indicators.targets import describe_target, format_value

# An upload nobody confirmed is removed after a day.
UPLOADS = UploadStore("indikatorer", token_chars=32, records=True, lifetime_seconds=24 * 3600)
# A header row is looked for this far down a sheet, below a title line or two.
HEADER_SEARCH_ROWS = 10
# Every row is previewed on one page: a file far beyond a nämnd's figures is refused.
MAX_ROWS = 20_000


# --- Reading an upload ---------------------------------------------------------------------


@dataclass
class UploadTable:
    """The rows of one kind (values or targets) from every sheet that holds them."""

    kind: str  # "values" or "targets"
    dataset: tablib.Dataset
    origins: list[RowOrigin] = field(default_factory=list)

    @property
    def title(self) -> str:
        return VALUES_TITLE if self.kind == "values" else TARGETS_TITLE


TABLE_HEADERS = {"values": VALUE_HEADERS, "targets": TARGET_HEADERS}


def table_format(path: Path, file_name: str, max_bytes: int) -> str:
    """ "xlsx" or "csv", judged by the content; FileRefused for anything else."""
    kind, head = open_upload(path, file_name, max_bytes)
    if kind == "xlsx":
        return kind
    if not looks_like_text(head):
        raise FileRefused(f"{file_name}: filen är varken en Excel-fil (.xlsx) eller en CSV-fil.")
    return "csv"


def read_upload(path: Path, file_name: str, max_bytes: int) -> list[UploadTable]:
    """The value and target tables of an uploaded file; FileRefused with a Swedish reason
    for a file that is no workbook or CSV, has no sheet with the expected headers, or no
    rows below them."""
    kind = table_format(path, file_name, max_bytes)
    sheets = _workbook_sheets(path, file_name) if kind == "xlsx" else _csv_sheet(path, file_name)
    tables: dict[str, UploadTable] = {}
    candidates: list[tuple[str, list[str]]] = []
    for sheet, rows in sheets:
        found = _find_header(rows)
        if found is None:
            continue
        number, header_cells, table_kind = found
        if table_kind is None:
            candidates.append((sheet, header_cells))
            continue
        _refuse_repeated_headers(file_name, sheet, number, header_cells, table_kind)
        table = tables.setdefault(
            table_kind, UploadTable(table_kind, tablib.Dataset(headers=TABLE_HEADERS[table_kind]))
        )
        _add_rows(table, sheet, number, header_cells, rows, file_name)
    if not tables:
        raise FileRefused(_missing_headers_message(file_name, candidates))
    found = [tables[k] for k in ("values", "targets") if k in tables and len(tables[k].dataset)]
    if not found:
        raise FileRefused(f"{file_name}: filen har inga rader under rubrikraden.")
    return found


def _workbook_sheets(path: Path, file_name: str) -> Iterator[tuple[str, Iterator[list]]]:
    for name, height, rows in worksheets(path, file_name):
        if height > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise _too_many_rows(file_name)
        yield name, rows


def _csv_sheet(path: Path, file_name: str) -> Iterator[tuple[str, Iterator[list]]]:
    text = decode_text(path.read_bytes(), file_name)
    delimiter = sniff_delimiter(text.splitlines()[:HEADER_SEARCH_ROWS])
    yield "", csv_rows(text, file_name, delimiter)


def _find_header(rows: Iterator[list]) -> tuple[int, list[str], str | None] | None:
    """(Excel row number, header cells, "values"/"targets"/None) of the sheet's header row:
    the first row with every column of a table, else the row most like one."""
    best: tuple[int, list[str], int] | None = None
    for number, cells in enumerate(rows, start=1):
        headers = [cell_text(cell) for cell in cells]
        present = {normalised(h) for h in headers if h}
        for kind, wanted in TABLE_HEADERS.items():
            if all(normalised(h) in present for h in wanted):
                return number, headers, kind
        overlap = max(
            sum(normalised(h) in present for h in wanted) for wanted in TABLE_HEADERS.values()
        )
        if overlap and (best is None or overlap > best[2]):
            best = (number, headers, overlap)
        if number >= HEADER_SEARCH_ROWS:
            break
    return None if best is None else (best[0], best[1], None)


def _refuse_repeated_headers(
    file_name: str, sheet: str, number: int, headers: list[str], table_kind: str
) -> None:
    """A column the table needs must stand once: with two, which one holds the value?"""
    for wanted in TABLE_HEADERS[table_kind]:
        at = [i for i, header in enumerate(headers) if normalised(header) == normalised(wanted)]
        if len(at) > 1:
            columns = " och ".join(column_name(i, workbook=bool(sheet)) for i in at)
            where = f"{file_name}, blad {sheet}" if sheet else file_name
            raise FileRefused(
                f"{where}, rad {number}: kolumnen {wanted} finns {len(at)} gånger "
                f"({columns}); ta bort den som inte gäller."
            )


def _missing_headers_message(file_name: str, candidates: list[tuple[str, list[str]]]) -> str:
    expected = (
        f"Indikatorvärden har kolumnerna {', '.join(VALUE_HEADERS)}; "
        f"målvärden har kolumnerna {', '.join(TARGET_HEADERS)}."
    )
    if not candidates:
        return f"{file_name}: hittar ingen rubrikrad med de väntade kolumnerna. {expected}"
    parts = []
    for sheet, headers in candidates:
        present = {normalised(h) for h in headers if h}
        wanted = max(
            TABLE_HEADERS.values(), key=lambda hs: sum(normalised(h) in present for h in hs)
        )
        missing = [h for h in wanted if normalised(h) not in present]
        where = f"bladet {sheet}" if sheet else "filen"
        parts.append(f"{where} saknar kolumnerna {', '.join(missing)}")
    return f"{file_name}: {'; '.join(parts)}. {expected}"


def _add_rows(
    table: UploadTable,
    sheet: str,
    header_number: int,
    header_cells: list[str],
    rows: Iterator[list],
    file_name: str,
) -> None:
    positions = {normalised(h): i for i, h in reversed(list(enumerate(header_cells))) if h}
    columns = [positions[normalised(h)] for h in TABLE_HEADERS[table.kind]]
    for number, cells in enumerate(rows, start=header_number + 1):
        if all(cell_text(cell) == "" for cell in cells):
            continue
        if len(table.dataset) >= MAX_ROWS:
            raise _too_many_rows(file_name)
        table.dataset.append([cells[i] if i < len(cells) else None for i in columns])
        table.origins.append(RowOrigin(sheet, number))


def _too_many_rows(file_name: str) -> FileRefused:
    return FileRefused(f"{file_name}: filen har fler än {spaced(MAX_ROWS)} rader.")


# --- Keeping an upload ---------------------------------------------------------------------


def max_upload_bytes() -> int:
    return settings.INDICATOR_IMPORT_MAX_BYTES


@dataclass(frozen=True)
class StoredUpload:
    token: str
    path: Path
    file_name: str
    checksum: str
    user_id: int
    committee_id: int


def store_upload(uploaded_file, committee: Committee, user) -> StoredUpload:
    """Keep the upload under a random name, with who sent it for which nämnd and its
    SHA-256 beside it."""
    path = UPLOADS.save(uploaded_file)
    stored = StoredUpload(
        token=path.stem,
        path=path,
        file_name=Path(uploaded_file.name).name[:200],
        checksum=file_checksum(path),
        user_id=user.pk,
        committee_id=committee.pk,
    )
    UPLOADS.write_record(
        path,
        {
            "file_name": stored.file_name,
            "checksum": stored.checksum,
            "user": stored.user_id,
            "committee": stored.committee_id,
        },
    )
    return stored


def stored_upload(token: str, committee: Committee, user) -> StoredUpload:
    """The upload behind `token` if this user sent it for this nämnd; 404 otherwise, the
    same answer as for a token that never existed."""
    path = UPLOADS.path(token)
    if path is None:
        raise Http404("Filen finns inte.")
    record = UPLOADS.read_record(path)
    if record is None:
        raise Http404("Filen finns inte längre: den är redan inläst eller avbruten.")
    if record.get("user") != user.pk or record.get("committee") != committee.pk:
        raise Http404("Filen finns inte.")
    if not path.exists():
        raise Http404("Filen finns inte längre: den är redan inläst eller avbruten.")
    return StoredUpload(
        token, path, record["file_name"], record["checksum"], record["user"], record["committee"]
    )


def remove_upload(stored: StoredUpload) -> None:
    UPLOADS.remove(stored.path)


def read_stored(stored: StoredUpload) -> list[UploadTable]:
    """The tables of the stored file, after checking it is still the file that was sent.
    The file is read once, inside the request that waits for it (under
    UPLOAD_READ_MAX_SECONDS_IN_REQUEST), and its tables kept beside it for the preview and
    the confirmation. A file that cannot be read (refused, or the reader failed) is removed
    at once."""
    with removed_on_failure(stored):
        if file_checksum(stored.path) != stored.checksum:
            raise FileRefused(f"{stored.file_name}: filen har ändrats sedan den laddades upp.")
        tables = UPLOADS.read_parsed(stored.path)
        if tables is None:
            tables = read_untrusted(
                read_upload,
                stored.path,
                stored.file_name,
                max_upload_bytes(),
                file_name=stored.file_name,
                in_request=True,
            )
            UPLOADS.write_parsed(stored.path, tables)
        return tables


@contextmanager
def removed_on_failure(stored: StoredUpload) -> Iterator[None]:
    """Remove the upload if the block fails: nobody can come back to it after an error
    page."""
    try:
        yield
    except BaseException:
        remove_upload(stored)
        raise


def remove_abandoned_uploads() -> None:
    """Uploads whose preview nobody confirmed or discarded within their lifetime."""
    UPLOADS.remove_stale()


# --- Import: preview and confirmation ------------------------------------------------------

STATUS_LABELS = {"new": "Ny", "changed": "Ändras", "unchanged": "Oförändrad", "error": "Fel"}


class RowError(UploadProblem):
    """A bad cell of an indicator upload."""


@dataclass
class RowChange:
    origin: RowOrigin
    status: str  # new, changed, unchanged, error
    what: str
    old: str = ""
    new: str = ""
    details: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class TableOutcome:
    title: str
    rows: list[RowChange]
    errors: list[RowError] = field(default_factory=list)  # of the table as a whole

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def all_errors(self) -> list[RowError]:
        return self.errors + [error for row in self.rows for error in row.errors]


@dataclass
class ImportOutcome:
    file_name: str
    tables: list[TableOutcome]

    def count(self, status: str) -> int:
        return sum(table.count(status) for table in self.tables)

    @property
    def errors(self) -> list[RowError]:
        return [error for table in self.tables for error in table.all_errors]

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)

    @property
    def summary(self) -> str:
        return f"{self.new} nya, {self.changed} ändrade och {self.unchanged} oförändrade rader"


RESOURCES = {"values": IndicatorValueResource, "targets": TargetResource}


def run_import(
    committee: Committee,
    tables: list[UploadTable],
    file_name: str,
    *,
    dry_run: bool,
    user=None,
) -> ImportOutcome:
    """Import every table of the file in one transaction: the dry run behind the preview,
    or the real import, whose changes go to the history. Any error in any row of any
    table and nothing is stored."""
    with transaction.atomic():
        if not dry_run:
            # Two confirmations for the same nämnd never interleave.
            Committee.objects.select_for_update().filter(pk=committee.pk).first()
        outcome = ImportOutcome(file_name, [])
        for table in tables:
            resource = RESOURCES[table.kind](committee, origins=table.origins)
            result = resource.import_stored(table.dataset, dry_run=dry_run)
            outcome.tables.append(_table_outcome(table, result, file_name))
        if dry_run or outcome.errors:
            transaction.set_rollback(True)
        else:
            record_changes(
                committee=committee,
                period=None,
                user=user,
                source=ChangeSource.IMPORT,
                edits=[
                    Edit(f"{row.what} ({file_name})", table.title.lower(), row.old, row.new)
                    for table in outcome.tables
                    for row in table.rows
                    if row.status in ("new", "changed")
                ],
            )
    return outcome


def _table_outcome(table: UploadTable, result: Result, file_name: str) -> TableOutcome:
    describe = _describe_value if table.kind == "values" else _describe_target
    rows = [
        _row_change(origin, data, row_result, describe)
        for origin, data, row_result in zip(
            table.origins, table.dataset.dict, result.rows, strict=True
        )
    ]
    for row, data, row_result in zip(rows, table.dataset.dict, result.rows, strict=True):
        row.errors = _row_errors(row.origin, data, row_result, file_name)
    general = [
        RowError(file_name, "", None, "", "", f"{table.title} kunde inte läsas in: {e.error}")
        for e in result.base_errors
    ]
    return TableOutcome(table.title, rows, general)


def _row_change(origin: RowOrigin, data: dict, row_result: RowResult, describe) -> RowChange:
    what = _what(data)
    if not row_result.is_valid():
        return RowChange(origin, "error", what)
    instance = row_result.instance
    if row_result.is_new():
        shown, _ = describe(instance)
        return RowChange(origin, "new", what, new=shown)
    original = row_result.original
    old, old_note = describe(original)
    if row_result.is_skip():
        return RowChange(origin, "unchanged", what, old=old, new=old)
    new, new_note = describe(instance)
    details = []
    if old_note != new_note:
        details.append(_note_change(old_note, new_note))
    if getattr(original, "annotation", "") and not instance.annotation:
        details.append(f"tillägget {quoted(original.annotation)} tas bort")
    if getattr(original, "origin", "") == Origin.KOLADA:
        details.append("värdet hämtades från Kolada och ersätts")
    return RowChange(origin, "changed", what, old=old, new=new, details=details)


def _row_errors(origin: RowOrigin, data: dict, row_result: RowResult, file_name: str):
    """A row's errors, each under the header of the cell to correct, quoting the cell."""
    errors = []
    if row_result.validation_error is not None:
        for column, messages in row_result.validation_error.message_dict.items():
            column = "" if column == NON_FIELD_ERRORS else column
            shown = shown_cell(data.get(column)) if column else ""
            errors += [
                RowError(file_name, origin.sheet, origin.row, column, shown, message)
                for message in messages
            ]
    errors += [
        RowError(
            file_name, origin.sheet, origin.row, "", "", f"Raden kunde inte lagras ({e.error})."
        )
        for e in row_result.errors
    ]
    return errors


def _note_change(old: str, new: str) -> str:
    if old and new:
        return "fotnoten ändras"
    return "fotnot läggs till" if new else "fotnoten tas bort"


def _what(data: dict) -> str:
    """The row as a reader names it: (group:) indicator – series, period (and
    utfall/prognos)."""
    name = cell_text(data.get(INDICATOR)) or "(utan namn)"
    group = cell_text(data.get(GROUP))
    if group:  # the same name may stand in two groups
        name = f"{group}: {name}"
    label = cell_text(data.get(SERIES))
    parts = [f"{name} – {label}" if label else name, cell_text(data.get(YEAR))]
    if MONTH in data:
        month = cell_text(data.get(MONTH))
        parts[1] = _period(parts[1], month)
        kind = cell_text(data.get(VALUE_KIND))
        if kind:
            parts.append(kind.lower())
    return ", ".join(p for p in parts if p)


def _period(year: str, month: str) -> str:
    if month == "12":
        return f"helår {year}"
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{MONTH_NAMES[int(month) - 1]} {year}"
    return f"{year} månad {month}"


def _describe_value(value: IndicatorValue) -> tuple[str, str]:
    return format_value(value.value, value.decimals), value.note


def _describe_target(target: Target) -> tuple[str, str]:
    return describe_target(target), target.note
