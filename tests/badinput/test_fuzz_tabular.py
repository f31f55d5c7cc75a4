"""Fuzzing the readers of uploaded tables: the ledger's CSV reader, the ledger's workbook
reader and the indicator import's reader. Each input is a valid file mutated (random
bytes, a broken zip, odd delimiters, stray quotes, huge fields, huge sheet ranges, far
cells), and must be read or refused with FileRefused, the readers' refusal: any other
exception fails. No input may take longer than a second per 100 kB (and a second for a
small one), the reading process included.

Hypothesis runs derandomized with a fixed number of examples, so CI runs the same inputs in
bounded time."""

import contextlib
import io
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amn.lib.uploads import FileRefused, read_untrusted
from budget.services.ledger_files import ErrorList
from budget.services.ledger_import import reader_for
from indicators.resources import VALUE_HEADERS
from indicators.services.round_trip import read_upload
from tests.budget.ledger_files import HEADERS, write_csv, write_xlsx

FUZZ = settings(
    derandomize=True,
    max_examples=120,
    deadline=None,  # timed below, against the size of the input
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LEDGER_LINES = [
    [202301, 4610, "7100", 575, "", "", "1 000,50"],
    [202302, 3010, "7200", 470, "A1", "", "-250"],
    ["2023-03", 4620, "", 575, "", "P100", 12.25],
]
INDICATOR_ROWS = [
    ["Nämndindikator", "", "Andel nöjda", "Totalt", 2023, 8, "Utfall", "88,9", ""],
    ["Volymmått", "Bistånd", "Hushåll", "Kvinnor", 2023, 12, "Prognos", "I.U.", "Fotnot"],
]
# What a hostile or broken file puts where a cell is expected.
ODD_TEXT = st.sampled_from(
    [
        '"',
        '""',
        ";",
        ",",
        "\t",
        "\r",
        "\n",
        "\x00",
        "\ufeff",
        "=1+1",
        "1e999999999",
        "9" * 5_000,
        "-0",
        "²",
        "≥" + " " * 5_000 + "\nx\ny",
        "202313",
        "1" * 40 + ",123",
    ]
)
SHEET_ENTRY = "xl/worksheets/sheet1.xml"


def timed(read, data: bytes, name: str) -> None:
    """Read `data` as the file `name`: a refusal is fine, any other exception fails, and
    so does taking more than a second per 100 kB."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        started = time.monotonic()
        with contextlib.suppress(FileRefused):
            read(path)
        elapsed = time.monotonic() - started
    assert elapsed <= max(1.0, len(data) / 100_000), f"{elapsed:.2f} s for {len(data)} bytes"


def read_ledger(path: Path) -> None:
    with reader_for(path, path.name, ErrorList(path.name), None) as (_, reading):
        for _ in reading.records():
            pass


def read_indicators(path: Path) -> None:
    read_untrusted(read_upload, path, path.name, 50_000_000, file_name=path.name)


# --- Mutations -----------------------------------------------------------------------------


@st.composite
def text_mutations(draw, text: str) -> str:
    """The text with odd cells, delimiters, quotes and huge fields put in, or cut short."""
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["cell", "odd", "random", "huge", "delimiter", "cut"]))
        if kind == "cell":
            lines = text.split("\n")
            line = draw(st.integers(0, len(lines) - 1))
            cells = lines[line].split(";")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(ODD_TEXT)
            lines[line] = ";".join(cells)
            text = "\n".join(lines)
        elif kind == "odd":
            text = text[:at] + draw(ODD_TEXT) + text[at:]
        elif kind == "random":
            text = text[:at] + draw(st.text(max_size=30)) + text[at:]
        elif kind == "huge":
            filler = draw(st.sampled_from(["x", " ", '"', ";", "\n", "9"]))
            text = text[:at] + filler * draw(st.integers(1, 200_000)) + text[at:]
        elif kind == "delimiter":
            old, new = draw(st.sampled_from([";", ",", "\t"])), draw(ODD_TEXT)
            text = text.replace(old, new)
        else:
            text = text[:at]
    return text


@st.composite
def byte_mutations(draw, data: bytes) -> bytes:
    """The bytes with a few replaced, inserted or cut away."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "insert", "cut"]))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(max_size=64))
        else:
            data = data[:at]
    return bytes(data)


def cell_ref() -> st.SearchStrategy[str]:
    return st.builds(
        lambda letters, row: f"{letters}{row}",
        st.sampled_from(["A", "Z", "AA", "IV", "XFD", "ZZZ", "a"]),
        st.sampled_from([1, 2, 400_000, 1_048_576, 99_999_999]),
    )


@st.composite
def sheet_mutations(draw, xml: str) -> str:
    """The worksheet's XML with a huge or odd dimension, far cells, cells without a
    reference, or text mutations."""
    kind = draw(st.sampled_from(["dimension", "far", "unplaced", "text"]))
    if kind == "dimension":
        ref = f"A1:{draw(cell_ref())}"
        if "<dimension" in xml:
            start = xml.index("<dimension")
            xml = xml[:start] + f'<dimension ref="{ref}"/>' + xml[xml.index(">", start) + 1 :]
        else:
            xml = xml.replace("<sheetData>", f'<dimension ref="{ref}"/><sheetData>')
    elif kind == "far":
        ref = draw(cell_ref())
        row = "".join(c for c in ref if c.isdigit())
        xml = xml.replace(
            "</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'
        )
    elif kind == "unplaced":
        cells = "<c><v>1</v></c>" * draw(st.integers(1, 50))
        row = draw(st.sampled_from(["", ' r="1048576"', ' r="0"', ' r="x"']))
        xml = xml.replace("</sheetData>", f"<row{row}>{cells}</row></sheetData>")
    else:
        xml = draw(text_mutations(xml))
    return xml


def rebuilt(workbook: bytes, sheet_xml: str) -> bytes:
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == SHEET_ENTRY:
                data = sheet_xml.encode("utf-8", "surrogatepass")
            target.writestr(entry.filename, data)
    return output.getvalue()


@st.composite
def workbook_mutations(draw, workbook: bytes) -> bytes:
    if draw(st.booleans()):
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            xml = archive.read(SHEET_ENTRY).decode()
        workbook = rebuilt(workbook, draw(sheet_mutations(xml)))
    if draw(st.integers(0, 3)) == 0:
        workbook = draw(byte_mutations(workbook))  # a broken zip
    return workbook


@st.composite
def csv_files(draw, text: str) -> bytes:
    mutated = draw(text_mutations(text))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    data = mutated.encode(encoding, errors="replace")
    if draw(st.integers(0, 3)) == 0:
        data = draw(byte_mutations(data))
    return data


# --- The seeds: valid files ----------------------------------------------------------------


def ledger_csv() -> str:
    with tempfile.TemporaryDirectory() as folder:
        return write_csv(Path(folder) / "h.csv", LEDGER_LINES).read_text(encoding="utf-8")


def ledger_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_xlsx(Path(folder) / "h.xlsx", LEDGER_LINES).read_bytes()


def indicator_csv() -> str:
    rows = [VALUE_HEADERS, *INDICATOR_ROWS]
    return "".join(";".join(str(cell) for cell in row) + "\r\n" for row in rows)


def indicator_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        lines = [[*row] for row in INDICATOR_ROWS]
        path = write_xlsx(Path(folder) / "i.xlsx", lines, headers=list(VALUE_HEADERS), titles=[])
        return path.read_bytes()


# --- The fuzz tests ------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def reading_processes_started():
    """The first reading starts the process the readings are forked from (Django set up
    once, about a second): not a cost of any input."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.csv"
        path.write_text(ledger_csv(), encoding="utf-8")
        read_ledger(path)


def ledger_line(period: str, amount: str) -> bytes:
    return f"{';'.join(HEADERS)}\n{period};4610;7100;575;;;{amount}\n".encode()


@FUZZ
@given(data=csv_files(ledger_csv()))
# Found by the fuzzing: a period of a digit int() does not read, or of 5 000 digits; an
# amount of 40 digits and three decimals.
@example(data=ledger_line("²02301", "1"))
@example(data=ledger_line("9" * 5_000, "1"))
@example(data=ledger_line("202301", "9" * 40 + ",123"))
def test_the_ledger_csv_reader_reads_or_refuses_every_mutation(data):
    timed(read_ledger, data, "huvudbok.csv")


@FUZZ
@given(data=workbook_mutations(ledger_workbook()))
def test_the_ledger_workbook_reader_reads_or_refuses_every_mutation(data):
    timed(read_ledger, data, "huvudbok.xlsx")


@FUZZ
@given(data=st.one_of(workbook_mutations(indicator_workbook()), csv_files(indicator_csv())))
def test_the_indicator_import_reader_reads_or_refuses_every_mutation(data):
    timed(read_indicators, data, "indikatorer.xlsx")


def test_the_seeds_are_read_without_refusal():
    with tempfile.TemporaryDirectory() as folder:
        for name, data, read in [
            ("h.csv", ledger_csv().encode(), read_ledger),
            ("h.xlsx", ledger_workbook(), read_ledger),
            ("i.csv", indicator_csv().encode(), read_indicators),
            ("i.xlsx", indicator_workbook(), read_indicators),
        ]:
            path = Path(folder) / name
            path.write_bytes(data)
            read(path)
