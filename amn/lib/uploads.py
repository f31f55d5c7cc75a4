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

Between the request that receives a file and the step that reads it (a preview, a reading
in the background) the file waits in an `UploadStore`; `file_checksum` is the SHA-256 by
which an import knows a file again.
"""

import hashlib
import json
import re
import secrets
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from amn.lib.text import quoted

_CHUNK = 1 << 16
# Checksums read a file in bigger pieces: fewer calls, same memory bound.
_CHECKSUM_CHUNK = 1 << 20


class FileRefused(Exception):
    """The whole file is refused before any line is read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


class UploadStore:
    """Uploaded files kept on disk until they are read.

    Each file is `<token>.upload` in `folder` under settings.UPLOAD_DIR (read when used),
    the token `token_chars` random hex digits: nothing the sender chose names a file. A
    store with `records` keeps a JSON record beside each file (`<token>.json`) and removes
    it with the file; a store with a `lifetime_seconds` removes files and records older
    than that each time it saves a new one.
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
        with path.open("wb") as handle:
            for chunk in uploaded_file.chunks():
                handle.write(chunk)
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

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        if self.records:
            path.with_suffix(".json").unlink(missing_ok=True)

    def remove_stale(self) -> None:
        """Files (and records) nobody came back for within the lifetime."""
        if self.lifetime_seconds is None:
            return
        too_old = time.time() - self.lifetime_seconds
        for item in self.directory().iterdir():
            if item.suffix in (".upload", ".json") and item.stat().st_mtime < too_old:
                item.unlink(missing_ok=True)


# Bytes that no CSV or SIE file holds (NUL and the other C0 controls but tab, line feed,
# form feed and carriage return): a file that has them is an image, a PDF, a program …
_NOT_TEXT = bytes([*range(0, 9), 11, *range(14, 32)])


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


def decode_text(data: bytes, file_name: str) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, as Swedish exports (ledger systems,
    Excel's CSV) are written."""
    if data.startswith(b"\xef\xbb\xbf"):
        # The file says it is UTF-8: a byte that is not is damage, not Windows-1252.
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                f"{file_name}: filen är märkt som UTF-8 men har en ogiltig byte "
                f"{data[3 + exc.start]:#04x} på position {3 + exc.start}."
            ) from exc
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
            for entry in source.infolist():
                if entry.is_dir():
                    continue
                # zipfile stops inflating at the declared size and checks the CRC at the
                # end, so an entry that holds more than its directory says fails here.
                with source.open(entry) as data, rebuilt.open(entry.filename, "w") as out:
                    shutil.copyfileobj(data, out, _CHUNK)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError) as exc:
        raise FileRefused(
            f"{file_name}: arbetsboken stämmer inte med sin innehållsförteckning och "
            f"kan inte läsas ({exc})."
        ) from exc
