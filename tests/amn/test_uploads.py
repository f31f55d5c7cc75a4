"""Uploaded files are judged by their content and refused, with a Swedish message naming
the file, before they can cost the server memory or run anything."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from amn.lib.uploads import FileRefused, checked_workbook
from budget.services.ledger_files import ErrorList
from budget.services.ledger_import import reader_for
from indicators.services.round_trip import read_upload
from tests.amn.test_settings import ROOT
from tests.budget.ledger_files import august, write_xlsx

MEMORY_LIMIT_MB = 100

# Reads an upload the way each import does, in a process of its own so that its peak
# memory can be measured; prints the refusal.
READ_AS = {
    "ledger": """
from budget.services.ledger_files import ErrorList
from budget.services.ledger_import import reader_for
errors = ErrorList(name)
with reader_for(path, name, errors, None) as (_, reader):
    for _ in reader.records():
        pass
print(" | ".join(str(error) for error in errors.kept))
""",
    "indicators": """
from indicators.services.round_trip import read_upload
read_upload(path, name, 50_000_000)
print("läst")
""",
}


def read_in_own_process(path: Path, importer: str) -> tuple[str, float]:
    """What the import says of the file, and the peak memory of its process in MB."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import django\n"
        "django.setup()\n"
        "from amn.lib.uploads import FileRefused\n"
        "path, name = Path(sys.argv[1]), Path(sys.argv[1]).name\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in READ_AS[importer].strip().splitlines())
        + "except FileRefused as refusal:\n"
        "    print(refusal.message)\n"
        # VmHWM, not getrusage: on Linux ru_maxrss counts the pytest process the child was
        # forked from as well.
        "print(next(line.split()[1] for line in open('/proc/self/status')"
        " if line.startswith('VmHWM')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "amn.settings_test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    *message, peak_kb = result.stdout.strip().splitlines()
    return "\n".join(message), int(peak_kb) / 1024


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory) -> Path:
    """A workbook of 4.7 MB whose one sheet inflates to 1 GB of zero bytes."""
    path = tmp_path_factory.mktemp("bomb") / "budget.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = bytes(1 << 20)
            for _ in range(1024):
                sheet.write(block)
    return path


def lying_workbook(path: Path, source: Path) -> Path:
    """`source` with its first sheet replaced by 20 MB of XML whose size the zip directory
    gives as 10 kB: the directory checks pass, the content is far bigger."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as archive:
        for entry in original.infolist():
            data = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet>" + b" " * 20_000_000 + b"</worksheet>"
            archive.writestr(entry.filename, data, zipfile.ZIP_DEFLATED)
    content = bytearray(path.read_bytes())
    directory = content.find(b"PK\x01\x02")
    while directory != -1:
        name_length = int.from_bytes(content[directory + 28 : directory + 30], "little")
        name = bytes(content[directory + 46 : directory + 46 + name_length])
        if name == b"xl/worksheets/sheet1.xml":
            content[directory + 24 : directory + 28] = (10_000).to_bytes(4, "little")
        directory = content.find(b"PK\x01\x02", directory + 4)
    path.write_bytes(bytes(content))
    return path


@pytest.fixture
def ledger_workbook(tmp_path) -> Path:
    return write_xlsx(tmp_path / "huvudbok.xlsx", [[august(), 4610, "", 575, "", "", 100]])


@pytest.mark.parametrize("importer", ["ledger", "indicators"])
def test_a_zip_bomb_is_refused_from_its_directory_in_under_100_mb(gigabyte_bomb, importer):
    message, peak_mb = read_in_own_process(gigabyte_bomb, importer)

    assert "budget.xlsx: arbetsboken packas upp till 1074 MB" in message
    assert "misstänkt dekomprimeringsbomb" in message
    assert peak_mb < MEMORY_LIMIT_MB, f"{peak_mb:.0f} MB"


@pytest.mark.parametrize("importer", ["ledger", "indicators"])
def test_a_workbook_whose_directory_lies_about_its_sizes_is_refused(
    tmp_path, ledger_workbook, importer
):
    path = lying_workbook(tmp_path / "ljuger.xlsx", ledger_workbook)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 10_000

    message, peak_mb = read_in_own_process(path, importer)

    assert "ljuger.xlsx: arbetsboken stämmer inte med sin innehållsförteckning" in message
    assert peak_mb < MEMORY_LIMIT_MB, f"{peak_mb:.0f} MB"


def test_a_workbook_of_too_many_parts_is_refused_before_reading(tmp_path, settings):
    path = tmp_path / "delar.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for number in range(settings.UPLOAD_MAX_ZIP_ENTRIES):
            archive.writestr(f"xl/part{number}.xml", "<a/>")

    message, _ = read_in_own_process(path, "ledger")

    assert message == (
        f"delar.xlsx: arbetsboken har {settings.UPLOAD_MAX_ZIP_ENTRIES + 1} delar; fler än "
        f"{settings.UPLOAD_MAX_ZIP_ENTRIES} tas inte emot."
    )


def billion_laughs(path: Path, source: Path) -> Path:
    """`source` with an XML entity bomb in its first sheet, used in a cell."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";" if n > 1 else "&lol;") * 10}">'
        for n in range(1, 10)
    )
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as archive:
        for entry in original.infolist():
            data = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace("<t>Utfall 2023</t>", "<t>&lol9;</t>")
                assert "&lol9;" in text
                data = f"<!DOCTYPE lolz [{entities}]>{text}".encode()
            archive.writestr(entry, data)
    return path


def test_an_xml_entity_bomb_is_refused_by_the_import(tmp_path, ledger_workbook):
    path = billion_laughs(tmp_path / "skratt.xlsx", ledger_workbook)

    message, peak_mb = read_in_own_process(path, "ledger")

    assert message.startswith("skratt.xlsx, blad Utfall: bladet är skadat")
    assert "entity" in message
    assert peak_mb < MEMORY_LIMIT_MB


def test_openpyxl_reads_xml_through_defusedxml(tmp_path, ledger_workbook):
    path = billion_laughs(tmp_path / "skratt.xlsx", ledger_workbook)

    assert openpyxl.xml.DEFUSEDXML is True
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(path)
    assert type(refused.value.__context__).__name__ == "EntitiesForbidden"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bild.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("rapport.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Length 5>>stream\n\x01\x02"),
        ("program.sie", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("gammal.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)),
    ],
)
@pytest.mark.parametrize("importer", ["ledger", "indicators"])
def test_a_file_is_judged_by_its_content_not_its_name(tmp_path, name, content, importer):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(FileRefused) as refused:
        if importer == "ledger":
            with reader_for(path, name, ErrorList(name), None):
                pass
        else:
            read_upload(path, name, 50_000_000)
    message = refused.value.message

    if name == "gammal.xlsx":
        assert message.startswith(f"{name}: det gamla Excel-formatet (.xls) kan inte läsas in.")
    else:
        assert message.startswith(f"{name}: filen är varken en Excel-fil (.xlsx)")


def test_the_checked_copy_is_removed_after_reading(tmp_path, ledger_workbook, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    with checked_workbook(ledger_workbook, "huvudbok.xlsx") as workbook:
        rows = workbook.get_sheet_by_index(0).to_python()
        assert [row[1] for row in rows[-2:]] == ["Konto", 4610]
        assert len(list((tmp_path / "tmp").iterdir())) == 1

    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_refused_copy_is_removed_too(tmp_path, ledger_workbook, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = lying_workbook(tmp_path / "ljuger.xlsx", ledger_workbook)

    with pytest.raises(FileRefused), checked_workbook(path, "ljuger.xlsx"):
        pass

    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_request_body_beyond_the_limit_is_refused_before_it_is_read(client, controller):
    client.force_login(controller)

    response = client.post(
        "/namnd/AMN/huvudbok/",
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(5_000_000_000),
    )

    assert response.status_code == 413
    assert "script-src 'self'" in response["Content-Security-Policy"]
    text = response.content.decode().replace("\xa0", " ")
    assert "Det som skickades är 5 000,0 MB; gränsen är 55 MB. Ingenting togs emot." in text
