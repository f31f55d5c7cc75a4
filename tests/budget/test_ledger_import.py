"""The ledger import from the command line: what a controller gets for good and bad files."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import (
    ImportStatus,
    LedgerCodeMapping,
    LedgerDimension,
    LedgerImport,
    LedgerLine,
    Measure,
    MonthlyAmount,
    SummaryRow,
)
from budget.services.ledger_import import (
    confirm_ledger_import,
    import_ledger_file,
    read_ledger_import,
    start_ledger_import,
    undo_ledger_import,
)
from budget.services.operating_summary import build_operating_summary
from tests.budget.ledger_files import write_csv, write_xlsx

ASSISTANCE = "575 - Ekonomiskt bistånd"
ADULT_EDUCATION = "470 - Grundläggande vuxenutb"


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ledger", *args, "--committee", "AMN", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path) -> str:
    with pytest.raises(CommandError) as failure:
        run_import(str(path))
    return str(failure.value)


def errors_of(path, amn) -> list[str]:
    result = import_ledger_file(amn, path)
    assert result.status == ImportStatus.REFUSED
    return [error["text"] for error in result.errors]


def monthly(amn, label: str, year: int = 2023, measure: str = Measure.ACTUAL) -> dict:
    return {
        amount.month: (amount.amount, amount.revenues)
        for amount in MonthlyAmount.objects.filter(
            row__committee=amn, row__year=year, row__label=label, measure=measure
        )
    }


def database_state(amn) -> tuple:
    return (
        sorted(
            MonthlyAmount.objects.filter(row__committee=amn).values_list(
                "row_id", "measure", "month", "amount", "revenues"
            )
        ),
        sorted(LedgerLine.objects.values_list("pk", "row_id", "amount", "replaced_by_id")),
        sorted(
            LedgerImport.objects.exclude(status=ImportStatus.REFUSED).values_list("pk", "status")
        ),
    )


@pytest.fixture
def two_months(tmp_path):
    """January and February 2023 for ekonomiskt bistånd and vuxenutbildning."""
    return write_xlsx(
        tmp_path / "huvudbok.xlsx",
        [
            [202301, 4610, "7100", 575, "", "", 1_000_000.50],
            [202301, 3010, "7100", 575, "", "", -200_000],
            [202302, "4610", "7100", "575", "", "", "2 000 000,25"],
            [202301, 4010, "6100", 470, "A1", "P9", 300_000],
            [202302, 4010, "6100", 470, "", "", 400_000],
        ],
        total=3_500_000.75,
    )


def test_it_stores_a_workbook_and_the_driftsammandrag_shows_its_exact_sums(db, amn, two_months):
    august_before = monthly(amn, ASSISTANCE)[8]

    out, _ = run_import(str(two_months))

    assert "5 rader" in out
    assert "utfall januari–februari 2023" in out
    assert monthly(amn, ASSISTANCE)[1] == (Decimal("800000.50"), Decimal("-200000.00"))
    assert monthly(amn, ASSISTANCE)[2] == (Decimal("2000000.25"), Decimal("0"))
    assert monthly(amn, ASSISTANCE)[8] == august_before  # months outside the file stay
    assert monthly(amn, ADULT_EDUCATION)[1] == (Decimal("300000"), Decimal("0"))
    summary = build_operating_summary(amn, 2023, 2)
    line = next(line for line in summary.lines if line.label == ASSISTANCE)
    assert line.figures.actual == Decimal("2800000.75")


def test_it_keeps_every_line_with_its_dimensions(db, amn, two_months):
    run_import(str(two_months))

    line = LedgerLine.objects.get(account="4010", month=1)
    assert (line.responsibility, line.operation_code, line.activity, line.project) == (
        "6100",
        "470",
        "A1",
        "P9",
    )
    assert line.row.label == ADULT_EDUCATION
    assert line.source_row == 8  # two title rows, a blank row, the header, fourth line
    assert line.amount == Decimal("300000")


def test_it_finds_columns_by_their_swedish_headers_in_any_order(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "annan-ordning.xlsx",
        [["-1 234,50", "2023-03", "Bistånd", "3550", "575"]],
        headers=["Utfall", "Månad", "Text", "Kontonr", "Verksamhetskod"],
        titles=[],
    )

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[3] == (Decimal("-1234.50"), Decimal("-1234.50"))


def test_it_reads_budget_and_actual_columns_of_the_same_file(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "utfall-och-budget.xlsx",
        [[2023, 5, 4610, 575, 10, 12]],
        headers=["År", "Månad", "Konto", "Verksamhet", "Utfall", "Budget"],
    )

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[5] == (Decimal("10"), Decimal("0"))
    assert monthly(amn, ASSISTANCE, measure=Measure.BUDGET)[5] == (Decimal("12"), Decimal("0"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_it_reads_swedish_csv_in_every_usual_encoding_and_number_form(db, amn, tmp_path, encoding):
    # Windows-1252 has neither thin space nor Unicode minus; exports write a non-breaking
    # space and an en dash there.
    cp1252 = encoding == "cp1252"
    thin_space_thousand = "1\u00a0000" if cp1252 else "1\u2009000"
    minus = "\u2013" if cp1252 else "\u2212"
    path = write_csv(
        tmp_path / "huvudbok.csv",
        [
            ["202304", "4610", "", "575", "", "", "1 234,50"],
            ["2023-04", "4610", "", "575", "", "", "1\u00a0000,25"],
            ["2023-04-30", "4610", "", "575", "", "", thin_space_thousand],
            ["202304", "3010", "", "575", "", "", f"{minus}100,75"],
            ["202304", "3010", "", "575", "", "", "-1000.00"],
            ["202304", "4610", "Försörjningsstöd", "575", "", "", "1234.5"],
        ],
        encoding=encoding,
        total="3 368,50",
    )

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[4] == (Decimal("3368.50"), Decimal("-1100.75"))


def test_it_reads_comma_separated_files(db, amn, tmp_path):
    path = write_csv(
        tmp_path / "komma.csv",
        [["202306", "4610", "", "575", "", "", "99.5"]],
        delimiter=",",
    )

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[6] == (Decimal("99.5"), Decimal("0"))


def test_it_takes_excel_dates_as_periods(db, amn, tmp_path):
    import datetime

    path = write_xlsx(
        tmp_path / "datum.xlsx", [[datetime.date(2023, 7, 31), 4610, "", 575, "", "", 5]]
    )

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[7] == (Decimal("5"), Decimal("0"))


def test_it_refuses_a_whole_file_for_one_bad_amount_and_names_where_it_is(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "fel.xlsx",
        [
            [202301, 4610, "", 575, "", "", 100],
            [202301, 4610, "", 575, "", "", "12,3,4"],
        ],
    )
    before = database_state(amn)

    message = refused(path)

    assert "fel.xlsx lästes inte in: 1 fel. Ingenting lagrades." in message
    assert errors_of(path, amn) == [
        "fel.xlsx, blad Utfall, rad 6, kolumn G (Belopp), värde ”12,3,4”: beloppet är inte ett tal."
    ]
    assert database_state(amn) == before


def test_it_lists_every_error_of_a_file_at_once(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "flera-fel.xlsx",
        [
            [202313, 4610, "", 575, "", "", 1],
            ["2023-02-30", 4610, "", 575, "", "", 1],
            [202301, "", "", 575, "", "", 1],
            [202301, 4610, "", 999, "", "", 1],
            [202301, 4610, "", 999, "", "", 2],
            [202301, 4610, "", 575, "", "", 1.234],
        ],
    )

    errors = errors_of(path, amn)

    assert errors == [
        "flera-fel.xlsx, blad Utfall, rad 5, kolumn A (Period), värde ”202313”: "
        "månad 13 finns inte.",
        "flera-fel.xlsx, blad Utfall, rad 6, kolumn A (Period), värde ”2023-02-30”: "
        "datumet finns inte.",
        "flera-fel.xlsx, blad Utfall, rad 7, kolumn B (Konto): kontot saknas.",
        "flera-fel.xlsx, blad Utfall, rad 10, kolumn G (Belopp), värde ”1.234”: "
        "beloppet har fler än två decimaler.",
        "flera-fel.xlsx, blad Utfall, rad 8, kolumn Ansvar/Verksamhet, värde ”999”: koden "
        "verksamhet ”999” hör inte till någon rad i AMNs driftsammandrag 2023 (och 1 rad "
        "till med samma koder). Lägg till en kodmappning i administrationen.",
    ]


def test_it_tells_codes_that_no_row_takes_from_lines_without_any_code(db, amn, tmp_path):
    path = write_csv(
        tmp_path / "koder.csv",
        [
            [202301, 4610, 123, 999, "", "", 1],
            [202301, 4610, "", "", "", "", 2],
            [202301, 4610, "", "", "", "", 3],
            [202301, 4610, "", "", "", "", 4],
        ],
    )

    errors = errors_of(path, amn)

    assert errors == [
        "koder.csv, rad 3, kolumn Ansvar/Verksamhet: raden saknar både ansvar och verksamhet "
        "och kan inte föras till någon rad i AMNs driftsammandrag 2023 (och 2 rader till utan "
        "koder). Ange ansvar eller verksamhet på raden i ekonomisystemet.",
        "koder.csv, rad 2, kolumn Ansvar/Verksamhet, värde ”999”: koderna ansvar ”123” och "
        "verksamhet ”999” hör inte till någon rad i AMNs driftsammandrag 2023. Lägg till en "
        "kodmappning i administrationen.",
    ]


def test_it_refuses_a_file_whose_total_row_disagrees_with_its_lines(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "summa.xlsx",
        [[202301, 4610, "", 575, "", "", 100], [202301, 4610, "", 575, "", "", 50]],
        total=160,
    )

    assert errors_of(path, amn) == [
        "summa.xlsx, blad Utfall, rad 7, kolumn G (Belopp), värde ”160”: summaraden säger "
        "160,00 kr men raderna ovanför summerar till 150,00 kr (skillnad 10,00 kr). Filen är "
        "ofullständig eller ändrad."
    ]


def test_it_does_not_import_the_total_row_itself(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "summa.xlsx",
        [[202301, 4610, "", 575, "", "", 100], [202301, 4610, "", 575, "", "", 50]],
        total=150,
    )

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[1][0] == Decimal("150")
    assert LedgerLine.objects.count() == 2


def test_it_names_the_missing_columns(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "kolumner.xlsx",
        [[202301, 4610, 100]],
        headers=["Period", "Konto", "Belopp"],
    )

    assert errors_of(path, amn) == [
        "kolumner.xlsx, blad Utfall, rad 4: kolumn för Verksamhet eller Ansvar saknas: raderna "
        "kan inte föras till driftsammandragets rader."
    ]


def test_it_refuses_duplicate_headers(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "dubbel.xlsx",
        [[202301, 4610, 575, 1, 1]],
        headers=["Period", "Konto", "Verksamhet", "Belopp", "Utfall"],
    )

    assert errors_of(path, amn) == [
        "dubbel.xlsx, blad Utfall, rad 4, värde ”Belopp”: kolumnen för Belopp/Utfall finns två "
        "gånger (D och E); ta bort den ena eller spara en importprofil som anger vilken som "
        "gäller."
    ]


def test_it_refuses_a_file_without_any_header_row(db, amn, tmp_path):
    path = write_xlsx(tmp_path / "ingen.xlsx", [[1, 2, 3]], headers=["a", "b", "c"])

    [error] = errors_of(path, amn)

    assert error.startswith("ingen.xlsx: hittar ingen rubrikrad.")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "tom.bin: filen är tom."),
        (b"\x00\x01\x02binary\x00", "är varken en Excel-fil (.xlsx), en CSV-fil eller en SIE-fil"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "det gamla Excel-formatet (.xls)"),
        (b"PK\x03\x04" + b"garbage" * 20, "filen är skadad"),
    ],
)
def test_it_refuses_what_is_not_a_ledger_file(db, amn, tmp_path, content, message):
    path = tmp_path / "tom.bin"
    path.write_bytes(content)

    assert message in " ".join(errors_of(path, amn))


def test_it_refuses_a_file_over_the_size_limit(db, amn, tmp_path, settings, two_months):
    settings.LEDGER_IMPORT_MAX_BYTES = 1_000

    [error] = errors_of(two_months, amn)

    assert "gränsen är 0 MB" in error or "gränsen är" in error
    assert error.startswith("huvudbok.xlsx: filen är")


@pytest.mark.parametrize("limit", ["UPLOAD_MAX_UNPACKED_BYTES", "UPLOAD_MAX_COMPRESSION_RATIO"])
def test_it_refuses_a_decompression_bomb_from_the_zip_directory(db, amn, tmp_path, settings, limit):
    setattr(settings, limit, 10_000_000 if "BYTES" in limit else 200)
    setattr(
        settings,
        "UPLOAD_MAX_COMPRESSION_RATIO" if "BYTES" in limit else "UPLOAD_MAX_UNPACKED_BYTES",
        10**12,
    )
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 20_000_000)

    [error] = errors_of(path, amn)

    assert "misstänkt dekomprimeringsbomb" in error


def test_it_refuses_amounts_given_in_thousands(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "tkr.xlsx",
        [[202301, 4610, 575, 1]],
        headers=["Period", "Konto", "Verksamhet", "Belopp (tkr)"],
    )

    [error] = errors_of(path, amn)

    assert "exportera i kronor" in error


def test_it_refuses_lines_after_the_total_row(db, amn, tmp_path):
    path = write_xlsx(tmp_path / "efter.xlsx", [[202301, 4610, "", 575, "", "", 1]], total=1)
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook.active.append([202301, 4610, "", 575, "", "", 1])
    workbook.save(path)

    assert errors_of(path, amn) == [
        "efter.xlsx, blad Utfall, rad 7: rader efter summaraden (rad 6): summaraden ska stå sist."
    ]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db, amn, two_months):
    run_import(str(two_months))
    after_first = database_state(amn)

    out, _ = run_import(str(two_months))

    assert "Inget ändrades" in out
    assert database_state(amn)[:2] == after_first[:2]


def test_a_new_file_for_the_same_months_replaces_the_old_lines(db, amn, two_months, tmp_path):
    run_import(str(two_months))
    correction = write_xlsx(tmp_path / "rattelse.xlsx", [[202301, 4610, "", 575, "", "", 7]])

    run_import(str(correction))

    assert monthly(amn, ASSISTANCE)[1] == (Decimal("7"), Decimal("0"))
    assert monthly(amn, ASSISTANCE)[2][0] == Decimal("2000000.25")  # February untouched
    current = LedgerLine.objects.filter(replaced_by__isnull=True, month=1, row__label=ASSISTANCE)
    assert list(current.values_list("amount", flat=True)) == [Decimal("7")]


def test_undoing_an_import_restores_exactly_what_it_replaced(db, amn, two_months, tmp_path):
    demo_amounts = database_state(amn)[0]
    first = import_ledger_file(amn, two_months)
    correction = write_xlsx(tmp_path / "rattelse.xlsx", [[202301, 4610, "", 575, "", "", 7]])
    second = import_ledger_file(amn, correction)

    with pytest.raises(Exception, match="Ångra den först"):
        undo_ledger_import(first)
    undo_ledger_import(second)
    assert monthly(amn, ASSISTANCE)[1] == (Decimal("800000.50"), Decimal("-200000.00"))
    undo_ledger_import(first)

    assert database_state(amn)[0] == demo_amounts
    assert not LedgerLine.objects.exists()


def test_a_dry_run_stores_nothing(db, amn, two_months):
    before = database_state(amn)

    out, _ = run_import(str(two_months), "--dry-run")

    assert "Provläsning utan fel" in out
    assert database_state(amn)[:2] == before[:2]


def test_a_staged_import_is_invisible_until_confirmed(db, amn, two_months):
    before = build_operating_summary(amn, 2023, 8).lines
    ledger_import = start_ledger_import(amn, two_months, "huvudbok.xlsx")

    read_ledger_import(ledger_import, two_months)

    assert ledger_import.status == ImportStatus.PREVIEW
    assert LedgerLine.objects.filter(ledger_import=ledger_import).count() == 5
    assert build_operating_summary(amn, 2023, 8).lines == before
    confirm_ledger_import(ledger_import)
    assert build_operating_summary(amn, 2023, 8).lines != before


def test_the_preview_shows_per_row_and_month_the_new_and_the_stored_amount(db, amn, two_months):
    stored_january = monthly(amn, ASSISTANCE)[1][0]
    ledger_import = start_ledger_import(amn, two_months, "huvudbok.xlsx")

    read_ledger_import(ledger_import, two_months)

    line = next(r for r in ledger_import.preview["rows"] if r["label"] == ASSISTANCE)
    assert line["months"]["1"] == {"new": "800000.50", "old": str(stored_january)}
    assert Decimal(line["total_new"]) == Decimal("2800000.75")


def test_balance_sheet_accounts_are_left_out_and_counted(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "balans.xlsx",
        [[202301, 1930, "", 575, "", "", 5], [202301, 4610, "", 575, "", "", 3]],
    )

    out, _ = run_import(str(path))

    assert "1 rader på balanskonton" in out
    assert monthly(amn, ASSISTANCE)[1][0] == Decimal("3")


def test_an_ansvar_mapping_sends_the_own_units_lines_to_their_row(db, amn, tmp_path):
    units = SummaryRow.objects.get(committee=amn, year=2023, label="Resultat nämndens enheter")
    LedgerCodeMapping.objects.create(
        committee=amn, year=2023, dimension=LedgerDimension.RESPONSIBILITY, code="8100", row=units
    )
    path = write_xlsx(tmp_path / "enheter.xlsx", [[202301, 4010, "8100", 575, "", "", 42]])

    run_import(str(path))

    assert MonthlyAmount.objects.get(row=units, measure=Measure.ACTUAL, month=1).amount == 42
    assert monthly(amn, ASSISTANCE)[1] == (Decimal("0"), Decimal("0"))


def test_a_mapping_carries_over_to_the_next_year_until_changed(db, amn, tmp_path):
    row_2022 = SummaryRow.objects.get(committee=amn, year=2022, label=ASSISTANCE)
    LedgerCodeMapping.objects.create(
        committee=amn, year=2022, dimension=LedgerDimension.OPERATION, code="5751", row=row_2022
    )
    path = write_xlsx(tmp_path / "underkod.xlsx", [[202301, 4610, "", 5751, "", "", 11]])

    run_import(str(path))

    assert monthly(amn, ASSISTANCE)[1] == (Decimal("11"), Decimal("0"))


def test_confirming_locks_the_nämnd_so_imports_never_interleave(db, amn, two_months):
    ledger_import = start_ledger_import(amn, two_months, "huvudbok.xlsx")
    read_ledger_import(ledger_import, two_months)

    with CaptureQueriesContext(connection) as queries:
        ledger_import = confirm_ledger_import(ledger_import)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    if connection.vendor == "postgresql":
        assert '"amn_committee"' in locks[0]
    else:  # SQLite serialises every write transaction by itself
        assert ledger_import.status == ImportStatus.ACTIVE
