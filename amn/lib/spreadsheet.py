"""Every download of the application: Excel workbooks and CSV for Swedish Excel.

A download is one or more `Sheet`s: a title, column headers and rows of cells. Numbers
(Decimal, int, float) are written as numbers, text as text, None as an empty cell.

- Excel (`xlsx_bytes`, `xlsx_response`): openpyxl in write-only mode, one worksheet per
  sheet. Numbers carry a number format (`#,##0`, `#,##0.0`: the decimals the reader chose),
  so the cell keeps the exact value while Excel shows it rounded. Sum rows are bold, the
  header row is frozen. Every text cell is stored as a string, so "=1+1" stays text and
  never becomes a formula.
- CSV (`csv_bytes`, `csv_response`): what Swedish Excel opens without questions: UTF-8 with
  BOM, `;` between cells, decimal comma, no thousands separator. Text that Excel would read
  as a formula (starting with = + - @, tab or CR) gets a leading apostrophe.
"""

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from amn.lib.money import decimal_comma

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# What Excel (and other spreadsheets) would start a formula with.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Reported:
    """A number shown with the decimals it was reported with ("6,0", "88"), whatever
    the column's format: indicator values differ from row to row."""

    value: Decimal
    decimals: int


Cell = str | int | float | Decimal | date | Reported | None

_BOLD = Font(bold=True)
_ITALIC = Font(italic=True)
_BOLD_ITALIC = Font(bold=True, italic=True)
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def number_format(decimals: int) -> str:
    """The Excel number format with thousands separator and `decimals` decimals."""
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


@dataclass
class Sheet:
    """One table of a download.

    `rows` hold cells in column order. `sum_rows`, `indented_rows` and `italic_rows` are
    indices into `rows`. `number_formats` is one format for every number, or one per column
    (None for the default). `heading` is an optional bold title line above the headers;
    `unit` the unit every amount of a money table is in ("tkr", "mnkr").
    """

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    sum_rows: Collection[int] = ()
    indented_rows: Collection[int] = ()
    italic_rows: Collection[int] = ()
    number_formats: str | Sequence[str | None] = "#,##0"
    heading: str | None = None
    widths: Sequence[float] | None = None
    unit: str | None = None
    _formats: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.number_formats, str):
            self._formats = [self.number_formats] * len(self.headers)
        else:
            self._formats = [f or "#,##0" for f in self.number_formats]
            self._formats += ["#,##0"] * (len(self.headers) - len(self._formats))

    def number_format_of(self, column: int) -> str:
        return self._formats[column] if column < len(self._formats) else "#,##0"

    def decimals_of(self, column: int) -> int:
        """The decimals a number in `column` is shown with."""
        _, point, decimals = self.number_format_of(column).partition(".")
        return decimals.count("0") if point else 0

    def column_widths(self) -> list[float]:
        if self.widths is not None:
            return list(self.widths)
        widths = [len(str(h)) + 2 for h in self.headers]
        for row in self.rows:
            for index, value in enumerate(row):
                shown = len(str(value)) if isinstance(value, str) else 14
                if index < len(widths):
                    widths[index] = max(widths[index], shown + 2)
                else:
                    widths.append(shown + 2)
        return [min(max(w, _MIN_WIDTH), _MAX_WIDTH) for w in widths]


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def clean_text(text: str) -> str:
    """Text without the control characters an xlsx file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return _SHEET_TITLE_FORBIDDEN.sub("-", title).strip("'")[:31] or "Blad"


# Excel ------------------------------------------------------------------------------------


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet, written in write-only mode."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        title = sheet_title(sheet.title)
        base, number = title, 2
        while title.lower() in used:
            suffix = f" ({number})"
            title, number = base[: 31 - len(suffix)] + suffix, number + 1
        used.add(title.lower())
        _write_sheet(workbook.create_sheet(title), sheet)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_sheet(ws, sheet: Sheet) -> None:
    for index, width in enumerate(sheet.column_widths(), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header_row = 2 if sheet.heading else 1
    ws.freeze_panes = f"A{header_row + 1}"
    if sheet.heading:
        ws.append([_cell(ws, sheet.heading, font=_BOLD)])
    ws.append([_cell(ws, header, font=_BOLD) for header in sheet.headers])
    for index, row in enumerate(sheet.rows):
        bold = index in sheet.sum_rows
        italic = index in sheet.italic_rows
        font = _BOLD_ITALIC if bold and italic else _BOLD if bold else _ITALIC if italic else None
        indent = index in sheet.indented_rows
        ws.append(
            [
                _cell(
                    ws,
                    value.value if isinstance(value, Reported) else value,
                    font=font,
                    number_format=number_format(value.decimals)
                    if isinstance(value, Reported)
                    else sheet.number_format_of(column),
                    indent=indent and column == 0,
                )
                for column, value in enumerate(row)
            ]
        )


def _cell(
    ws,
    value: Cell,
    *,
    font: Font | None = None,
    number_format: str = "#,##0",
    indent: bool = False,
) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=clean_text(value))
        # Write-only openpyxl turns a str starting with "=" into a formula: every text is
        # stored as a string instead, so nothing a user typed can ever be evaluated.
        cell.data_type = "s"
    elif is_number(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = number_format
    elif isinstance(value, datetime | date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
    elif value is None:
        cell = WriteOnlyCell(ws, value=None)
    else:
        cell = WriteOnlyCell(ws, value=clean_text(str(value)))
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if indent:
        cell.alignment = Alignment(indent=1)
    return cell


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    return _download(xlsx_bytes(sheets), XLSX_CONTENT_TYPE, filename)


# CSV --------------------------------------------------------------------------------------


def csv_value(value: Cell) -> str:
    """One CSV cell: a number with decimal comma and no thousands separator, or safe text."""
    if value is None:
        return ""
    if isinstance(value, Reported):
        value = value.value.quantize(Decimal(1).scaleb(-value.decimals))
    if is_number(value):
        return decimal_comma(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return escape_formula(str(value))


def escape_formula(text: str) -> str:
    """Text Excel would read as a formula, with a leading apostrophe so it stays text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(sheet: Sheet) -> bytes:
    """The sheet as CSV for Swedish Excel: UTF-8 with BOM, semicolons, decimal commas."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    if sheet.heading:
        writer.writerow([csv_value(sheet.heading)])
    writer.writerow([csv_value(header) for header in sheet.headers])
    for row in sheet.rows:
        writer.writerow([csv_value(value) for value in row])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def csv_response(sheet: Sheet, filename: str) -> HttpResponse:
    return _download(csv_bytes(sheet), CSV_CONTENT_TYPE, filename)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
