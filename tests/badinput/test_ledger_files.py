"""The bad ledger files of the corpus (tests/badinput/ledger/, and workbooks made below):
each is refused as a whole with every error named (file, row, column, value, what is
wrong), and the database is unchanged, byte for byte, but for the record of the refused
attempt that the import page shows."""

import datetime
import html
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from budget.models import ImportStatus, LedgerImport
from tests.badinput.dump import changed_tables, database_dump
from tests.budget.ledger_files import HEADERS, august, write_xlsx

CORPUS = Path(__file__).parent / "ledger"

# Every file of the corpus and the errors it is refused with, in the order listed.
REFUSALS: dict[str, list[str]] = {
    "tom.csv": ["tom.csv: filen är tom."],
    "bara-rubrikrad.csv": ["bara-rubrikrad.csv: filen innehåller inga rader att läsa in."],
    "saknar-beloppskolumn.csv": [
        "saknar-beloppskolumn.csv: hittar ingen rubrikrad. Filen måste ha kolumner för Konto, "
        "Belopp (eller Utfall/Budget, eller Debet och Kredit) och Period (eller År och Månad) i "
        "någon av de första 30 raderna, och minst en av Ansvar och Verksamhet."
    ],
    "belopp-som-inte-ar-ett-tal.csv": [
        "belopp-som-inte-ar-ett-tal.csv, rad 2, kolumn 7 (Belopp), värde ”tolv”: "
        "beloppet är inte ett tal."
    ],
    "okand-verksamhet.csv": [
        "okand-verksamhet.csv, rad 2, kolumn Ansvar/Verksamhet, värde ”999”: koden "
        "verksamhet ”999” hör inte till någon rad i AMNs driftsammandrag 2023. Lägg till en "
        "kodmappning i administrationen."
    ],
    "period-som-inte-finns.csv": [
        "period-som-inte-finns.csv, rad 2, kolumn 1 (Period), värde ”202313”: månad 13 finns inte."
    ],
    "period-negativ-noll.csv": [
        "period-negativ-noll.csv, rad 2, kolumn 1 (Period), värde ”-0”: perioden är inte en "
        "månad (skriv t.ex. 202408, 2024-08 eller 2024-08-31)."
    ],
    "datum-fore-1900.csv": [
        "datum-fore-1900.csv, rad 2, kolumn 1 (Period), värde ”1899-12-31”: "
        "år 1899 är inte rimligt.",
        "datum-fore-1900.csv, rad 3, kolumn 1 (Period), värde ”189912”: perioden är inte en "
        "månad (skriv t.ex. 202408, 2024-08 eller 2024-08-31).",
    ],
    "summa-stammer-inte.csv": [
        "summa-stammer-inte.csv, rad 4, kolumn 7 (Belopp), värde ”999”: summaraden säger "
        "999,00 kr men raderna ovanför summerar till 300,00 kr (skillnad 699,00 kr). Filen är "
        "ofullständig eller ändrad."
    ],
    "trasig-teckenkodning.csv": [
        "trasig-teckenkodning.csv: filens teckenkodning känns inte igen (varken UTF-8 eller "
        "Windows-1252; byte 0x81 på position 90)."
    ],
    "utf8-med-trasiga-tecken.csv": [
        "utf8-med-trasiga-tecken.csv, rad 3: filen är märkt som UTF-8 (BOM) men har en "
        "ogiltig byte 0xc3."
    ],
    "oavslutat-citattecken.csv": [
        "oavslutat-citattecken.csv, rad 2, kolumn 3, värde ”575;575;;;100…”: "
        'fältets citattecken (") stängs aldrig, så resten av filen blir ett enda fält; rätta '
        "eller ta bort citattecknet."
    ],
    "utf16-utan-bom.csv": [
        "utf16-utan-bom.csv: filen är varken en Excel-fil (.xlsx), en CSV-fil eller en SIE-fil."
    ],
    "orimligt-stora-belopp.csv": [
        "orimligt-stora-belopp.csv, rad 2, kolumn 7 (Belopp), värde ”99999999999999999999”: "
        "beloppet är för stort.",
        "orimligt-stora-belopp.csv, rad 3, kolumn 7 (Belopp), värde ”1e400”: "
        "beloppet är inte ett tal.",
        "orimligt-stora-belopp.csv, rad 4, kolumn 7 (Belopp), värde ”1E+30”: "
        "beloppet är inte ett tal.",
    ],
    "inte-tal-som-python-laser.csv": [
        "inte-tal-som-python-laser.csv, rad 2, kolumn 7 (Belopp), värde ”NaN”: "
        "beloppet är inte ett tal.",
        "inte-tal-som-python-laser.csv, rad 3, kolumn 7 (Belopp), värde ”Infinity”: "
        "beloppet är inte ett tal.",
        "inte-tal-som-python-laser.csv, rad 4, kolumn 7 (Belopp), värde ”-∞”: "
        "beloppet är inte ett tal.",
    ],
    "for-manga-decimaler.csv": [
        "for-manga-decimaler.csv, rad 2, kolumn 7 (Belopp), värde ”100,001”: "
        "beloppet har fler än två decimaler."
    ],
    "formler-i-celler.csv": [
        "formler-i-celler.csv, rad 2, kolumn 7 (Belopp), värde ”=SUM(G2:G3)”: "
        "beloppet är inte ett tal.",
        "formler-i-celler.csv, rad 3, kolumn 2 (Konto), värde ”=4610”: "
        "kontot är inte ett kontonummer.",
        "formler-i-celler.csv, rad 5, kolumn Ansvar/Verksamhet, värde ”@575”: koden "
        "verksamhet ”@575” hör inte till någon rad i AMNs driftsammandrag 2023. Lägg till en "
        "kodmappning i administrationen.",
    ],
    "dubbla-rubriker.csv": [
        "dubbla-rubriker.csv, rad 1, värde ”Belopp”: kolumnen för Belopp/Utfall finns två "
        "gånger (5 och 6); ta bort den ena eller spara en importprofil som anger vilken som "
        "gäller."
    ],
    "belopp-och-utfall.csv": [
        "belopp-och-utfall.csv, rad 1, värde ”Utfall”: kolumnen för Belopp/Utfall finns två "
        "gånger (5 och 6); ta bort den ena eller spara en importprofil som anger vilken som "
        "gäller."
    ],
    "verifikation-i-obalans.se": [
        "verifikation-i-obalans.se, rad 7, kolumn #VER: verifikation A 1 balanserar inte: "
        "differens 10,00 kr."
    ],
}


def test_every_file_of_the_corpus_has_its_refusal():
    assert sorted(path.name for path in CORPUS.iterdir()) == sorted(REFUSALS)


# Workbooks: binary, so made here from what makes them bad.


def formula_cells(path: Path) -> Path:
    """Formulas where amounts and codes belong, saved without computed values (as a script
    or another program than Excel writes them)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Utfall"
    sheet.append(HEADERS)
    sheet.append([august(), 4610, "", 575, "", "", "=1+1"])
    sheet.append([august(), "=4600+10", "", 575, "", "", 100])
    workbook.save(path)
    return path


def duplicate_headers(path: Path) -> Path:
    return write_xlsx(
        path,
        [[august(), 4610, "", 575, 100, 200]],
        headers=["Period", "Konto", "Ansvar", "Verksamhet", "Belopp", "Belopp"],
    )


def huge_and_old(path: Path) -> Path:
    return write_xlsx(
        path,
        [
            [august(), 4610, "", 575, "", "", 1e300],
            [datetime.date(1899, 12, 31), 4610, "", 575, "", "", 100],
            [august(), 4610, "", 575, "", "", -1e20],
        ],
    )


def damaged(path: Path) -> Path:
    write_xlsx(path, [[august(), 4610, "", 575, "", "", 100]])
    path.write_bytes(path.read_bytes()[:-200])
    return path


def old_excel(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    return path


def packed_too_hard(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(20_000_000))
    return path


WORKBOOKS = {
    "formler.xlsx": (
        formula_cells,
        [
            "formler.xlsx, blad Utfall, rad 2, kolumn G (Belopp): beloppet saknas.",
            "formler.xlsx, blad Utfall, rad 3, kolumn B (Konto): kontot saknas.",
        ],
    ),
    "dubbla-rubriker.xlsx": (
        duplicate_headers,
        [
            "dubbla-rubriker.xlsx, blad Utfall, rad 4, värde ”Belopp”: kolumnen för "
            "Belopp/Utfall finns två gånger (E och F); ta bort den ena eller spara en "
            "importprofil som anger vilken som gäller."
        ],
    ),
    "stora-och-gamla.xlsx": (
        huge_and_old,
        [
            "stora-och-gamla.xlsx, blad Utfall, rad 5, kolumn G (Belopp), värde ”1e+300”: "
            "beloppet är för stort.",
            "stora-och-gamla.xlsx, blad Utfall, rad 6, kolumn A (Period), värde ”00:00:00”: "
            "cellen är ett klockslag eller ett datum före 1900, inte en period",
            "stora-och-gamla.xlsx, blad Utfall, rad 7, kolumn G (Belopp), värde ”-1e+20”: "
            "beloppet är för stort.",
        ],
    ),
    "skadad.xlsx": (damaged, ["skadad.xlsx: filen är skadad och kan inte öppnas"]),
    "gammal.xlsx": (
        old_excel,
        [
            "gammal.xlsx: det gamla Excel-formatet (.xls) kan inte läsas in. Spara filen som "
            "Excel-arbetsbok (.xlsx) och försök igen."
        ],
    ),
    "bomb.xlsx": (
        packed_too_hard,
        [
            "bomb.xlsx: arbetsboken är packad 1028 gånger; så hårt packade filer tas inte "
            "emot (misstänkt dekomprimeringsbomb)."
        ],
    ),
}

CASES = [pytest.param(CORPUS / name, errors, id=name) for name, errors in REFUSALS.items()]


@pytest.fixture(params=list(WORKBOOKS), ids=list(WORKBOOKS))
def workbook_case(request, tmp_path):
    make, errors = WORKBOOKS[request.param]
    return make(tmp_path / request.param), errors


def upload(client, path: Path):
    return client.post(
        reverse("budget:ledger-imports", args=["AMN"]),
        {"file": SimpleUploadedFile(path.name, path.read_bytes())},
        follow=True,
    )


def assert_refused_and_nothing_else_changed(client, path: Path, errors: list[str]) -> None:
    before = database_dump()

    page = html.unescape(upload(client, path).content.decode())

    refused = LedgerImport.objects.get(file_name=path.name)
    assert refused.status == ImportStatus.REFUSED
    assert refused.lines.count() == 0
    texts = [error["text"] for error in refused.errors]
    assert len(texts) == len(errors), texts
    for text, expected in zip(texts, errors, strict=True):
        assert text.startswith(expected), text
    assert f"Filen lästes inte in: {len(errors)} fel" in page
    for error in refused.errors:
        assert error["message"] in page
    refused.delete()
    assert changed_tables(before, database_dump()) == []


@pytest.mark.parametrize(("path", "errors"), CASES)
def test_a_bad_file_is_refused_whole_with_every_error_and_nothing_stored(
    client, controller, upload_dir, path, errors
):
    client.force_login(controller)

    assert_refused_and_nothing_else_changed(client, path, errors)
    assert list(upload_dir.iterdir()) == []


def test_a_bad_workbook_is_refused_whole_and_nothing_stored(
    client, controller, upload_dir, workbook_case
):
    path, errors = workbook_case
    client.force_login(controller)

    assert_refused_and_nothing_else_changed(client, path, errors)


def test_a_file_over_the_size_limit_is_refused_and_nothing_stored(
    client, controller, upload_dir, settings, tmp_path
):
    settings.LEDGER_IMPORT_MAX_BYTES = 2_000
    path = write_xlsx(tmp_path / "stor.xlsx", [[august(), 4610, "", 575, "", "", 100]] * 50)
    client.force_login(controller)

    assert_refused_and_nothing_else_changed(
        client, path, [f"stor.xlsx: filen är {path.stat().st_size / 1e6:.1f} MB; gränsen är 0 MB."]
    )


@pytest.mark.parametrize(("path", "errors"), CASES[:6])
def test_the_command_refuses_the_same_files_with_the_same_errors(amn, path, errors, capsys):
    before = database_dump()

    with pytest.raises(CommandError) as refused:
        call_command("import_ledger", str(path), "--committee", "AMN")

    assert f"{path.name} lästes inte in: {len(errors)} fel. Ingenting lagrades." in str(
        refused.value
    )
    printed = capsys.readouterr().err
    for error in errors:
        assert error in printed
    LedgerImport.objects.get(file_name=path.name, status=ImportStatus.REFUSED).delete()
    assert changed_tables(before, database_dump()) == []


def test_negative_zero_amounts_are_stored_as_zero_not_refused(amn, tmp_path):
    path = tmp_path / "noll.csv"
    path.write_text(
        ";".join(HEADERS) + "\r\n202308;4610;;575;;;-0,00\r\n202308;4611;;575;;;−0\r\n",
        encoding="utf-8",
    )

    call_command("import_ledger", str(path), "--committee", "AMN")

    stored = LedgerImport.objects.get(file_name="noll.csv").lines.values_list("amount", flat=True)
    assert [str(amount) for amount in stored] == ["0.00", "0.00"]
