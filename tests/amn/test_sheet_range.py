"""A worksheet's range is checked before calamine reads it: calamine allocates the whole
rectangle from the first to the last cell, so a workbook of 1,6 kB that uses only A1 and
XFD1048576 asked for 550 GB and took the web worker down. The range the sheet declares, the
range its cells really use, and the number of cells are checked against
UPLOAD_MAX_SHEET_CELLS while the workbook is copied, and refused naming file, sheet and
range; so is a range mostly empty. Whatever a reader does after that, it runs under a
memory limit of its own."""

from pathlib import Path

import pytest

from amn.lib.uploads import FileRefused, read_untrusted
from budget.services.ledger_files import ErrorList
from budget.services.ledger_import import reader_for
from indicators.services.round_trip import read_upload
from tests.badinput.workbooks import far_cell_workbook, workbook_bytes


def read_as(importer: str, path: Path) -> None:
    """Read the file the way each import does."""
    if importer == "ledger":
        with reader_for(path, path.name, ErrorList(path.name), None):
            pass
    else:
        read_untrusted(read_upload, path, path.name, 50_000_000, file_name=path.name)


def refusal(importer: str, path: Path) -> str:
    with pytest.raises(FileRefused) as refused:
        read_as(importer, path)
    return refused.value.message


@pytest.mark.parametrize("importer", ["ledger", "indicators"])
@pytest.mark.parametrize(
    ("last", "cells"),
    [
        ("XFD1048576", "17 179 869 184"),
        ("IV1048576", "268 435 456"),
        ("Z400000", "10 400 000"),
    ],
)
def test_a_sheet_that_declares_a_huge_range_is_refused_naming_it(tmp_path, importer, last, cells):
    path = tmp_path / "liten.xlsx"
    path.write_bytes(far_cell_workbook(last))
    assert path.stat().st_size < 2_000

    assert refusal(importer, path) == (
        f"liten.xlsx: bladet Data anger området A1:{last} ({cells} celler); högst "
        "10 000 000 celler kan läsas."
    )


@pytest.mark.parametrize("importer", ["ledger", "indicators"])
def test_a_sheet_whose_cells_lie_beyond_its_declared_range_is_refused(tmp_path, importer):
    path = tmp_path / "ljuger.xlsx"
    path.write_bytes(far_cell_workbook("XFD1048576", dimension="A1:B2"))

    assert refusal(importer, path) == (
        "ljuger.xlsx: bladet Data använder området A1:XFD1048576 (17 179 869 184 celler); "
        "högst 10 000 000 celler kan läsas."
    )


@pytest.mark.parametrize("importer", ["ledger", "indicators"])
@pytest.mark.parametrize("target", [None, "/xl/other/sheet1.xml", "other/./sheet1.xml"])
def test_a_sheet_moved_out_of_xl_worksheets_is_checked_all_the_same(tmp_path, importer, target):
    # calamine reads the part the workbook's relationship points at, wherever it is.
    path = tmp_path / "flyttad.xlsx"
    path.write_bytes(
        far_cell_workbook("Z400000", dimension="", part="xl/other/sheet1.xml", target=target)
    )

    assert refusal(importer, path) == (
        "flyttad.xlsx: bladet Data använder området A1:Z400000 (10 400 000 celler); högst "
        "10 000 000 celler kan läsas."
    )


@pytest.mark.parametrize("target", ["../../etc/passwd", "other/saknas.xml"])
def test_a_sheet_that_points_outside_the_workbook_is_refused(tmp_path, target):
    path = tmp_path / "pekar-ut.xlsx"
    path.write_bytes(far_cell_workbook("B2", part="xl/other/sheet1.xml", target=target))

    assert refusal("ledger", path) == (
        f"pekar-ut.xlsx: bladet Data hänvisar till ”{target}”, som inte är en del av arbetsboken."
    )


def test_cells_without_a_reference_are_placed_as_calamine_places_them(tmp_path, settings):
    settings.UPLOAD_MAX_SHEET_CELLS = 1_000
    path = tmp_path / "utan-referenser.xlsx"
    # Row 1 by reference, then a row 2 000 with three cells that say nothing of where they
    # stand: they follow each other from column A.
    path.write_bytes(
        workbook_bytes(
            '<row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="2000"><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>'
        )
    )

    assert refusal("ledger", path) == (
        "utan-referenser.xlsx: bladet Data använder området A1:C2000 (6 000 celler); högst "
        "1 000 celler kan läsas."
    )


def test_a_mostly_empty_range_is_refused_even_within_the_limit(tmp_path):
    # 1 048 576 cells for two in a file of 1,5 kB: each empty row would cost reading time.
    path = tmp_path / "gles.xlsx"
    path.write_bytes(far_cell_workbook("A1048576"))

    assert refusal("ledger", path) == (
        "gles.xlsx: bladet Data använder området A1:A1048576 (1 048 576 celler) men har bara "
        "2 ifyllda; så glesa blad läses inte (högst 10 gånger fler celler än ifyllda, utöver "
        "100 000)."
    )


def test_a_sheet_within_the_limits_is_read(tmp_path, settings):
    settings.UPLOAD_MAX_SHEET_CELLS = 26 * 400_000
    settings.UPLOAD_MAX_SHEET_SPARSENESS = 26 * 400_000
    path = tmp_path / "inom.xlsx"
    path.write_bytes(far_cell_workbook("Z400000"))

    with reader_for(path, path.name, errors := ErrorList(path.name), None):
        pass

    # Read, not refused: the only complaint is that the sheet holds no ledger.
    assert [error.message.split(".")[0] for error in errors.kept] == ["hittar ingen rubrikrad"]


@pytest.mark.parametrize("importer", ["ledger", "indicators"])
def test_past_the_range_check_the_memory_limit_still_holds(tmp_path, settings, importer):
    # With the range check out of the way calamine asks for 550 GB: the reading process
    # is stopped at its memory limit, and this one goes on.
    settings.UPLOAD_MAX_SHEET_CELLS = settings.UPLOAD_MAX_SHEET_SPARSENESS = 10**12
    settings.UPLOAD_READ_MAX_MEMORY_MB = 1_024
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(far_cell_workbook("XFD1048576"))

    assert refusal(importer, path) == "bomb.xlsx: filen kräver mer minne än 1024 MB att läsa."
