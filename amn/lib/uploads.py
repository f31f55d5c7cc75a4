"""What every uploaded file goes through before a reader touches it.

A file is judged by its content, never by its name: its size against the limit, then the
first bytes (a zip archive for .xlsx, the old .xls format refused, anything else may be
text). A workbook's zip directory is checked before a single entry is inflated: number
of entries, declared unpacked size, compression ratio. Then `checked_workbook` reads the
workbook from a copy rebuilt entry by entry, each entry inflated at most to the size the
directory declared and its CRC checked, so a file whose directory lies about its sizes
is refused instead of inflating beyond what was checked. The copy is stored uncompressed:
reading it costs calamine no inflating.

Workbooks are read with python-calamine (Rust, no XML parsing in Python: not open to XML
entity attacks). openpyxl, which writes the downloads, parses XML through defusedxml
where it reads.

Before calamine sees a worksheet, its range is checked while its entry is copied: the range
the sheet declares (`<dimension ref="A1:XFD1048576"/>`) and the range its cells really use,
and the number of cells, against UPLOAD_MAX_SHEET_CELLS, since calamine allocates the whole
rectangle however few cells are in it. CSV is read by `csv_rows`, which refuses a field
longer than UPLOAD_MAX_CELL_CHARS (Excel's own limit) with its row and column.

Every reader of an uploaded file runs through `read_untrusted`: in a process of its own with
a memory and a time limit (amn.lib.sandbox), so that no file can take down a web worker
whatever a reader does with it.

Between the request that receives a file and the step that reads it (a preview, a reading
in the background) the file waits in an `UploadStore`; `file_checksum` is the SHA-256 by
which an import knows a file again.
"""

import csv
import hashlib
import io
import json
import pickle
import posixpath
import re
import secrets
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from amn.lib.sandbox import LimitExceeded, run_limited
from amn.lib.text import quoted, spaced

_CHUNK = 1 << 16
# Checksums read a file in bigger pieces: fewer calls, same memory bound.
_CHECKSUM_CHUNK = 1 << 20


class FileRefused(Exception):
    """The whole file is refused before any line is read; or, for a place that makes the
    file unreadable, at that place: `row`, `column`, `value` and the `reason` alone, which
    an import that lists problems by place shows as its own."""

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str = "",
        value: str = "",
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason


# The settings a reading process must see as the process that asked for it does.
_READING_SETTINGS = (
    "UPLOAD_MAX_UNPACKED_BYTES",
    "UPLOAD_MAX_COMPRESSION_RATIO",
    "UPLOAD_MAX_ZIP_ENTRIES",
    "UPLOAD_MAX_SHEET_CELLS",
    "UPLOAD_MAX_SHEET_SPARSENESS",
    "UPLOAD_MAX_CELL_CHARS",
    "LEDGER_IMPORT_MAX_BYTES",
    "INDICATOR_IMPORT_MAX_BYTES",
)


def read_untrusted(function: Callable, *args, file_name: str, in_request: bool = False):
    """`function(*args)`, a reader of an uploaded file, run in a process of its own under
    UPLOAD_READ_MAX_MEMORY_MB and UPLOAD_READ_MAX_SECONDS (amn.lib.sandbox), with the
    upload settings of this process; `in_request`, a reading a web request waits for, has
    UPLOAD_READ_MAX_SECONDS_IN_REQUEST instead, below the web server's worker timeout.
    FileRefused when the file needs more of either; a FileRefused (or any other exception)
    of the reader is raised here. The reader's temporary files are removed whatever
    happened to it, and those of a process killed before it could remove them (a web
    worker past its timeout) by the next reading."""
    values = {name: getattr(settings, name) for name in _READING_SETTINGS}
    seconds = (
        settings.UPLOAD_READ_MAX_SECONDS_IN_REQUEST
        if in_request
        else settings.UPLOAD_READ_MAX_SECONDS
    )
    _remove_abandoned_readings()
    with tempfile.TemporaryDirectory(prefix=_READING_PREFIX) as temp_dir:
        try:
            return run_limited(
                _with_settings,
                values,
                function,
                args,
                memory_mb=settings.UPLOAD_READ_MAX_MEMORY_MB,
                seconds=seconds,
                preload=("amn.sandbox_setup",),
                temp_dir=temp_dir,
            )
        except LimitExceeded as exc:
            raise FileRefused(f"{file_name}: {exc.message}") from exc


_READING_PREFIX = "amn-read-"


def _remove_abandoned_readings() -> None:
    """Temporary folders of readings older than any reading may last: their process was
    killed before it could remove them."""
    too_old = time.time() - settings.UPLOAD_READ_MAX_SECONDS - 60
    for folder in Path(tempfile.gettempdir()).glob(_READING_PREFIX + "*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < too_old:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _with_settings(values: dict, function: Callable, args: tuple):
    for name, value in values.items():
        setattr(settings, name, value)
    return function(*args)


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


def file_checksum(path: Path) -> str:
    """The SHA-256 of a file, as hex: how an import knows the same file again."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHECKSUM_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


_STORED_SUFFIXES = (".upload", ".json", ".parsed")
_SIGNATURE_BYTES = 32


def _signature(data: bytes) -> bytes:
    return salted_hmac("amn.lib.uploads.parsed", data, algorithm="sha256").digest()


class UploadStore:
    """Uploaded files kept on disk until they are read.

    Each file is `<token>.upload` in `folder` under settings.UPLOAD_DIR (read when used),
    the token `token_chars` random hex digits: nothing the sender chose names a file. A
    store with `records` keeps a JSON record beside each file (`<token>.json`) and removes
    it with the file; a store with a `lifetime_seconds` removes files and records older
    than that each time it saves a new one. What a reading found in a file may be kept
    beside it (`write_parsed`, `<token>.parsed`), so that a file is read once however often
    its contents are shown: pickled, and signed with SECRET_KEY so that only what this
    application wrote is ever unpickled.
    """

    def __init__(
        self,
        folder: str = "",
        *,
        token_chars: int = 32,
        records: bool = False,
        lifetime_seconds: int | None = None,
    ) -> None:
        self.folder = folder
        self.token_chars = token_chars
        self.records = records
        self.lifetime_seconds = lifetime_seconds
        self._token = re.compile(rf"[0-9a-f]{{{token_chars}}}")

    def directory(self) -> Path:
        return Path(settings.UPLOAD_DIR) / self.folder

    def save(self, uploaded_file) -> Path:
        """Write an uploaded file (anything with Django's `chunks()`) under a new token."""
        directory = self.directory()
        directory.mkdir(parents=True, exist_ok=True)
        self.remove_stale()
        path = directory / f"{secrets.token_hex(self.token_chars // 2)}.upload"
        try:
            with path.open("wb") as handle:
                for chunk in uploaded_file.chunks():
                    handle.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def path(self, token: str) -> Path | None:
        """Where the file behind `token` is kept; None for text that is no token of this
        store, so that a token never reaches outside its folder."""
        if not self._token.fullmatch(token):
            return None
        return self.directory() / f"{token}.upload"

    def write_record(self, path: Path, record: dict) -> None:
        path.with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")

    def read_record(self, path: Path) -> dict | None:
        """The record beside a stored file; None when there is none (any more)."""
        try:
            return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_parsed(self, path: Path, value) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.with_suffix(".parsed").write_bytes(_signature(data) + data)

    def read_parsed(self, path: Path):
        """What `write_parsed` kept beside a stored file; None when there is none (any
        more) or it is not what this application wrote."""
        try:
            kept = path.with_suffix(".parsed").read_bytes()
        except OSError:
            return None
        signature, data = kept[:_SIGNATURE_BYTES], kept[_SIGNATURE_BYTES:]
        if not constant_time_compare(signature, _signature(data)):
            return None
        return pickle.loads(data)

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        path.with_suffix(".parsed").unlink(missing_ok=True)
        if self.records:
            path.with_suffix(".json").unlink(missing_ok=True)

    def remove_stale(self) -> None:
        """Files (and records) nobody came back for within the lifetime."""
        if self.lifetime_seconds is None:
            return
        too_old = time.time() - self.lifetime_seconds
        if not self.directory().is_dir():
            return
        for item in self.directory().iterdir():
            if item.suffix in _STORED_SUFFIXES and item.stat().st_mtime < too_old:
                item.unlink(missing_ok=True)


# Bytes that no CSV or SIE file holds (NUL and the other C0 controls but tab, line feed,
# form feed and carriage return): a file that has them is an image, a PDF, a program …
_NOT_TEXT = bytes([*range(0, 9), 11, *range(14, 32)])


def cell_text(cell: object) -> str:
    """A workbook cell as text: a code or year typed as a number and read as 575.0 is
    "575"; text is stripped; an empty cell is ""."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file can be those of a text file."""
    return not any(byte in _NOT_TEXT for byte in head)


def check_zip_container(path: Path, file_name: str) -> None:
    """Refuse a damaged workbook or a decompression bomb from the zip directory alone,
    before a single entry is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(f"{file_name}: filen är skadad och kan inte öppnas ({exc}).") from exc
    if len(entries) > settings.UPLOAD_MAX_ZIP_ENTRIES:
        raise FileRefused(
            f"{file_name}: arbetsboken har {len(entries)} delar; fler än "
            f"{settings.UPLOAD_MAX_ZIP_ENTRIES} tas inte emot."
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRefused(f"{file_name}: zip-filen är ingen Excel-arbetsbok (.xlsx).")
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if unpacked > settings.UPLOAD_MAX_UNPACKED_BYTES:
        raise FileRefused(
            f"{file_name}: arbetsboken packas upp till {unpacked / 1_000_000:.0f} MB; gränsen "
            f"är {settings.UPLOAD_MAX_UNPACKED_BYTES / 1_000_000:.0f} MB "
            "(misstänkt dekomprimeringsbomb)."
        )
    if unpacked / packed > settings.UPLOAD_MAX_COMPRESSION_RATIO:
        raise FileRefused(
            f"{file_name}: arbetsboken är packad {unpacked / packed:.0f} gånger; så hårt "
            "packade filer tas inte emot (misstänkt dekomprimeringsbomb)."
        )


@contextmanager
def checked_workbook(path: Path, file_name: str) -> Iterator[CalamineWorkbook]:
    """The workbook at `path` (its zip directory already checked), opened by calamine from
    a copy rebuilt from its entries as declared; FileRefused for an entry that inflates to
    more or other than its directory says, or a workbook calamine cannot read."""
    handle, copy_name = tempfile.mkstemp(prefix="amn-", suffix=".xlsx")
    copy = Path(copy_name)
    try:
        with open(handle, "wb") as target:
            _copy_entries(path, target, file_name)
        try:
            workbook = CalamineWorkbook.from_path(str(copy))
        except (CalamineError, OSError, ValueError) as exc:
            raise FileRefused(
                f"{file_name}: Excel-filen är skadad och kan inte läsas ({exc})."
            ) from exc
        yield workbook
    finally:
        copy.unlink(missing_ok=True)


def worksheets(path: Path, file_name: str) -> Iterator[tuple[str, int, Iterator[list]]]:
    """The visible, non-empty worksheets of a checked workbook as (name, number of rows,
    rows of cells), each row starting in column A as Excel shows it."""
    with checked_workbook(path, file_name) as workbook:
        for metadata in workbook.sheets_metadata:
            if (
                metadata.visible != SheetVisibleEnum.Visible
                or metadata.typ != SheetTypeEnum.WorkSheet
            ):
                continue
            try:
                sheet = workbook.get_sheet_by_name(metadata.name)
            except CalamineError as exc:
                raise FileRefused(
                    f"{file_name}, blad {metadata.name}: bladet är skadat ({exc})."
                ) from exc
            if sheet.height == 0:
                continue
            offset = sheet.start[1] if sheet.start else 0
            yield metadata.name, sheet.total_height, _from_column_a(sheet.iter_rows(), offset)


BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes, file_name: str) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, as Swedish exports (ledger systems,
    Excel's CSV) are written."""
    if data.startswith(BOM):
        return strict_utf8(data[len(BOM) :], file_name, "filen är märkt som UTF-8 (BOM)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"{file_name}: filens teckenkodning känns inte igen (varken UTF-8 eller "
            f"Windows-1252; byte {data[exc.start]:#04x} på position {exc.start})."
        ) from exc


def strict_utf8(data: bytes, file_name: str, claim: str) -> str:
    """The text of a file that says it is UTF-8 (`claim`: by a BOM, by a label): a byte
    that is not UTF-8 is damage, not another encoding, refused naming its row."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        reason = f"{claim} men har en ogiltig byte {data[exc.start]:#04x}."
        raise FileRefused(f"{file_name}, rad {row}: {reason}", row=row, reason=reason) from exc


def csv_rows(text: str, file_name: str, delimiter: str) -> Iterator[list[str]]:
    """The rows of a CSV text; FileRefused naming row and column for a field longer than
    UPLOAD_MAX_CELL_CHARS, and for a quote left open at the end of the file."""
    limit = settings.UPLOAD_MAX_CELL_CHARS
    # The csv module's own limit (131 072, for every reader in the process) is raised to
    # the whole text, so that the check below names the field instead of csv failing.
    csv.field_size_limit(max(len(text) + 1, csv.field_size_limit()))
    # A line ends a row unless a quoted field is open: the reader asks for a line beyond
    # the last only within a row when a quote was never closed, and then (strict=False)
    # makes the rest of the file one field. `ended` tells that it did.
    ended = []

    def lines() -> Iterator[str]:
        yield from io.StringIO(text)
        ended.append(True)

    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            what = "ett NUL-tecken" if "NUL" in str(exc) else "något som inte är CSV"
            reason = f"raden innehåller {what} och kan inte läsas."
            raise FileRefused(
                f"{file_name}, rad {row_number + 1}: {reason}", row=row_number + 1, reason=reason
            ) from exc
        row_number += 1
        if ended:
            # The field as far as its first line: the rest is the rest of the file.
            first_line = cells[-1].split("\n", 1)[0].rstrip("\r")
            _refuse_field(
                file_name,
                row_number,
                len(cells),
                first_line[:20] + "…",
                'fältets citattecken (") stängs aldrig, så resten av filen blir ett enda fält; '
                "rätta eller ta bort citattecknet.",
            )
        for position, cell in enumerate(cells):
            if len(cell) > limit:
                _refuse_field(
                    file_name,
                    row_number,
                    position + 1,
                    cell[:20] + "…",
                    f"fältet har {spaced(len(cell))} tecken; högst {spaced(limit)} tas emot.",
                )
        yield cells


def _refuse_field(file_name: str, row: int, column: int, value: str, reason: str) -> None:
    raise FileRefused(
        f"{file_name}, rad {row}, kolumn {column}, värde {quoted(value)}: {reason}",
        row=row,
        column=str(column),
        value=value,
        reason=reason,
    )


def sniff_delimiter(lines: list[str]) -> str:
    """Semicolon (Swedish Excel), tab, or comma: the one the header lines use most."""
    counts = {d: sum(line.count(d) for line in lines) for d in (";", "\t", ",")}
    if counts[";"]:
        return ";"
    if counts["\t"]:
        return "\t"
    return ","


class FileProblem:
    """A problem in an uploaded file as the reader is told it: where (file, sheet, row,
    column), the value quoted, then what is wrong: "fil.csv, rad 3, kolumn Belopp, värde
    ”x”: …". Mixed into the error dataclasses of each import, which hold the fields file,
    sheet, row (None for the whole file), column, value and message."""

    __slots__ = ()

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
            text += f", värde {quoted(self.value)}"
        return f"{text}: {self.message}"


@dataclass(frozen=True)
class UploadProblem(FileProblem):
    """A bad cell of an uploaded file, or the whole file (row None)."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str


def column_name(position: int, workbook: bool) -> str:
    """A column as the reader sees it: its letter in a workbook (0 → A, 26 → AA), its
    number in a CSV file (0 → 1)."""
    return get_column_letter(position + 1) if workbook else str(position + 1)


def _from_column_a(rows: Iterator[list], offset: int) -> Iterator[list]:
    # calamine starts each row at the first used column: put the cells back where Excel
    # shows them, so that column letters in messages are right.
    if not offset:
        yield from rows
        return
    padding = [""] * offset
    for row in rows:
        yield padding + row


def _copy_entries(path: Path, target, file_name: str) -> None:
    try:
        with (
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as rebuilt,
        ):
            sheet_names = _sheet_names(source, file_name)
            for entry in source.infolist():
                if entry.is_dir():
                    continue
                # zipfile stops inflating at the declared size and checks the CRC at the
                # end, so an entry that holds more than its directory says fails here.
                with source.open(entry) as data, rebuilt.open(entry.filename, "w") as out:
                    if entry.filename in sheet_names:
                        _copy_sheet(data, out, _SheetRange(file_name, sheet_names[entry.filename]))
                    else:
                        shutil.copyfileobj(data, out, _CHUNK)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError) as exc:
        raise FileRefused(
            f"{file_name}: arbetsboken stämmer inte med sin innehållsförteckning och "
            f"kan inte läsas ({exc})."
        ) from exc


# Where a worksheet places cells: <dimension ref=…>, <row r=…>, <c r=…>, under any namespace
# prefix. Every pattern is linear: attributes are looked for in a bounded window.
_P = rb"<(?:[A-Za-z_][\w.-]{0,15}:)?"
_SHEET_TAG = re.compile(_P + rb"(dimension|row|c)[\s/>]([^>]{0,400})")
_R_ATTRIBUTE = re.compile(rb"(?<![\w:-])r\s*=\s*[\"']([A-Z]{0,3})([0-9]{0,7})[\"']")
_DIMENSION = re.compile(
    _P + rb"dimension\s[^>]{0,400}?(?<![\w:-])ref\s*=\s*[\"']([^\"']{1,40})[\"']"
)
# The form Excel and every common writer use, read fast: <c r="B12" …. A cell written
# otherwise (another attribute first, a prefix, no r) sends its piece to the slow scan.
_PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_OTHER_CELLS = (re.compile(rb"<c[\t\r\n/>]"), re.compile(rb":c[\s/>]"))
_LETTERS = bytes(range(ord("A"), ord("Z") + 1))
_DIGITS = b"0123456789"
_RANGE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?")
# A tag cut off at the end of a piece is scanned with the next piece.
_TAG_WINDOW = 512
_SHEET_CHUNK = 1 << 20


_SHEET_CONTENT_TYPE = "spreadsheetml.worksheet+xml"


def _sheet_names(source: zipfile.ZipFile, file_name: str) -> dict[str, str]:
    """Every part calamine could read as a sheet → the sheet's name: the targets of the
    workbook's sheet relationships (calamine follows them wherever they point), the parts
    [Content_Types].xml types as worksheets and the parts under xl/worksheets/. FileRefused
    for a sheet relationship that points outside the file or to a part it does not hold,
    and for relationships or a workbook that cannot be parsed."""
    entries = {entry.filename for entry in source.infolist() if not entry.is_dir()}
    names = {
        name: name.rsplit("/", 1)[-1].removesuffix(".xml")
        for name in entries
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
    }
    try:
        types = ElementTree.fromstring(source.read("[Content_Types].xml"))
        for part in types:
            if part.get("ContentType", "").endswith(_SHEET_CONTENT_TYPE):
                name = part.get("PartName", "").lstrip("/")
                names.setdefault(name, name.rsplit("/", 1)[-1].removesuffix(".xml"))
        workbook = ElementTree.fromstring(source.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(source.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return names
    except (ElementTree.ParseError, ValueError) as exc:
        raise FileRefused(
            f"{file_name}: arbetsbokens innehållsförteckning kan inte läsas ({exc})."
        ) from exc
    sheet_names = {
        next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None): sheet.get("name")
        for sheet in workbook.iter()
        if sheet.tag.rsplit("}", 1)[-1] == "sheet"
    }
    for relation in relations:
        if not relation.get("Type", "").endswith("sheet"):
            continue
        target = relation.get("Target", "")
        name = sheet_names.get(relation.get("Id")) or target
        parts = _part_names(target)
        if relation.get("TargetMode") == "External" or not parts & entries:
            raise FileRefused(
                f"{file_name}: bladet {name} hänvisar till {quoted(target)}, som inte är "
                "en del av arbetsboken."
            )
        for part in parts & entries:
            names[part] = name
    return names


def _part_names(target: str) -> set[str]:
    """The zip entries a relationship target of xl/workbook.xml may name: relative to xl/
    or absolute from the root, normalised ("./", "../", "//") and as written; none outside
    the archive."""
    written = target.lstrip("/") if target.startswith("/") else "xl/" + target
    normalised = posixpath.normpath("/" + written).lstrip("/")
    escapes = posixpath.normpath(written).startswith("..")
    return set() if escapes else {written, normalised}


class _SheetRange:
    """The range and number of cells of one worksheet, gathered piece by piece while it is
    copied, refused as soon as it passes UPLOAD_MAX_SHEET_CELLS."""

    def __init__(self, file_name: str, sheet: str) -> None:
        self.file_name = file_name
        self.sheet = sheet
        self.limit = settings.UPLOAD_MAX_SHEET_CELLS
        self.cells = 0
        self.rows = [_INFINITE, 0]  # first and last row number
        self.columns = [_INFINITE, 0]
        self.row = 0  # the row being read, for cells that do not say where they stand
        self.column = 0

    def scan(self, data: bytes) -> None:
        if b"dimension" in data:
            for ref in _DIMENSION.findall(data):
                self._check_dimension(ref.decode("ascii", "replace"))
        refs = _PLAIN_REF.findall(data)
        cells = data.count(b"<c ")
        if cells == len(refs) and not any(other.search(data) for other in _OTHER_CELLS):
            self.cells += cells
            if refs:
                # Rows and columns apart in bulk: "B12,C12" → "12,12" and "B,C".
                joined = b",".join(refs)
                rows = [int(row) for row in set(joined.translate(None, _LETTERS).split(b","))]
                self._extend(rows, set(joined.translate(None, _DIGITS).split(b",")))
                self.row = int(refs[-1].translate(None, _LETTERS))
        else:
            self._scan_in_order(data)
        self._check()

    def _scan_in_order(self, data: bytes) -> None:
        # Some writers leave out r: such a cell stands after the one before it, and such a
        # row below the one before it, as calamine places them.
        for match in _SHEET_TAG.finditer(data):
            tag, attributes = match.groups()
            if tag == b"dimension":
                continue
            ref = _R_ATTRIBUTE.search(attributes)
            letters, digits = ref.groups() if ref else (b"", b"")
            if tag == b"row":
                self.row = int(digits) if digits else self.row + 1
                self.column = 0
                continue
            self.cells += 1
            self.row = int(digits) if digits else max(self.row, 1)
            self.column = column_index_from_string(letters.decode()) if letters else self.column + 1
            self._extend([self.row], ())
            self.columns[0] = min(self.columns[0], self.column)
            self.columns[1] = max(self.columns[1], self.column)

    def _extend(self, rows: list[int], letters) -> None:
        self.rows[0] = min(self.rows[0], min(rows))
        self.rows[1] = max(self.rows[1], max(rows))
        if letters:
            columns = [column_index_from_string(c.decode()) for c in letters]
            self.columns[0] = min(self.columns[0], min(columns))
            self.columns[1] = max(self.columns[1], max(columns))

    def _check_dimension(self, ref: str) -> None:
        match = _RANGE.fullmatch(ref.strip().replace("$", "").upper())
        if match is None:
            return
        first_column, first_row, last_column, last_row = match.groups()
        area = _area(
            (int(first_row), int(last_row or first_row)),
            (
                column_index_from_string(first_column),
                column_index_from_string(last_column or first_column),
            ),
        )
        if area > self.limit:
            self._refuse(f"anger området {ref} ({spaced(area)} celler)")

    def _check(self) -> None:
        if self.cells > self.limit:
            self._refuse(f"har {spaced(self.cells)} celler")
        if self.rows[1]:
            area = _area(self.rows, self.columns)
            if area > self.limit:
                self._refuse(f"använder området {self._used()} ({spaced(area)} celler)")

    def check_density(self) -> None:
        """A range mostly empty costs reading time for nothing (calamine hands every
        empty row to Python): beyond _SPARSE_FLOOR cells the used range may hold at most
        UPLOAD_MAX_SHEET_SPARSENESS times the cells it has."""
        if not self.rows[1]:
            return
        area = _area(self.rows, self.columns)
        ratio = settings.UPLOAD_MAX_SHEET_SPARSENESS
        if area > _SPARSE_FLOOR and area > ratio * self.cells:
            raise FileRefused(
                f"{self.file_name}: bladet {self.sheet} använder området {self._used()} "
                f"({spaced(area)} celler) men har bara {spaced(self.cells)} ifyllda; så "
                f"glesa blad läses inte (högst {ratio} gånger fler celler än ifyllda, "
                f"utöver {spaced(_SPARSE_FLOOR)})."
            )

    def _used(self) -> str:
        return (
            f"{get_column_letter(self.columns[0])}{self.rows[0]}:"
            f"{get_column_letter(self.columns[1])}{self.rows[1]}"
        )

    def _refuse(self, what: str) -> None:
        raise FileRefused(
            f"{self.file_name}: bladet {self.sheet} {what}; högst {spaced(self.limit)} "
            "celler kan läsas."
        )


_INFINITE = 1 << 62
# A sheet of up to this many cells may be as empty as it likes.
_SPARSE_FLOOR = 100_000


def _area(rows, columns) -> int:
    return (abs(rows[1] - rows[0]) + 1) * (abs(columns[1] - columns[0]) + 1)


def _copy_sheet(data, out, sheet_range: _SheetRange) -> None:
    carry = b""
    while chunk := data.read(_SHEET_CHUNK):
        out.write(chunk)
        piece = carry + chunk
        cut = piece.rfind(b"<")
        if cut < len(piece) - _TAG_WINDOW:
            cut = len(piece)
        carry = piece[cut:]
        sheet_range.scan(piece[:cut])
    if carry:
        sheet_range.scan(carry)
    sheet_range.check_density()
