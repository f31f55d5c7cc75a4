"""The importing process (a web worker's reading thread) holds a batch of lines at a time,
never the whole file: its memory does not grow with the number of lines, and the
reading's spool is gone afterwards."""

import tracemalloc
from decimal import Decimal

import pytest

from budget.models import ImportStatus
from budget.services.ledger_import import import_ledger_file
from tests.budget.ledger_files import write_csv

# One batch (SPOOL_BATCH) of records and the writer's own batch, whatever the file; the
# Python allocations of the importing process, seen by tracemalloc (the reading process
# is another one).
PEAK_BOUND_MB = 12


def ledger_csv(path, count: int):
    """`count` lines of AMN's 2023 ledger, each with codes of its own; their total in kr."""
    lines = [
        [
            202300 + n % 8 + 1,
            4610 + n % 7,
            f"{7000 + n % 61}",
            575,
            "",
            "",
            f"{n % 100_000},{n % 100:02d}",
        ]
        for n in range(count)
    ]
    total = sum(Decimal(f"{n % 100_000}.{n % 100:02d}") for n in range(count))
    return write_csv(path, lines), total


def peak_mb_of_import(amn, path) -> tuple[float, object]:
    tracemalloc.start()
    try:
        ledger_import = import_ledger_file(amn, path)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return peak, ledger_import


def spools(folder) -> list:
    return [path for path in folder.iterdir() if path.name.startswith("amn-")]


def test_the_importing_process_holds_a_batch_not_the_file(db, amn, tmp_path, temp_folder):
    # Holding the whole file took 10 MB at 20 000 lines and 34 MB at 120 000 here; a batch
    # at a time takes 6 MB for either.
    count = 50_000
    path, total = ledger_csv(tmp_path / "huvudbok.csv", count)

    peak, ledger_import = peak_mb_of_import(amn, path)

    assert ledger_import.status == ImportStatus.ACTIVE, ledger_import.errors[:3]
    assert ledger_import.line_count == count
    assert ledger_import.total == total
    assert peak < PEAK_BOUND_MB, f"{peak:.0f} MB for {count:,} lines"
    assert spools(temp_folder) == []


def test_the_spool_is_removed_when_a_refused_file_is_read(db, amn, tmp_path, temp_folder):
    path, _ = ledger_csv(tmp_path / "huvudbok.csv", 10)
    path.write_text(path.read_text() + "202301;4610;7000;999;;;5,00\r\n")

    ledger_import = import_ledger_file(amn, path)

    assert ledger_import.status == ImportStatus.REFUSED
    assert spools(temp_folder) == []


def test_the_spool_is_removed_when_storing_the_lines_fails(
    db, amn, tmp_path, temp_folder, monkeypatch
):
    def fail(reader, *args):
        next(reader.records())
        raise RuntimeError("databasen försvann")

    monkeypatch.setattr("budget.services.ledger_import._map_and_write", fail)
    path, _ = ledger_csv(tmp_path / "huvudbok.csv", 10)

    with pytest.raises(RuntimeError, match="databasen försvann"):
        import_ledger_file(amn, path)

    assert spools(temp_folder) == []
