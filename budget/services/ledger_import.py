"""Bringing a ledger file into a nämnd's driftsammandrag: read → preview → confirm.

1. `start_ledger_import` records the file (name, size, SHA-256) and notices a file that is
   already stored and current: importing it again changes nothing.
2. `read_ledger_import` reads and checks every line, maps it to its driftsammandrag row and
   stores the lines *staged* under the import (invisible to every page), with the per-row,
   per-month sums and the change against what is stored as a preview. Any error refuses
   the whole file: the staged lines are removed and the errors kept for the controller.
3. `confirm_ledger_import` makes a previewed import the current one for the months it
   covers, in one transaction under a lock on the nämnd, so two imports for the same
   nämnd never interleave: earlier lines of those months are marked replaced, and the
   monthly amounts the pages read are rebuilt from the new lines. What they replaced is
   kept, so `undo_ledger_import` restores it exactly.

The file is read in a process of its own (amn.lib.uploads.read_untrusted, waited for by
a thread), which writes its records to a spool file in a private temporary folder; this
process follows the spool as it grows, a batch at a time, into the mapping and the lines'
COPY (PostgreSQL; batched INSERTs elsewhere), so reading and storing overlap and its
memory does not grow with the number of lines. The spool is removed whatever happens.
"""

import io
import logging
import pickle
import struct
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from amn.forms import too_long
from amn.lib.money import Unit, format_amount, format_swedish
from amn.lib.text import quoted
from amn.lib.uploads import FileRefused, UploadStore, file_checksum, read_untrusted
from amn.models import MONTH_NAMES, ChangeSource, Committee, months_span
from amn.services.history import edits_between, record_changes
from budget.models import (
    READING_STALE_AFTER,
    ImportProfile,
    ImportStatus,
    LedgerCodeMapping,
    LedgerDimension,
    LedgerImport,
    LedgerLine,
    Measure,
    MonthlyAmount,
    RowKind,
    SummaryRow,
    is_revenue_account,
)
from budget.services.ledger_files import (
    ErrorList,
    LedgerReader,
    LedgerRecord,
    detect_format,
)
from budget.services.ledger_lines import current_lines
from budget.services.ledger_tabular import TabularReader
from budget.services.sie import SieReader

logger = logging.getLogger(__name__)

BATCH_SIZE = 5_000
PROGRESS_EVERY = 10_000
STALE_AFTER = READING_STALE_AFTER
# The codes of a line, stored as they are read (a line mapped by its ansvar keeps any
# verksamhet, and the other way round).
CHECKED_CODES = ("account", "responsibility", "operation_code", "activity", "project")
CODE_LENGTHS = tuple(LedgerLine._meta.get_field(name).max_length for name in CHECKED_CODES)
# An upload waits in UPLOAD_DIR itself until its reading is done; the import's
# upload_path names it, and a discarded or stale import removes it.
UPLOADS = UploadStore(token_chars=24)


class ImportStateError(Exception):
    """The import is not in a state that allows the action; the message says why."""


# --- 1. start -------------------------------------------------------------------------


def start_ledger_import(
    committee: Committee,
    path: Path,
    file_name: str,
    *,
    user=None,
    profile: ImportProfile | None = None,
) -> LedgerImport:
    """Record the file; an import of the same file that is still current makes this one
    UNCHANGED at once, without reading a line."""
    discard_stale_imports(committee)
    checksum = file_checksum(path)
    ledger_import = LedgerImport.objects.create(
        committee=committee,
        created_by=user if user is not None and user.is_authenticated else None,
        file_name=file_name[:255],
        file_size=path.stat().st_size,
        checksum=checksum,
        profile=profile,
        upload_path=str(path),
    )
    current = current_import_with_checksum(committee, checksum)
    if current is not None:
        _mark_unchanged(ledger_import, current)
    return ledger_import


def current_import_with_checksum(committee: Committee, checksum: str) -> LedgerImport | None:
    """The active import of this very file whose lines are all still current."""
    return (
        LedgerImport.objects.filter(
            committee=committee, checksum=checksum, status=ImportStatus.ACTIVE
        )
        .exclude(lines__replaced_by__isnull=False)
        .order_by("-confirmed_at")
        .first()
    )


def _mark_unchanged(ledger_import: LedgerImport, current: LedgerImport) -> None:
    LedgerLine.objects.filter(ledger_import=ledger_import).delete()
    ledger_import.status = ImportStatus.UNCHANGED
    ledger_import.progress = 100
    ledger_import.months = current.months
    ledger_import.line_count = current.line_count
    ledger_import.total = current.total
    ledger_import.preview = {
        "note": f"Samma fil lästes in {timezone.localtime(current.confirmed_at):%Y-%m-%d %H:%M} "
        f"(import {current.pk}) och gäller fortfarande. Inget ändrades."
    }
    ledger_import.save()


def discard_stale_imports(committee: Committee) -> None:
    """Readings whose process died, and previews nobody confirmed within a day."""
    now = timezone.now()
    stale = LedgerImport.objects.filter(
        Q(status=ImportStatus.READING, created_at__lt=now - STALE_AFTER)
        | Q(status=ImportStatus.PREVIEW, created_at__lt=now - timedelta(days=1)),
        committee=committee,
    )
    for ledger_import in stale:
        discard_ledger_import(ledger_import)


# --- 2. read --------------------------------------------------------------------------


class RowResolver:
    """Which driftsammandrag row a line belongs to, by ansvar (the nämnd's own units) and
    then verksamhet, for the line's year. Answers are cached per code pair, so a file of
    200 000 lines costs a handful of lookups."""

    def __init__(self, committee: Committee) -> None:
        rows = list(SummaryRow.objects.filter(committee=committee).order_by("year", "position"))
        self.rows = {row.pk: row for row in rows}
        self.years = {row.year for row in rows}
        self.successor = {row.predecessor_id: row for row in rows if row.predecessor_id}
        self.by_code: dict[tuple[int, str], SummaryRow] = {}
        codes = dict(
            SummaryRow.objects.filter(committee=committee, operation__isnull=False).values_list(
                "pk", "operation__code"
            )
        )
        for row in rows:
            if row.pk in codes and row.kind == RowKind.ROW:
                key = (row.year, codes[row.pk])
                # A top-level row wins over a "varav" detail with the same code.
                if key not in self.by_code or self.by_code[key].parent_id:
                    self.by_code[key] = row
        self.mappings: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for mapping in LedgerCodeMapping.objects.filter(committee=committee).order_by("year"):
            self.mappings[(mapping.dimension, mapping.code)].append((mapping.year, mapping.row_id))
        self.cache: dict[tuple[int, str, str], SummaryRow | None] = {}

    def resolve(self, year: int, responsibility: str, operation: str) -> SummaryRow | None:
        key = (year, responsibility, operation)
        if key not in self.cache:
            if responsibility or operation:
                self.cache[key] = (
                    self._mapped(LedgerDimension.RESPONSIBILITY, responsibility, year)
                    or self._mapped(LedgerDimension.OPERATION, operation, year)
                    or self.by_code.get((year, operation))
                )
            else:
                self.cache[key] = self._mapped(LedgerDimension.NONE, "", year)
        return self.cache[key]

    def _mapped(self, dimension: str, code: str, year: int) -> SummaryRow | None:
        if not code and dimension != LedgerDimension.NONE:
            return None
        # The newest mapping from this year or before holds; in a later year it points
        # at its row's successor.
        chosen = None
        for since, row_id in self.mappings.get((dimension, code), ()):
            if since <= year:
                chosen = row_id
        if chosen is None:
            return None
        row = self.rows[chosen]
        while row is not None and row.year < year:
            row = self.successor.get(row.pk)
        return row if row is not None and row.year == year else None


class _Abort(Exception):
    """Raised inside the staging transaction so that nothing of a bad file is kept."""


class LineWriter:
    """Stages the lines of one file inside one transaction: a single streaming COPY on
    PostgreSQL (sent from a second thread while this one reads on), batched INSERTs
    elsewhere."""

    COLUMNS = (
        "ledger_import_id",
        "committee_id",
        "row_id",
        "year",
        "month",
        "measure",
        "account",
        "responsibility",
        "operation_code",
        "activity",
        "project",
        "amount",
        "source_row",
    )

    def __init__(self, ledger_import: LedgerImport) -> None:
        self.ids = (ledger_import.pk, ledger_import.committee_id)
        self.batch: list[tuple] = []
        self._copy = None

    @contextmanager
    def open(self):
        if connection.vendor != "postgresql":
            yield self
            self.flush()
            return
        connection.ensure_connection()
        table = LedgerLine._meta.db_table
        with connection.connection.cursor() as cursor:
            statement = f"COPY {table} ({', '.join(self.COLUMNS)}) FROM STDIN"
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                self._copy = copy
                yield self

    def write(self, record: LedgerRecord, row_id: int) -> None:
        # LedgerRecord holds year … amount in COLUMNS' order at positions 1–9.
        values = (*self.ids, row_id, *record[1:10], record.source_row)
        if self._copy is not None:
            self._copy.write_row(values)
            return
        self.batch.append(values)
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            LedgerLine.objects.bulk_create(
                [LedgerLine(**dict(zip(self.COLUMNS, row, strict=True))) for row in self.batch]
            )
            self.batch = []


class ProgressReporter:
    """Writes the reading's progress where the upload page sees it, on a connection of its
    own: the staging transaction stays open until the whole file is read."""

    def __init__(self, ledger_import: LedgerImport, reader: LedgerReader) -> None:
        self.pk = ledger_import.pk
        self.reader = reader
        self.shown = 0
        self._connection = None

    def tick(self) -> None:
        percent = min(int(self.reader.progress() * 100), 99)
        if percent < self.shown + 5:
            return
        self.shown = percent
        if connection.vendor != "postgresql":
            return  # SQLite allows one writer at a time: the page shows the end only
        if self._connection is None:
            self._connection = connection.get_new_connection(connection.get_connection_params())
            self._connection.autocommit = True
        self._connection.execute(
            f"UPDATE {LedgerImport._meta.db_table} SET progress = %s WHERE id = %s",
            (percent, self.pk),
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@contextmanager
def reader_for(
    path: Path, file_name: str, errors: ErrorList, profile: ImportProfile | None
) -> Iterator[tuple[str, "LedgerReading"]]:
    """The file's format and its lines, read in a process of its own under the reading
    limits (amn.lib.uploads.read_untrusted), which spools the records to a private
    temporary folder while this process already streams them (`LedgerReading.records`).
    When the reading is done, its errors are added to `errors`, and a refusal of the whole
    file is raised as FileRefused after them: at the end of `records`, or on leaving
    if the lines were not all read. The reading is always waited for and the spool
    removed on leaving, whatever happened."""
    file_format = detect_format(path, file_name)
    with tempfile.TemporaryDirectory(prefix="amn-spool-") as folder:
        reading = LedgerReading(Path(folder) / "records", errors)
        reading.start(path, file_name, file_format, profile)
        try:
            yield file_format, reading
        finally:
            reading.wait()
        reading.finish()


_MEASURES = {measure.value: measure for measure in Measure}
# Records per pickled batch of a spool: a batch is what the importing process holds at once.
SPOOL_BATCH = 5_000


class _SpoolUnpickler(pickle.Unpickler):
    """Reads a spool's batches, which hold tuples of str, int and bool only: any class or
    function named in it is refused, so a reading process gone wrong cannot make this one
    run anything."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"a ledger spool names {module}.{name}")


# A batch in the spool: its length, 4 bytes big-endian, then the pickled batch.
_BATCH_HEADER = struct.Struct(">I")
# How long `records` waits for the reading process to write more of the spool.
_SPOOL_POLL_SECONDS = 0.005


@dataclass
class LedgerReading:
    """What a reader made of a file in its own process, handed back as a LedgerReading:
    the spool of its records in file order, their number, the errors, a refusal of the
    whole file.

    The spool is a file of batches of SPOOL_BATCH plain tuples, the measure as its value
    and the amount in öre (an int), each pickled behind its length (_BATCH_HEADER) and
    flushed as soon as it is full. In the importing process a thread waits for the reading
    process (`start`) while `records` follows the spool as it grows, a batch at a time: this
    process maps and stores the first lines while the file is still being read, and holds
    one batch, never the file. (Unpickling a named tuple, an enum member or a Decimal per
    line would cost more than reading the file.) The count, the errors and the refusal are
    known once the reading is done (`finish`); until then `progress` is 0."""

    spool: Path
    errors: ErrorList
    count: int = 0
    skipped_balance_lines: int = 0
    ignored_sheets: list[str] = field(default_factory=list)
    refusal: FileRefused | None = None
    done: int = 0
    # In the importing process only: the thread waiting for the reading process, and the
    # reading it handed back or the exception it ended with.
    _thread: threading.Thread | None = field(default=None, repr=False)
    _outcome: "LedgerReading | BaseException | None" = field(default=None, repr=False)

    def start(
        self, path: Path, file_name: str, file_format: str, profile: ImportProfile | None
    ) -> None:
        def read() -> None:
            try:
                self._outcome = read_untrusted(
                    read_ledger_file,
                    path,
                    file_name,
                    file_format,
                    profile,
                    self.spool,
                    file_name=file_name,
                )
            except BaseException as exc:  # handed to the importing thread by `finish`
                self._outcome = exc

        self._thread = threading.Thread(target=read, name=f"ledger-reading {file_name}")
        self._thread.start()

    def wait(self) -> None:
        """Until the reading process is done: it writes to a file, never blocked by a
        reader of the spool that stopped early, and it has a time limit."""
        if self._thread is not None:
            self._thread.join()

    def finish(self) -> None:
        """Take the count and the errors of the finished reading and raise its refusal, or
        the exception that ended it; once."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.join()
        outcome, self._outcome = self._outcome, None
        if isinstance(outcome, BaseException):
            raise outcome
        self.count = outcome.count
        self.skipped_balance_lines = outcome.skipped_balance_lines
        self.ignored_sheets = outcome.ignored_sheets
        self.errors.extend(outcome.errors)
        if outcome.refusal is not None:
            raise outcome.refusal

    def records(self) -> Iterator[LedgerRecord]:
        number = 0
        file = self._open_spool()
        if file is not None:
            with file:
                while (header := self._read_spool(file, _BATCH_HEADER.size)) is not None:
                    (size,) = _BATCH_HEADER.unpack(header)
                    payload = self._read_spool(file, size)
                    if payload is None:
                        break
                    for line in _SpoolUnpickler(io.BytesIO(payload)).load():
                        number += 1
                        self.done = number
                        yield LedgerRecord(
                            *line[:3],
                            _MEASURES[line[3]],
                            *line[4:9],
                            Decimal(line[9]).scaleb(-2),
                            *line[10:],
                        )
        self.finish()
        if number != self.count:
            raise RuntimeError(f"the ledger spool holds {number} of {self.count} records")

    def _reading(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _open_spool(self) -> BinaryIO | None:
        """The spool, once the reading process has made it; None if it ended without."""
        while True:
            reading = self._reading()
            try:
                return self.spool.open("rb")
            except FileNotFoundError:
                if not reading:
                    return None
            self._thread.join(_SPOOL_POLL_SECONDS)

    def _read_spool(self, file: BinaryIO, size: int) -> bytes | None:
        """The next `size` bytes of the spool, waiting while the reading process may still
        write them; None when it is done and they are not all there."""
        data = b""
        while True:
            reading = self._reading()  # before reading, so that nothing written is missed
            data += file.read(size - len(data))
            if len(data) == size:
                return data
            if not reading:
                return None
            self._thread.join(_SPOOL_POLL_SECONDS)

    def progress(self) -> float:
        return self.done / self.count if self.count else 0.0


def read_ledger_file(
    path: Path, file_name: str, file_format: str, profile: ImportProfile | None, spool: Path
) -> LedgerReading:
    """Every record of the file, by the reader of its format, written to `spool` in
    batches: what runs in the reading process, touching no database."""
    errors = ErrorList(file_name)
    if file_format == "sie":
        profile = profile or ImportProfile()
        reader = SieReader(
            path.read_bytes(),
            file_name,
            errors,
            operation_dimension=profile.sie_operation_dimension,
            responsibility_dimension=profile.sie_responsibility_dimension,
        )
    else:
        reader = TabularReader(path, file_name, file_format, errors, profile)
    reading = LedgerReading(spool, errors)
    with spool.open("xb") as file:
        batch: list[tuple] = []
        try:
            for record in reader.records():
                batch.append(
                    (
                        *record[:3],
                        record.measure.value,
                        *record[4:9],
                        int(record.amount.scaleb(2)),
                        *record[10:],  # the sheet, and what else a reader tells
                    )
                )
                if len(batch) == SPOOL_BATCH:
                    _spool_batch(batch, file)
                    reading.count += len(batch)
                    batch = []
        except FileRefused as refusal:
            reading.refusal = refusal
        if batch:
            _spool_batch(batch, file)
            reading.count += len(batch)
    reading.skipped_balance_lines = reader.skipped_balance_lines
    reading.ignored_sheets = getattr(reader, "ignored_sheets", [])
    return reading


def _spool_batch(batch: list[tuple], file: BinaryIO) -> None:
    payload = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
    file.write(_BATCH_HEADER.pack(len(payload)) + payload)
    file.flush()  # the importing process reads it from here on


def read_ledger_import(ledger_import: LedgerImport, path: Path | None = None) -> LedgerImport:
    """Read, check, map and stage the file; PREVIEW when every line is right, REFUSED with
    the list of errors otherwise (and nothing staged)."""
    path = Path(path or ledger_import.upload_path)
    if ledger_import.status != ImportStatus.READING:
        return ledger_import
    errors = ErrorList(ledger_import.file_name)
    staged = _Staged()
    try:
        with reader_for(path, ledger_import.file_name, errors, ledger_import.profile) as (
            ledger_import.file_format,
            reader,
        ):
            _stage_lines(ledger_import, reader, errors, staged)
    except FileRefused as refusal:
        if refusal.row is not None:
            errors.add(refusal.reason, row=refusal.row, column=refusal.column, value=refusal.value)
        else:
            errors.add(refusal.message.removeprefix(f"{ledger_import.file_name}: "))
    if not errors and staged.count == 0:
        errors.add("filen innehåller inga rader att läsa in.")
    if errors:
        ledger_import.status = ImportStatus.REFUSED
        ledger_import.errors = errors.as_list()
        ledger_import.progress = 100
        ledger_import.save()
        return ledger_import
    ledger_import.status = ImportStatus.PREVIEW
    ledger_import.progress = 100
    ledger_import.line_count = staged.count
    ledger_import.total = staged.total
    ledger_import.months = sorted([list(key) for key in staged.covered])
    ledger_import.preview = _preview(ledger_import.committee, staged, reader)
    ledger_import.save()
    return ledger_import


@dataclass
class _Staged:
    count: int = 0
    total: Decimal = Decimal(0)
    covered: set[tuple[int, int, str]] = field(default_factory=set)
    # (row id, measure, month) → [net, intäkter]
    sums: dict[tuple[int, str, int], list[Decimal]] = field(default_factory=dict)
    unknown: dict[tuple[int, str, str], list] = field(default_factory=dict)
    # SIE remainders no row takes: (year, month, measure, account) → [row, amount]
    unassigned: dict[tuple[int, int, str, str], list] = field(default_factory=dict)
    missing_years: dict[int, int] = field(default_factory=dict)


def _stage_lines(
    ledger_import: LedgerImport, reader: LedgerReader, errors: ErrorList, staged: _Staged
) -> None:
    """Map and store every line in one transaction, rolled back whole on any error.

    The lines arrive while the file is still being read: the reading's errors, and its
    refusal of the whole file, are known only at their end. The mapping's errors are kept
    apart until then, so that the reading's come first, and a refused file shows only
    its reading's (the refusal leaves the transaction, taking every line written)."""
    resolver = RowResolver(ledger_import.committee)
    writer = LineWriter(ledger_import)
    progress = ProgressReporter(ledger_import, reader)
    mapping_errors = ErrorList(errors.file)
    try:
        with transaction.atomic(), writer.open():
            _map_and_write(reader, resolver, writer, progress, mapping_errors, staged)
            errors.extend(mapping_errors)
            _report_unmapped(ledger_import, staged, errors)
            if errors:
                raise _Abort
    except _Abort:
        pass
    finally:
        progress.close()


def _map_and_write(
    reader: LedgerReader,
    resolver: "RowResolver",
    writer: LineWriter,
    progress: ProgressReporter,
    errors: ErrorList,
    staged: _Staged,
) -> None:
    sums = staged.sums
    years = resolver.years
    account_length, responsibility_length, operation_length, activity_length, project_length = (
        CODE_LENGTHS
    )
    resolve = resolver.resolve
    write = writer.write
    count = 0
    total = Decimal(0)
    for record in reader.records():
        year = record.year
        if year not in years:
            staged.missing_years[year] = staged.missing_years.get(year, 0) + 1
            continue
        row = resolve(year, record.responsibility, record.operation_code)
        if row is None:
            if record.remainder:
                key = (year, record.month, record.measure, record.account)
                staged.unassigned[key] = [record.source_row, record.amount]
                continue
            key = (year, record.responsibility, record.operation_code)
            if key in staged.unknown:
                staged.unknown[key][2] += 1
            else:
                staged.unknown[key] = [record.sheet, record.source_row, 1]
            continue
        if (
            len(record.account) > account_length
            or len(record.responsibility) > responsibility_length
            or len(record.operation_code) > operation_length
            or len(record.activity) > activity_length
            or len(record.project) > project_length
        ):
            _refuse_long_codes(record, errors)
            continue
        count += 1
        amount = record.amount
        total += amount
        key = (row.pk, record.measure, record.month)
        month = sums.get(key)
        if month is None:
            month = sums[key] = [Decimal(0), Decimal(0)]
            staged.covered.add((year, record.month, record.measure))
        month[0] += amount
        if is_revenue_account(record.account):
            month[1] += amount
        if not errors:
            write(record, row.pk)
        if count % PROGRESS_EVERY == 0:
            progress.tick()
    staged.count = count
    staged.total = total


def _refuse_long_codes(record: LedgerRecord, errors: ErrorList) -> None:
    for name in CHECKED_CODES:
        value = getattr(record, name)
        problem = too_long(LedgerLine, name, value)
        if problem:
            errors.add(
                problem[0].lower() + problem[1:],
                sheet=record.sheet,
                row=record.source_row,
                column=str(LedgerLine._meta.get_field(name).verbose_name),
                value=value,
            )


def _report_unmapped(ledger_import: LedgerImport, staged: _Staged, errors: ErrorList) -> None:
    code = ledger_import.committee.code
    for year, count in sorted(staged.missing_years.items()):
        errors.add(
            f"{code} har inget driftsammandrag för {year} ({count} rader). Lägg upp årets "
            "rader i administrationen först, eller kontrollera perioderna i filen."
        )
    for (year, responsibility, operation), (sheet, row, count) in sorted(staged.unknown.items()):
        codes = [
            text
            for text in (
                f"ansvar {quoted(responsibility)}" if responsibility else "",
                f"verksamhet {quoted(operation)}" if operation else "",
            )
            if text
        ]
        summary = f"{code}s driftsammandrag {year}"
        if codes:
            more = f" (och {_more_lines(count)} med samma koder)" if count > 1 else ""
            message = (
                f"{'koderna' if len(codes) > 1 else 'koden'} {' och '.join(codes)} hör inte "
                f"till någon rad i {summary}{more}. Lägg till en kodmappning i administrationen."
            )
        else:
            more = f" (och {_more_lines(count)} utan koder)" if count > 1 else ""
            message = (
                f"raden saknar både ansvar och verksamhet och kan inte föras till någon rad i "
                f"{summary}{more}. Ange ansvar eller verksamhet på raden i ekonomisystemet, "
                "eller lägg till en kodmappning för dimensionen ”Utan ansvar och verksamhet” "
                "i administrationen."
            )
        errors.add(
            message,
            sheet=sheet,
            row=row,
            column="Ansvar/Verksamhet",
            value=operation or responsibility,
        )
    for (year, month, measure, account), (row, amount) in sorted(staged.unassigned.items()):
        balance = "saldo" if measure == Measure.ACTUAL else "budget"
        errors.add(
            f"konto {account}: {format_swedish(amount, 2)} kr av kontots {balance} för "
            f"{MONTH_NAMES[month - 1]} {year} saknar objekt (varken ansvar eller verksamhet) "
            f"och kan inte föras till någon rad i {code}s driftsammandrag {year}. Objektraderna "
            "täcker inte kontots totalbelopp. Lägg till en kodmappning för dimensionen ”Utan "
            "ansvar och verksamhet” i administrationen, eller exportera filen med ansvar eller "
            "verksamhet på hela beloppet.",
            row=row,
            column="#PSALDO" if measure == Measure.ACTUAL else "#PBUDGET",
            value=account,
        )


def _more_lines(count: int) -> str:
    """ "1 rad till", "2 rader till": the lines beyond the first one named."""
    return f"{count - 1} {'rad' if count == 2 else 'rader'} till"


def _preview(committee: Committee, staged: _Staged, reader: LedgerReader) -> dict:
    """Per row, measure and month: the new amount and what is stored now."""
    years = {year for year, _, _ in staged.covered}
    rows = {
        row.pk: row
        for row in SummaryRow.objects.filter(committee=committee, year__in=years).order_by(
            "year", "position"
        )
    }
    stored = {
        (amount.row_id, amount.measure, amount.month): amount.amount
        for amount in MonthlyAmount.objects.filter(row__in=list(rows))
    }
    keys = set(staged.sums) | {
        key
        for key in stored
        if (rows[key[0]].year, key[2], key[1]) in staged.covered and not rows[key[0]].parent_id
    }
    lines: dict[tuple[int, str], dict] = {}
    for row_id, measure, month in keys:
        row = rows[row_id]
        line = lines.setdefault(
            (row_id, measure),
            {
                "row_id": row_id,
                "label": row.label,
                "year": row.year,
                "position": row.position,
                "measure": measure,
                "months": {},
            },
        )
        new = _new_amount(staged, row, measure, month, rows)
        old = stored.get((row_id, measure, month))
        line["months"][str(month)] = {
            "new": str(new),
            "old": None if old is None else str(old),
        }
    ordered = sorted(lines.values(), key=lambda x: (x["measure"], x["year"], x["position"]))
    for line in ordered:
        new_total = sum(Decimal(m["new"]) for m in line["months"].values())
        old_total = sum(Decimal(m["old"] or 0) for m in line["months"].values())
        line["total_new"] = str(new_total)
        line["total_old"] = str(old_total)
    return {
        "rows": ordered,
        "sums": {
            f"{row_id}:{measure}:{month}": [str(net), str(revenues)]
            for (row_id, measure, month), (net, revenues) in staged.sums.items()
        },
        "skipped_balance_lines": reader.skipped_balance_lines,
        "ignored_sheets": getattr(reader, "ignored_sheets", []),
    }


def _new_amount(staged: _Staged, row: SummaryRow, measure: str, month: int, rows: dict) -> Decimal:
    """A row's amount after the import: its own lines plus those of its "varav" details."""
    total = Decimal(0)
    for (row_id, m_measure, m_month), sums in staged.sums.items():
        same_month = m_measure == measure and m_month == month
        if same_month and (row_id == row.pk or rows[row_id].parent_id == row.pk):
            total += sums[0]
    return total


# --- 3. confirm, undo, discard -------------------------------------------------------


def _covered_q(months: list, prefix: str = "") -> Q:
    query = Q(pk__in=[])
    for year, month, measure in months:
        query |= Q(**{f"{prefix}year": year, "month": month, "measure": measure})
    return query


def _lock(ledger_import: LedgerImport) -> LedgerImport:
    """Lock the nämnd, so imports for it are confirmed and undone one at a time."""
    Committee.objects.select_for_update().get(pk=ledger_import.committee_id)
    return LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)


def confirm_ledger_import(ledger_import: LedgerImport, user=None) -> LedgerImport:
    with transaction.atomic():
        ledger_import = _lock(ledger_import)
        if ledger_import.status != ImportStatus.PREVIEW:
            raise ImportStateError(
                f"Importen är {ledger_import.get_status_display().lower()} och kan inte bekräftas."
            )
        current = current_import_with_checksum(ledger_import.committee, ledger_import.checksum)
        if current is not None:
            _mark_unchanged(ledger_import, current)
            return ledger_import
        months = ledger_import.months
        rows = {
            row.pk: row
            for row in SummaryRow.objects.filter(
                committee_id=ledger_import.committee_id,
                year__in={year for year, _, _ in months},
            )
        }
        stored = MonthlyAmount.objects.filter(row__in=list(rows)).filter(
            _covered_q(months, "row__")
        )
        ledger_import.replaced_amounts = [
            [a.row_id, a.measure, a.month, str(a.amount), _text(a.revenues)] for a in stored
        ]
        before = _amounts_by_key(stored)
        stored.delete()
        current_lines(ledger_import.committee_id).filter(_covered_q(months)).update(
            replaced_by=ledger_import
        )
        created = MonthlyAmount.objects.bulk_create(
            _amounts_from_sums(ledger_import.preview["sums"], rows, months)
        )
        _record_amount_changes(ledger_import, rows, before, _amounts_by_key(created), user)
        ledger_import.status = ImportStatus.ACTIVE
        ledger_import.confirmed_at = timezone.now()
        if user is not None and ledger_import.created_by_id is None and user.is_authenticated:
            ledger_import.created_by = user
        ledger_import.save()
    return ledger_import


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _amounts_from_sums(
    sums: dict, rows: dict[int, SummaryRow], months: list
) -> list[MonthlyAmount]:
    """Monthly amounts from the staged sums; a "varav" detail counts in its parent too, and
    a row without lines in a month the file covers had nothing: zero."""
    totals: dict[tuple[int, str, int], list[Decimal]] = {
        (row.pk, measure, month): [Decimal(0), Decimal(0)]
        for year, month, measure in months
        for row in rows.values()
        if row.year == year
    }
    for key, (net, revenues) in sums.items():
        row_id, measure, month = key.split(":")
        row = rows[int(row_id)]
        for target in (row.pk, row.parent_id):
            if target is None:
                continue
            entry = totals.setdefault((target, measure, int(month)), [Decimal(0), Decimal(0)])
            entry[0] += Decimal(net)
            entry[1] += Decimal(revenues)
    return [
        MonthlyAmount(row_id=row_id, measure=measure, month=month, amount=net, revenues=revenues)
        for (row_id, measure, month), (net, revenues) in totals.items()
    ]


def _amounts_by_key(amounts) -> dict[tuple[int, str, int], dict]:
    return {
        (a.row_id, a.measure, a.month): {"amount": a.amount, "revenues": a.revenues}
        for a in amounts
    }


def _record_amount_changes(ledger_import, rows: dict, before: dict, after: dict, user) -> None:
    """Keep every monthly amount the import (or its undoing) changed in the history."""

    def subject(key) -> str:
        row_id, measure, month = key
        row = rows[row_id]
        return (
            f"{Measure(measure).label} {MONTH_NAMES[month - 1]} {row.year}: {row.label} "
            f"(huvudboksimport {ledger_import.pk})"
        )

    record_changes(
        committee=ledger_import.committee,
        period=None,
        user=user,
        source=ChangeSource.IMPORT,
        edits=edits_between(
            subject, {"amount": "belopp (kr)", "revenues": "varav intäkter (kr)"}, before, after
        ),
    )


def undo_ledger_import(ledger_import: LedgerImport, user=None) -> LedgerImport:
    """Put back exactly what the import replaced: the earlier lines and monthly amounts."""
    with transaction.atomic():
        ledger_import = _lock(ledger_import)
        if ledger_import.status != ImportStatus.ACTIVE:
            raise ImportStateError(
                f"Importen är {ledger_import.get_status_display().lower()} och kan inte ångras."
            )
        later = sorted(
            set(
                ledger_import.lines.filter(replaced_by__isnull=False).values_list(
                    "replaced_by_id", flat=True
                )
            )
        )
        if later:
            names = ", ".join(str(pk) for pk in later)
            raise ImportStateError(
                f"Senare import ({names}) har ersatt delar av den här. Ångra den först."
            )
        rows = SummaryRow.objects.filter(
            committee_id=ledger_import.committee_id,
            year__in={year for year, _, _ in ledger_import.months},
        )
        covered = MonthlyAmount.objects.filter(row__in=rows).filter(
            _covered_q(ledger_import.months, "row__")
        )
        before = _amounts_by_key(covered)
        covered.delete()
        restored = MonthlyAmount.objects.bulk_create(
            [
                MonthlyAmount(
                    row_id=row_id,
                    measure=measure,
                    month=month,
                    amount=Decimal(amount),
                    revenues=None if revenues is None else Decimal(revenues),
                )
                for row_id, measure, month, amount, revenues in ledger_import.replaced_amounts
            ]
        )
        _record_amount_changes(
            ledger_import, {row.pk: row for row in rows}, before, _amounts_by_key(restored), user
        )
        LedgerLine.objects.filter(replaced_by=ledger_import).update(replaced_by=None)
        ledger_import.lines.all().delete()
        ledger_import.status = ImportStatus.UNDONE
        ledger_import.undone_at = timezone.now()
        ledger_import.save()
    return ledger_import


def discard_ledger_import(ledger_import: LedgerImport) -> LedgerImport:
    """Drop a preview (or a reading that died) and its staged lines."""
    with transaction.atomic():
        ledger_import = _lock(ledger_import)
        if ledger_import.status not in (ImportStatus.PREVIEW, ImportStatus.READING):
            raise ImportStateError(
                f"Importen är {ledger_import.get_status_display().lower()} och kan inte avbrytas."
            )
        ledger_import.lines.all().delete()
        ledger_import.status = ImportStatus.DISCARDED
        ledger_import.save()
    _remove_upload(ledger_import)
    return ledger_import


# --- the whole flow, for the command line and for uploads ----------------------------


def import_ledger_file(
    committee: Committee,
    path: Path,
    *,
    file_name: str | None = None,
    user=None,
    profile: ImportProfile | None = None,
    dry_run: bool = False,
) -> LedgerImport:
    """Read, check, map, store and confirm a file in one go (dry run: stop at the
    preview and store nothing)."""
    path = Path(path)
    ledger_import = start_ledger_import(
        committee, path, file_name or path.name, user=user, profile=profile
    )
    ledger_import.upload_path = ""
    read_ledger_import(ledger_import, path)
    if ledger_import.status != ImportStatus.PREVIEW:
        return ledger_import
    if dry_run:
        ledger_import.lines.all().delete()
        ledger_import.status = ImportStatus.DISCARDED
        ledger_import.save(update_fields=["status"])
        return ledger_import
    return confirm_ledger_import(ledger_import, user)


def save_upload(uploaded_file) -> Path:
    """Keep an uploaded file on disk until it has been read."""
    return UPLOADS.save(uploaded_file)


class TooManyReading(Exception):
    """The nämnd (or the user) already has LEDGER_READS_IN_PROGRESS files being read."""


def _refuse_beyond_reading_limit(committee: Committee, user, file_name: str) -> None:
    """Raise TooManyReading if the nämnd or the user has as many files being read as
    LEDGER_READS_IN_PROGRESS allows. Locks the nämnd's row (and the user's) until the
    transaction ends, so parallel uploads count one after the other, each seeing the
    imports the ones before it recorded."""
    Committee.objects.select_for_update().get(pk=committee.pk)
    if user is not None and user.is_authenticated:
        get_user_model().objects.select_for_update().get(pk=user.pk)
    limit = settings.LEDGER_READS_IN_PROGRESS
    reading = LedgerImport.objects.reading_for(committee, user).count()
    if reading >= limit:
        raise TooManyReading(
            f"{file_name} laddades inte upp: {reading} filer läses redan in för "
            f"{committee.name} eller av dig (högst {limit} åt gången). Vänta tills "
            "någon av dem är klar och ladda sedan upp filen igen."
        )


def import_upload(
    committee: Committee, uploaded_file, *, user=None, profile: ImportProfile | None = None
) -> LedgerImport:
    """Keep an uploaded file, record it and read it (in the background where settings say
    so). The file is removed once read, and at once if anything fails before that. Raises
    TooManyReading (nothing recorded) while the nämnd or the user is at the limit."""
    path = save_upload(uploaded_file)
    try:
        with transaction.atomic():
            _refuse_beyond_reading_limit(committee, user, uploaded_file.name)
            ledger_import = start_ledger_import(
                committee, path, uploaded_file.name, user=user, profile=profile
            )
    except BaseException:
        UPLOADS.remove(path)
        raise
    read_in_background(ledger_import)
    return ledger_import


def _remove_upload(ledger_import: LedgerImport) -> None:
    if ledger_import.upload_path:
        UPLOADS.remove(Path(ledger_import.upload_path))


def read_in_background(ledger_import: LedgerImport) -> None:
    """Read the upload outside the request, in the process's bounded pool of readers, or
    right away where settings say so (tests)."""
    if ledger_import.status != ImportStatus.READING:
        _remove_upload(ledger_import)
        return
    if not settings.LEDGER_IMPORT_IN_BACKGROUND:
        _read_and_clean_up(ledger_import.pk)
        return
    transaction.on_commit(lambda: _readers().submit(_read_in_thread, ledger_import.pk))


_pool: tuple[int, ThreadPoolExecutor] | None = None  # (its size, the pool)
_pool_lock = threading.Lock()


def _readers() -> ThreadPoolExecutor:
    """At most LEDGER_READERS files are read at once in this process. A file waiting its
    turn is only a queued primary key: it holds no database connection; a reader opens its
    connections when it starts and closes them when it is done."""
    global _pool
    size = max(settings.LEDGER_READERS, 1)
    with _pool_lock:
        if _pool is None or _pool[0] != size:  # the setting changed (tests)
            if _pool is not None:
                _pool[1].shutdown(wait=False)  # it finishes what it was given
            _pool = (size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="ledger-reader"))
        return _pool[1]


def _read_in_thread(pk: int) -> None:
    close_old_connections()
    try:
        _read_and_clean_up(pk)
    except Exception:
        logger.exception("Reading ledger import %s failed", pk)
        LedgerImport.objects.filter(pk=pk, status=ImportStatus.READING).update(
            status=ImportStatus.REFUSED,
            progress=100,
            errors=[{"text": "Inläsningen avbröts av ett internt fel. Försök igen.", "row": None}],
        )
    finally:
        connection.close()


def _read_and_clean_up(pk: int) -> None:
    ledger_import = LedgerImport.objects.select_related("committee", "profile").get(pk=pk)
    try:
        read_ledger_import(ledger_import)
    finally:
        _remove_upload(ledger_import)
        LedgerImport.objects.filter(pk=pk).update(upload_path="")


def is_stale(ledger_import: LedgerImport) -> bool:
    return (
        ledger_import.status == ImportStatus.READING
        and timezone.now() - ledger_import.created_at > STALE_AFTER
    )


def describe_months(months: list) -> str:
    """ "utfall januari–augusti 2023, budget januari–december 2023" for the history."""
    by: dict[tuple[str, int], list[int]] = defaultdict(list)
    for year, month, measure in months:
        by[(measure, year)].append(month)
    parts = []
    for (measure, year), numbers in sorted(by.items()):
        word = "utfall" if measure == Measure.ACTUAL else "budget"
        numbers.sort()
        if numbers == list(range(1, numbers[-1] + 1)):
            parts.append(f"{word} {months_span(year, numbers[-1])}")
        else:
            parts.append(f"{word} {year}: månad {', '.join(str(n) for n in numbers)}")
    return ", ".join(parts)


def summary_text(ledger_import: LedgerImport) -> str:
    return (
        f"{ledger_import.line_count} rader, {describe_months(ledger_import.months)}, "
        f"summa {format_swedish(ledger_import.total, 2)} kr"
    )


def preview_table(ledger_import: LedgerImport, unit: Unit) -> list[dict]:
    """The preview as tables to show: per measure and year, a line per row with each
    month's new amount, the stored one and the change, in `unit`."""
    tables: dict[tuple[str, int], dict] = {}
    for line in ledger_import.preview.get("rows", []):
        key = (line["measure"], line["year"])
        word = "Utfall" if line["measure"] == Measure.ACTUAL else "Budget (periodiserad)"
        table = tables.setdefault(
            key, {"title": f"{word} {line['year']}", "months": set(), "lines": [], "sums": {}}
        )
        table["months"].update(int(m) for m in line["months"])
        table["lines"].append(line)
    shown = []
    for table in tables.values():
        months = sorted(table["months"])
        sums = {m: [Decimal(0), Decimal(0)] for m in months}
        lines = []
        for line in table["lines"]:
            cells = []
            for month in months:
                cell = line["months"].get(str(month))
                new = Decimal(cell["new"]) if cell else Decimal(0)
                old = Decimal(cell["old"]) if cell and cell["old"] is not None else None
                sums[month][0] += new
                sums[month][1] += old or 0
                cells.append(_preview_cell(new, old, unit))
            new_total, old_total = Decimal(line["total_new"]), Decimal(line["total_old"])
            lines.append(
                {
                    "label": line["label"],
                    "cells": cells,
                    "total": _preview_cell(new_total, old_total, unit),
                }
            )
        total_new = sum(new for new, _ in sums.values())
        total_old = sum(old for _, old in sums.values())
        shown.append(
            {
                "title": table["title"],
                "months": [MONTH_NAMES[m - 1] for m in months],
                "lines": lines,
                "sums": [_preview_cell(new, old, unit) for new, old in sums.values()],
                "total": _preview_cell(total_new, total_old, unit),
            }
        )
    return shown


def _preview_cell(new: Decimal, old: Decimal | None, unit: Unit) -> dict:
    change = new - (old or 0)
    return {
        "new": format_amount(new, unit),
        "old": format_amount(old, unit),
        "change": format_amount(change, unit),
        "changed": change != 0,
    }
