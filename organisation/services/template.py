"""The Excel template of a nämnd's setup: written with the nämnd's data (or empty, for a
new nämnd), read back from an upload and stored (organisation.services.setup).

An uploaded file is kept under a random name only while it is read: in a process of its
own with memory and time limits (amn.lib.uploads.read_untrusted), the workbook's zip
directory and every worksheet's range checked before calamine reads a cell. What the
reading returns is plain cells per sheet; the checks against the database and the storing
happen here, in one transaction: one bad cell and nothing is stored.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from amn.lib.spreadsheet import Sheet, xlsx_bytes
from amn.lib.text import quoted, spaced
from amn.lib.uploads import FileRefused, UploadStore, open_upload, read_untrusted, worksheets
from amn.models import ChangeSource, Committee, default_annual_cycle
from organisation.services.setup import (
    ADMINISTRATIONS_SHEET,
    COMMITTEE_SHEET,
    CYCLE_SHEET,
    FOLLOW_UP_NAMES,
    HEADERS,
    OPERATIONS_SHEET,
    ROWS_SHEET,
    UNITS_SHEET,
    Line,
    Problem,
    SetupChecker,
    StoreOutcome,
    cell_text,
    committee_lines,
    store_plan,
)

INSTRUCTIONS_SHEET = "Instruktion"
# A file far beyond any nämnd's setup is refused rather than read.
MAX_ROWS = 5_000
HEADER_SEARCH_ROWS = 5
UPLOADS = UploadStore("organisation", token_chars=32, lifetime_seconds=3600)

INSTRUCTIONS = [
    "Så fyller du i mallen för en nämnd",
    "",
    "Varje blad har en rubrikrad; skriv en uppgift per rad under den. Ändra inte rubrikerna "
    "och ta inte bort några blad.",
    "Nämnd: kommunens namn och Kolada-id (fyra siffror, t.ex. 0580), nämndens kod "
    "(förkortning, t.ex. AMN) och namn. Exakt en rad.",
    "Förvaltningar: de förvaltningar i kommunen som betjänar nämnden, med kod och namn.",
    "Verksamheter: kommunens verksamheter med kod (t.ex. 575) och namn.",
    "Enheter: nämndens egna enheter (t.ex. Arbetsmarknadscentrum) och vilken förvaltning "
    "de hör till (förvaltningens kod, får lämnas tom).",
    "Årshjul: uppföljningarna (Delår 1, Delår 2, Oktoberuppföljning, Bokslut) med till och "
    "med vilken månad (1–12) och hur många dagar efter månadens slut rapporten ska vara "
    "klar. En uppföljning som nämnden inte har tas bort på nämndens sida.",
    "Driftsammandrag: en rad per rad i driftsammandraget och år. Ordning är radens plats "
    "(1, 2, 3 …). Typ är 'rad' eller 'resultat nämndens enheter'; den senare anger "
    "enheterna i kolumnen Enheter, åtskilda av komma. Varav under anger raden (samma år) "
    "som en varav-rad står under.",
    "Belopp anges i kronor, med högst två decimaler: Bokslut föregående år är årets "
    "bokslut för samma rad året innan, Budget är helårsbudgeten för året. Tomma "
    "beloppsceller lämnar det som redan finns.",
    "",
    "När filen laddas upp skapas det som saknas och det som ändrats uppdateras, allt på en "
    "gång. Ingenting tas bort av en uppladdning. Finns ett enda fel lagras ingenting, och "
    "sidan listar alla fel med blad, rad och kolumn.",
]

_FORMATS = {
    CYCLE_SHEET: [None, "0", "0"],
    ROWS_SHEET: ["0", "0", None, None, None, None, None, "#,##0.00", "#,##0.00"],
}


def template_sheets(committee: Committee | None) -> list[Sheet]:
    """The workbook's sheets: the nämnd's data, or for a new nämnd empty sheets with the
    default årshjul."""
    if committee is None:
        lines = {sheet: [] for sheet in HEADERS}
        lines[CYCLE_SHEET] = [
            [FOLLOW_UP_NAMES[step.kind], step.month, step.deadline_days]
            for step in default_annual_cycle(Committee())
        ]
    else:
        lines = committee_lines(committee)
    sheets = [
        Sheet(
            INSTRUCTIONS_SHEET,
            [INSTRUCTIONS[0]],
            [[text] for text in INSTRUCTIONS[1:]],
            widths=[120],
        )
    ]
    for title, headers in HEADERS.items():
        sheets.append(Sheet(title, headers, lines[title], number_formats=_FORMATS.get(title, "0")))
    return sheets


def template_bytes(committee: Committee | None) -> bytes:
    return xlsx_bytes(template_sheets(committee))


# --- Reading an upload ---------------------------------------------------------------------


@dataclass
class SheetCells:
    """One sheet of an upload: its header row and its lines, cells as calamine read them."""

    name: str
    header_number: int
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)


def read_template(path: Path, file_name: str, max_bytes: int) -> dict[str, SheetCells]:
    """The template's sheets found in an uploaded file (run in the reading sandbox)."""
    kind, _ = open_upload(path, file_name, max_bytes)
    if kind != "xlsx":
        raise FileRefused(
            f"{file_name}: filen är ingen Excel-arbetsbok (.xlsx). Ladda ned mallen och fyll i den."
        )
    found: dict[str, SheetCells] = {}
    wanted = {name.casefold(): name for name in HEADERS}
    for name, height, rows in worksheets(path, file_name):
        title = wanted.get(name.strip().casefold())
        if title is None:
            continue
        if height > MAX_ROWS:
            raise FileRefused(
                f"{file_name}, blad {name}: bladet har fler än {spaced(MAX_ROWS)} rader."
            )
        found[title] = _sheet_cells(title, rows)
    return found


def _sheet_cells(title: str, rows: Iterator[list]) -> SheetCells:
    sheet = SheetCells(title, 0, [])
    for number, cells in enumerate(rows, start=1):
        if not sheet.header_number:
            texts = [cell_text(cell) for cell in cells]
            if any(texts):
                sheet.header_number, sheet.headers = number, texts
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if any(cell_text(cell) for cell in cells):
            sheet.rows.append((number, list(cells)))
    return sheet


def sheet_lines(
    sheets: dict[str, SheetCells], file_name: str
) -> tuple[dict[str, list[Line]], list[Problem]]:
    """The lines of every sheet by column name; a problem for each missing sheet and each
    missing or repeated column of a header row."""
    lines: dict[str, list[Line]] = {}
    problems: list[Problem] = []
    for title, headers in HEADERS.items():
        sheet = sheets.get(title)
        if sheet is None:
            problems.append(
                Problem(
                    file_name,
                    title,
                    None,
                    "",
                    "",
                    f"Bladet {quoted(title)} saknas. Ladda ned mallen och behåll alla blad.",
                )
            )
            continue
        normal = [header.casefold() for header in sheet.headers]
        positions = {}
        for header in headers:
            at = [i for i, text in enumerate(normal) if text == header.casefold()]
            if not at:
                problems.append(
                    Problem(
                        file_name,
                        title,
                        sheet.header_number or 1,
                        header,
                        "",
                        f"Rubrikraden saknar kolumnen {quoted(header)}.",
                    )
                )
            elif len(at) > 1:
                problems.append(
                    Problem(
                        file_name,
                        title,
                        sheet.header_number,
                        header,
                        "",
                        f"Kolumnen {quoted(header)} finns {len(at)} gånger i rubrikraden.",
                    )
                )
            else:
                positions[header] = at[0]
        if len(positions) != len(headers):
            continue
        lines[title] = [
            Line(
                title,
                number,
                {h: (cells[i] if i < len(cells) else None) for h, i in positions.items()},
            )
            for number, cells in sheet.rows
        ]
    return lines, problems


def check_sheets(
    sheets: dict[str, SheetCells], file_name: str, committee: Committee | None
) -> SetupChecker:
    """Every problem of the file's cells, and the plan they make."""
    checker = SetupChecker(file_name, committee)
    lines, problems = sheet_lines(sheets, file_name)
    checker.problems += problems
    if COMMITTEE_SHEET in lines:
        checker.check_committee(lines[COMMITTEE_SHEET])
    checker.check_administrations(lines.get(ADMINISTRATIONS_SHEET, []))
    checker.check_operations(lines.get(OPERATIONS_SHEET, []))
    checker.check_units(lines.get(UNITS_SHEET, []))
    checker.check_cycle(lines.get(CYCLE_SHEET, []))
    checker.check_rows(lines.get(ROWS_SHEET, []))
    return checker


@dataclass
class UploadOutcome:
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    stored: StoreOutcome | None = None

    @property
    def committee(self) -> Committee | None:
        return self.stored.committee if self.stored else None


def max_upload_bytes() -> int:
    return settings.INDICATOR_IMPORT_MAX_BYTES


def import_file(
    path: Path,
    file_name: str,
    *,
    committee: Committee | None = None,
    user=None,
    in_request: bool = False,
    source: str = ChangeSource.IMPORT,
) -> UploadOutcome:
    """Read, check and store a filled template; FileRefused for a file that cannot be read
    at all. With any problem nothing is stored and the outcome lists them all."""
    sheets = read_untrusted(
        read_template,
        path,
        file_name,
        max_upload_bytes(),
        file_name=file_name,
        in_request=in_request,
    )
    checker = check_sheets(sheets, file_name, committee)
    outcome = UploadOutcome(file_name, list(checker.problems))
    if outcome.problems:
        return outcome
    stored = store_plan(checker.plan, user, source=source, file_name=file_name)
    outcome.problems = stored.problems
    if not stored.problems:
        outcome.stored = stored
    return outcome


def import_upload(uploaded_file, **kwargs) -> UploadOutcome:
    """An uploaded file through `import_file`, kept on disk only while it is read."""
    path = UPLOADS.save(uploaded_file)
    try:
        return import_file(path, Path(uploaded_file.name).name[:200], in_request=True, **kwargs)
    finally:
        UPLOADS.remove(path)
