"""The importing process maps and stores a ledger file's first lines while its reading
process is still reading the rest; whatever happens to the mapping, the reading is waited
for and its spool removed."""

import threading
import time

import pytest

from amn.lib.uploads import FileRefused
from budget.models import ImportStatus
from budget.services.ledger_files import ErrorList
from budget.services.ledger_import import import_ledger_file, reader_for
from budget.services.ledger_tabular import TabularReader
from tests.budget.test_ledger_memory import ledger_csv, spools

WAIT_SECONDS = 10


def _taken(path):
    return path.with_name(path.name + ".taken")


def _ended(path):
    return path.with_name(path.name + ".ended")


def _read_a_line_per_batch(path, file_name, file_format, profile, spool, after_line):
    """In the reading process: the real reading, each line spooled as a batch of its own,
    `after_line(number)` called once the line is written."""
    import budget.services.ledger_import as ledger_import

    ledger_import.SPOOL_BATCH = 1
    records = TabularReader.records

    def records_slowly(self):
        for number, record in enumerate(records(self)):
            yield record
            after_line(number)

    TabularReader.records = records_slowly
    reading = ledger_import.read_ledger_file(path, file_name, file_format, profile, spool)
    _ended(path).touch()
    return reading


def reading_that_waits_for_its_first_line_to_be_taken(*args):
    """Refuses the file unless the importing process takes the first line while this one
    still reads (it says so with a file beside the upload)."""
    path = args[0]

    def wait_for_the_first(number):
        if number > 0:
            return
        deadline = time.monotonic() + WAIT_SECONDS
        while not _taken(path).exists():
            if time.monotonic() > deadline:
                raise FileRefused("den första raden togs inte emot medan filen lästes.")
            time.sleep(0.01)

    return _read_a_line_per_batch(*args, after_line=wait_for_the_first)


def slow_reading(*args):
    """A line every 20 ms."""
    return _read_a_line_per_batch(*args, after_line=lambda number: time.sleep(0.02))


def test_the_first_line_is_taken_while_the_file_is_still_read(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "budget.services.ledger_import.read_ledger_file",
        reading_that_waits_for_its_first_line_to_be_taken,
    )
    path, _ = ledger_csv(tmp_path / "huvudbok.csv", 3)
    errors = ErrorList(path.name)

    with reader_for(path, path.name, errors, None) as (_, reading):
        records = reading.records()
        first = next(records)
        assert not _ended(path).exists()
        _taken(path).touch()
        rest = list(records)

    assert [first.source_row, *(record.source_row for record in rest)] == [2, 3, 4]
    assert reading.count == 3
    assert not errors


def test_a_file_read_slowly_is_stored_whole(db, amn, tmp_path, monkeypatch, temp_folder):
    monkeypatch.setattr("budget.services.ledger_import.read_ledger_file", slow_reading)
    path, total = ledger_csv(tmp_path / "huvudbok.csv", 30)

    ledger_import = import_ledger_file(amn, path)

    assert ledger_import.status == ImportStatus.ACTIVE, ledger_import.errors[:3]
    assert (ledger_import.line_count, ledger_import.total) == (30, total)
    assert spools(temp_folder) == []


def test_a_mapping_that_fails_while_the_file_is_read_waits_for_the_reading_and_removes_the_spool(
    db, amn, tmp_path, monkeypatch, temp_folder
):
    monkeypatch.setattr("budget.services.ledger_import.read_ledger_file", slow_reading)
    path, _ = ledger_csv(tmp_path / "huvudbok.csv", 30)
    still_reading = []

    def fail(reader, *args):
        next(reader.records())
        still_reading.append(not _ended(path).exists())
        raise RuntimeError("databasen försvann")

    monkeypatch.setattr("budget.services.ledger_import._map_and_write", fail)

    with pytest.raises(RuntimeError, match="databasen försvann"):
        import_ledger_file(amn, path)

    assert still_reading == [True]
    # The reading ended before the import gave up: its thread is joined, nothing is left.
    assert _ended(path).exists()
    assert [t for t in threading.enumerate() if t.name.startswith("ledger-reading")] == []
    assert spools(temp_folder) == []
