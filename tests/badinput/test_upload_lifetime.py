"""An upload waits in UPLOAD_DIR only until it is read: whatever happens to it (read,
refused, the reader failing, a preview confirmed, discarded or abandoned, a dry run) the
upload folder is empty afterwards, and so is the reading's temporary folder. A CSV field
longer than the csv module's 131 072 characters was a 500 that left the upload behind; it
is refused naming file, row and column."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from budget.models import ImportStatus, LedgerImport
from tests.badinput.workbooks import far_cell_workbook
from tests.budget.ledger_files import write_csv, write_xlsx
from tests.indicators.test_round_trip import (
    VALUE_HEADERS,
    confirm,
    download,
    token_of,
    upload_and_preview,
    url,
)
from tests.indicators.test_round_trip import upload as upload_indicators

LONG = 140_000


def explode(*args, **kwargs) -> None:
    raise RuntimeError("läsaren gick sönder")


def slow_read(*args):
    """The indicator reader, three seconds late."""
    from indicators.services.round_trip import read_upload

    time.sleep(3)
    return read_upload(*args)


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- Ledger --------------------------------------------------------------------------------


@pytest.fixture
def controller_client(client, controller, upload_dir, temp_folder):
    client.force_login(controller)
    return client


def upload_ledger(client, name: str, content: bytes):
    return client.post(
        reverse("budget:ledger-imports", args=["AMN"]),
        {"file": SimpleUploadedFile(name, content)},
    )


def good_ledger(tmp_path) -> bytes:
    path = write_xlsx(tmp_path / "huvudbok.xlsx", [[202301, 4610, "", 575, "", "", 1_000]])
    return path.read_bytes()


def test_a_ledger_csv_field_longer_than_csv_allows_is_refused_naming_row_and_column(
    controller_client, amn, tmp_path, upload_dir, temp_folder
):
    path = write_csv(tmp_path / "lang.csv", [[202301, 4610, "7" * LONG, 575, "", "", 1_000]])

    upload_ledger(controller_client, "lang.csv", path.read_bytes())

    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == ImportStatus.REFUSED
    assert [error["text"] for error in ledger_import.errors] == [
        "lang.csv, rad 2, kolumn 3, värde ”77777777777777777777…”: fältet har 140 000 "
        "tecken; högst 32 767 tas emot."
    ]
    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


def test_a_refused_ledger_upload_is_removed(controller_client, amn, upload_dir, temp_folder):
    upload_ledger(controller_client, "bomb.xlsx", far_cell_workbook("XFD1048576"))

    assert LedgerImport.objects.get().status == ImportStatus.REFUSED
    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


def test_a_ledger_upload_whose_reader_fails_is_removed(
    controller_client, amn, tmp_path, upload_dir, temp_folder, monkeypatch
):
    monkeypatch.setattr("budget.services.ledger_import.read_ledger_file", explode)

    with pytest.raises(RuntimeError, match="läsaren gick sönder"):
        upload_ledger(controller_client, "huvudbok.xlsx", good_ledger(tmp_path))

    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


def test_a_ledger_upload_that_cannot_be_recorded_is_removed(
    controller_client, amn, tmp_path, upload_dir, monkeypatch
):
    monkeypatch.setattr("budget.services.ledger_import.file_checksum", explode)

    with pytest.raises(RuntimeError):
        upload_ledger(controller_client, "huvudbok.xlsx", good_ledger(tmp_path))

    assert files_in(upload_dir) == []


def test_a_ledger_upload_killed_for_memory_leaves_nothing_behind(
    controller_client, amn, upload_dir, temp_folder, settings
):
    settings.UPLOAD_MAX_SHEET_CELLS = settings.UPLOAD_MAX_SHEET_SPARSENESS = 10**12
    settings.UPLOAD_READ_MAX_MEMORY_MB = 1_024

    upload_ledger(controller_client, "bomb.xlsx", far_cell_workbook("XFD1048576"))

    assert LedgerImport.objects.get().errors[0]["text"] == (
        "bomb.xlsx: filen kräver mer minne än 1024 MB att läsa."
    )
    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


@pytest.mark.parametrize("then", ["confirm", "discard"])
def test_a_previewed_ledger_upload_is_gone_whatever_follows(
    controller_client, amn, tmp_path, upload_dir, temp_folder, then
):
    upload_ledger(controller_client, "huvudbok.xlsx", good_ledger(tmp_path))
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == ImportStatus.PREVIEW
    assert files_in(upload_dir) == []

    controller_client.post(reverse(f"budget:ledger-import-{then}", args=["AMN", ledger_import.pk]))

    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


@pytest.mark.parametrize("name", ["huvudbok.xlsx", "lang.csv"])
def test_a_dry_run_leaves_the_file_as_it_was_and_nothing_else(amn, tmp_path, temp_folder, name):
    if name.endswith(".csv"):
        path = write_csv(tmp_path / name, [[202301, 4610, "7" * LONG, 575, "", "", 1]])
    else:
        path = write_xlsx(tmp_path / name, [[202301, 4610, "", 575, "", "", 1_000]])
    content = path.read_bytes()

    try:
        call_command("import_ledger", str(path), "--committee", "AMN", "--dry-run", verbosity=0)
    except CommandError:
        assert name == "lang.csv"

    assert path.read_bytes() == content
    assert files_in(temp_folder) == []


# --- Indicators ----------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, controller, upload_dir, temp_folder):
    client.force_login(controller)
    return client


def indicator_upload_folder(upload_dir):
    return upload_dir / "indikatorer"


def test_an_indicator_csv_field_longer_than_csv_allows_is_refused_naming_row_and_column(
    signed_in, amn, upload_dir, temp_folder
):
    row = ["Nämndindikator", "", "Andel", "Totalt", "2023", "12", "Utfall", "1", "x" * LONG]
    content = (";".join(VALUE_HEADERS) + "\r\n" + ";".join(row) + "\r\n").encode()

    response = upload_indicators(signed_in, content, "lang.csv")

    assert response.status_code == 400
    assert (
        "lang.csv, rad 2, kolumn 9, värde ”xxxxxxxxxxxxxxxxxxxx…”: fältet har 140 000 tecken; "
        "högst 32 767 tas emot."
    ) in response.content.decode()
    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


def test_an_indicator_upload_whose_reader_fails_is_removed(
    signed_in, amn, upload_dir, temp_folder, monkeypatch
):
    content = download(signed_in)
    monkeypatch.setattr("indicators.services.round_trip.read_upload", explode)

    with pytest.raises(RuntimeError, match="läsaren gick sönder"):
        upload_indicators(signed_in, content)

    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


def test_an_indicator_preview_that_fails_removes_its_upload(
    signed_in, amn, upload_dir, monkeypatch
):
    location = upload_and_preview(signed_in, download(signed_in))
    assert len(files_in(upload_dir)) == 3  # the file, its record and the tables read
    monkeypatch.setattr("indicators.views.round_trip.run_import", explode)

    with pytest.raises(RuntimeError):
        signed_in.get(location)

    assert files_in(upload_dir) == []


@pytest.mark.parametrize("then", ["confirm", "discard"])
def test_a_previewed_indicator_upload_is_gone_whatever_follows(signed_in, amn, upload_dir, then):
    location = upload_and_preview(signed_in, download(signed_in))
    assert signed_in.get(location).status_code == 200

    if then == "confirm":
        confirm(signed_in, location)
    else:
        signed_in.post(url("discard", token_of(location)))

    assert files_in(upload_dir) == []


def test_an_abandoned_indicator_preview_is_removed_after_its_lifetime(signed_in, amn, upload_dir):
    upload_and_preview(signed_in, download(signed_in))
    day_and_more = time.time() - 25 * 3600
    for path in indicator_upload_folder(upload_dir).iterdir():
        os.utime(path, (day_and_more, day_and_more))

    signed_in.get(url("upload"))

    assert files_in(upload_dir) == []


def test_an_indicator_upload_is_read_within_the_requests_own_time_limit(
    signed_in, amn, upload_dir, temp_folder, settings, monkeypatch
):
    # A reading the request waits for must end before gunicorn kills the worker: the
    # request answers with a refusal and leaves nothing behind.
    settings.UPLOAD_READ_MAX_SECONDS = 300
    settings.UPLOAD_READ_MAX_SECONDS_IN_REQUEST = 1
    content = download(signed_in)
    monkeypatch.setattr("indicators.services.round_trip.read_upload", slow_read)

    started = time.monotonic()
    response = upload_indicators(signed_in, content)

    assert response.status_code == 400
    assert "indikatorer.xlsx: filen tog längre tid än 1 sekunder att läsa." in (
        response.content.decode()
    )
    assert time.monotonic() - started < 3
    assert files_in(upload_dir) == []
    assert files_in(temp_folder) == []


def test_an_indicator_upload_is_read_once_for_upload_preview_and_confirmation(
    signed_in, amn, upload_dir, monkeypatch
):
    from indicators.services import round_trip

    readings = []
    real = round_trip.read_untrusted

    def counted(*args, **kwargs):
        readings.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(round_trip, "read_untrusted", counted)
    location = upload_and_preview(signed_in, download(signed_in))
    assert signed_in.get(location).status_code == 200
    response = confirm(signed_in, location)

    assert response.status_code == 302
    assert len(readings) == 1
    assert files_in(upload_dir) == []


def test_a_reading_folder_left_by_a_killed_process_is_removed_by_the_next_reading(
    signed_in, amn, upload_dir, temp_folder, settings
):
    settings.UPLOAD_READ_MAX_SECONDS = 300
    abandoned = temp_folder / "amn-read-abandoned"
    (abandoned / "amn-kopia.xlsx").parent.mkdir()
    (abandoned / "amn-kopia.xlsx").write_bytes(b"PK")
    six_minutes_ago = time.time() - 6 * 60 - 5
    os.utime(abandoned, (six_minutes_ago, six_minutes_ago))
    in_use = temp_folder / "amn-read-in-use"
    in_use.mkdir()

    upload_and_preview(signed_in, download(signed_in))

    assert not abandoned.exists()
    assert in_use.exists()
