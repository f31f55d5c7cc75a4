"""A report's open data: every table and every text, as published with each version.

A number is kept as a number: `{"value": 2200.5, "decimals": 1}` holds the exact value (a
Decimal in, a JSON number out, a Decimal again when read back) beside the decimals the
report shows it with; a money table names its unit ("mnkr") beside its headers. Text is
text, an empty cell null. Readers (the version differences, the CSV of a table, the JSON
download) take the numbers as they are and never parse them back out of a string.
"""

from decimal import Decimal

from amn.lib import exact_json
from amn.lib.money import decimal_comma
from amn.lib.spreadsheet import Reported, Sheet, escape_formula, is_number
from amn.models import PublishedReport
from reports.services.report import Report


def number_cell(value: Decimal | int | float, decimals: int) -> dict:
    return {
        "value": Decimal(str(value)) if isinstance(value, float) else value,
        "decimals": decimals,
    }


def is_number_cell(cell) -> bool:
    return isinstance(cell, dict) and "value" in cell


def _as_reported(cell: dict) -> Decimal:
    """The exact value, with at least the decimals the report shows ("86" shown "86,0")."""
    value = Decimal(cell["value"])
    shown = Decimal(1).scaleb(-cell["decimals"])
    return (
        value if value.as_tuple().exponent <= shown.as_tuple().exponent else value.quantize(shown)
    )


def cell_text(cell) -> str:
    """A cell as a reader of the differences sees it: "2200,5", a text, or nothing."""
    if cell is None:
        return ""
    if is_number_cell(cell):
        return decimal_comma(_as_reported(cell))
    return str(cell)


def csv_cell(cell):
    """A cell of an open-data CSV: a number with a decimal point, or text that Excel will
    not read as a formula."""
    if cell is None:
        return ""
    if is_number_cell(cell):
        return format(_as_reported(cell), "f")
    return escape_formula(str(cell))


def sheet_data(sheet: Sheet) -> dict:
    """A sheet as open data: exact numbers with their shown decimals, texts as texts."""

    def cell(value, column: int):
        if isinstance(value, Reported):
            # As reported: "86,0" stays 86.0 with one decimal, not the 86.0000 stored.
            return number_cell(
                value.value.quantize(Decimal(1).scaleb(-value.decimals)), value.decimals
            )
        if is_number(value):
            return number_cell(value, sheet.decimals_of(column))
        if value is None or isinstance(value, str):
            return value
        return str(value)

    return {
        "title": sheet.title,
        "heading": sheet.heading,
        "unit": sheet.unit,
        "headers": list(sheet.headers),
        "rows": [[cell(value, column) for column, value in enumerate(row)] for row in sheet.rows],
    }


def report_data(report: Report) -> dict:
    """The report's open data: every table, and every text by section."""
    period = report.period
    return {
        "committee": period.committee.code,
        "period": period.key,
        "title": report.title,
        "tables": [sheet_data(sheet) for sheet in report.sheets],
        "texts": [
            {"section": section.title, "title": text.title, "body": text.body}
            for section in report.sections
            for text in section.texts
        ],
    }


def draft_document(report: Report) -> bytes:
    """A draft's open data, marked as a draft."""
    return exact_json.dumps({**report_data(report), "draft": True}, indent=2).encode()


def report_document(published: PublishedReport) -> bytes:
    """A published version's open data: every table of the report, as JSON."""
    document = {
        **published.data,
        "version": published.version,
        "published_at": published.published_at.isoformat(),
        "revised": published.is_revision,
        "change_note": published.change_note,
    }
    return exact_json.dumps(document, indent=2).encode()
