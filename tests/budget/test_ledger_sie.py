"""SIE 4 files, as Swedish ledger systems export them, through the import."""

from decimal import Decimal
from pathlib import Path

import pytest

from budget.models import (
    ImportStatus,
    LedgerCodeMapping,
    LedgerDimension,
    LedgerLine,
    Measure,
    MonthlyAmount,
    SummaryRow,
)
from budget.services.ledger_files import ErrorList
from budget.services.ledger_import import import_ledger_file
from budget.services.sie import MAX_LINE_CHARS, SieReader

HEAD = """#FLAGGA 0
#PROGRAM "Ekonomisystemet" 1.0
#FORMAT PC8
#GEN 20230905
#SIETYP 4
#FNAMN "Linköpings kommun"
#RAR 0 20230101 20231231
#RAR -1 20220101 20221231
#DIM 1 "Ansvar"
#DIM 20 "Verksamhet"
#OBJEKT 20 "575" "Ekonomiskt bistånd"
#OBJEKT 1 "7100" "Försörjningsstöd Åby"
#KONTO 4610 "Försörjningsstöd"
#KONTO 3010 "Statsbidrag"
"""


def sie(body: str, head: str = HEAD, encoding: str = "cp437") -> bytes:
    return (head + body).replace("\n", "\r\n").encode(encoding)


def read(data: bytes, **dimensions) -> tuple[list, ErrorList, SieReader]:
    errors = ErrorList("huvudbok.se")
    reader = SieReader(data, "huvudbok.se", errors, **dimensions)
    return list(reader.records()), errors, reader


def texts(errors: ErrorList) -> list[str]:
    return [error["text"] for error in errors.as_list()]


VOUCHERS = """#VER A 17 20230131 "Utbetalning försörjningsstöd"
{
   #TRANS 4610 {1 "7100" 20 "575"} 1500.50
   #TRANS 1930 {} -1500.50
}
#VER A 18 20230215 "Statsbidrag"
{
   #RTRANS 3010 {20 "575"} -200.00
   #TRANS 3010 {20 "575"} -200.00
   #TRANS 1930 {} 200.00
   #BTRANS 3010 {20 "575"} -999.00
}
"""


def test_it_reads_the_postings_of_balanced_vouchers():
    records, errors, reader = read(sie(VOUCHERS))

    assert not errors
    assert [
        (r.year, r.month, r.measure, r.account, r.responsibility, r.operation_code, r.amount)
        for r in records
    ] == [
        (2023, 1, Measure.ACTUAL, "4610", "7100", "575", Decimal("1500.50")),
        (2023, 2, Measure.ACTUAL, "3010", "", "575", Decimal("-200.00")),
    ]
    assert [r.source_row for r in records] == [17, 23]
    assert reader.skipped_balance_lines == 2  # the bank account 1930 postings


def test_it_refuses_a_voucher_that_does_not_balance():
    records, errors, _ = read(
        sie(
            '#VER A 19 20230301 "Fel"\n{\n#TRANS 4610 {20 "575"} 100.00\n#TRANS 1930 {} -90.00\n}\n'
        )
    )

    assert records == []
    assert texts(errors) == [
        "huvudbok.se, rad 15, kolumn #VER: verifikation A 19 balanserar inte: differens 10,00 kr."
    ]


def test_a_period_balance_counts_once_whether_written_as_total_or_per_object():
    body = """#PSALDO 0 202303 4610 {} 1000.00
#PSALDO 0 202303 4610 {20 "575"} 600.00
#PSALDO 0 202303 4610 {20 "470"} 400.00
#PSALDO 0 202303 4610 {1 "7100"} 1000.00
#PSALDO -1 202203 4610 {20 "575"} 5.00
#PBUDGET 0 202303 4610 {20 "575"} 700.00
"""
    records, errors, _ = read(sie(body))

    assert not errors
    assert sorted((r.measure, r.operation_code, r.amount) for r in records) == [
        (Measure.ACTUAL, "470", Decimal("400.00")),
        (Measure.ACTUAL, "575", Decimal("600.00")),
        (Measure.BUDGET, "575", Decimal("700.00")),
    ]


def test_what_the_object_lines_leave_of_an_accounts_total_is_a_line_without_objects():
    body = '#PSALDO 0 202303 4610 {} 1000.00\n#PSALDO 0 202303 4610 {20 "575"} 600.00\n'

    records, errors, _ = read(sie(body))

    assert not errors
    assert [
        (r.source_row, r.responsibility, r.operation_code, r.amount, r.remainder) for r in records
    ] == [
        (16, "", "575", Decimal("600.00"), False),
        (15, "", "", Decimal("400.00"), True),
    ]


def test_object_lines_of_balance_accounts_are_neither_checked_nor_read():
    # As SIE 3 exports from BL Administration and Mamut write them: object lines of a
    # balance account that do not add up to its total, and object balances.
    body = """#OIB 0 1930 {1 "7100"} 7600.00
#OUB 0 1930 {1 "7100"} 7600.00
#PSALDO 0 202303 1930 {} -277000.00
#PSALDO 0 202303 1930 {1 "7100"} 1063.00
#PSALDO 0 202303 1930 {1 "7100"} 150000.00
#PSALDO 0 202303 4610 {} 1000.00
#PSALDO 0 202303 4610 {20 "575"} 1000.00
"""
    records, errors, reader = read(sie(body))

    assert not errors
    assert [(r.account, r.operation_code, r.amount) for r in records] == [
        ("4610", "575", Decimal("1000.00"))
    ]
    assert reader.skipped_balance_lines == 2


def test_a_remainder_that_no_row_takes_is_refused_naming_account_month_and_amount(
    db, amn, tmp_path
):
    path = tmp_path / "huvudbok.se"
    path.write_bytes(
        sie(
            '#PSALDO 0 202303 4610 {} 1000.00\n#PSALDO 0 202303 4610 {20 "575"} 600.00\n'
            '#PBUDGET 0 202304 4610 {} 12345.00\n#PBUDGET 0 202304 4610 {20 "575"} 0.00\n'
        )
    )

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.REFUSED
    assert [error["text"] for error in result.errors] == [
        "huvudbok.se, rad 15, kolumn #PSALDO, värde ”4610”: konto 4610: 400,00 kr av kontots "
        "saldo för mars 2023 saknar objekt (varken ansvar eller verksamhet) och kan inte föras "
        "till någon rad i AMNs driftsammandrag 2023. Objektraderna täcker inte kontots "
        "totalbelopp. Lägg till en kodmappning för dimensionen ”Utan ansvar och verksamhet” i "
        "administrationen, eller exportera filen med ansvar eller verksamhet på hela beloppet.",
        "huvudbok.se, rad 17, kolumn #PBUDGET, värde ”4610”: konto 4610: 12\u00a0345,00 kr av "
        "kontots budget för april 2023 saknar objekt (varken ansvar eller verksamhet) och kan "
        "inte föras till någon rad i AMNs driftsammandrag 2023. Objektraderna täcker inte "
        "kontots totalbelopp. Lägg till en kodmappning för dimensionen ”Utan ansvar och "
        "verksamhet” i administrationen, eller exportera filen med ansvar eller verksamhet på "
        "hela beloppet.",
    ]
    assert not LedgerLine.objects.filter(ledger_import=result).exists()


def test_a_remainder_goes_to_the_row_mapped_for_amounts_without_codes(db, amn, tmp_path):
    # A controller names once which row takes what is booked on neither ansvar nor
    # verksamhet; the object lines and the remainder then add up to the account's total.
    other = SummaryRow.objects.get(
        committee=amn, year=2023, label="100 - Nämnd- och styrelseverksamhet"
    )
    LedgerCodeMapping.objects.create(
        committee=amn, year=2023, dimension=LedgerDimension.NONE, code="", row=other
    )
    path = tmp_path / "huvudbok.se"
    path.write_bytes(
        sie('#PSALDO 0 202303 4610 {} 1000.00\n#PSALDO 0 202303 4610 {20 "575"} 600.00\n')
    )

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.ACTIVE, result.errors
    march = {
        amount.row.label: amount.amount
        for amount in MonthlyAmount.objects.filter(
            row__committee=amn, row__year=2023, measure=Measure.ACTUAL, month=3
        ).select_related("row")
    }
    assert march["575 - Ekonomiskt bistånd"] == Decimal("600.00")
    assert march["100 - Nämnd- och styrelseverksamhet"] == Decimal("400.00")


def test_postings_win_over_period_balances_of_the_same_money():
    records, errors, _ = read(sie(VOUCHERS + '#PSALDO 0 202301 4610 {20 "575"} 1500.50\n'))

    assert not errors
    assert [r.amount for r in records] == [Decimal("1500.50"), Decimal("-200.00")]


def test_bad_amounts_dates_and_accounts_are_all_reported_with_their_line():
    body = """#VER A 1 20230230 "Datum"
{
#TRANS 4610 {20 "575"} 1.00
}
#VER A 2 20230301 "Belopp"
{
#TRANS 4610 {20 "575"} tolv
}
#PBUDGET 0 202303 46X0 {20 "575"} 1.00
"""
    records, errors, _ = read(sie(body))

    assert records == []
    assert texts(errors) == [
        "huvudbok.se, rad 15, kolumn #VER, värde ”20230230”: verifikationsdatumet finns inte.",
        "huvudbok.se, rad 21, kolumn belopp, värde ”tolv”: beloppet är inte ett tal.",
        "huvudbok.se, rad 23, kolumn konto, värde ”46X0”: kontot är inte ett kontonummer.",
    ]


@pytest.mark.parametrize("sie_type", ["2", "3", "4"])
def test_sie_types_2_3_and_4_carry_period_balances_and_are_read(sie_type):
    body = '#PSALDO 0 202303 4610 {20 "575"} 10.00\n#PBUDGET 0 202303 4610 {20 "575"} 12.00\n'

    records, errors, _ = read(sie(body, head=HEAD.replace("#SIETYP 4", f"#SIETYP {sie_type}")))

    assert not errors
    assert [(r.measure, r.amount) for r in records] == [
        (Measure.ACTUAL, Decimal("10.00")),
        (Measure.BUDGET, Decimal("12.00")),
    ]


@pytest.mark.parametrize(
    "sie_type, message",
    [
        (
            "1",
            "SIE typ 1 har bara årssaldon (#IB, #UB, #RES), inga belopp per månad. "
            "Exportera SIE typ 2, 3 eller 4 (periodsaldon eller verifikationer).",
        ),
        ("5", "okänd SIE-typ 5; typ 2, 3 och 4 kan läsas in."),
    ],
)
def test_sie_type_1_with_only_year_balances_and_unknown_types_are_refused(sie_type, message):
    head = HEAD.replace("#SIETYP 4", f"#SIETYP {sie_type}")

    _, errors, _ = read(sie("#RES 0 4610 100.00\n", head=head))

    assert texts(errors) == [f"huvudbok.se, rad 5, kolumn #SIETYP, värde ”{sie_type}”: {message}"]


def test_a_sie_5_xml_file_is_refused_with_a_message_that_names_it(db, amn, tmp_path):
    path = tmp_path / "export.sie"
    path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
        b'<Sie xmlns="http://www.sie.se/sie5"><FileInfo/></Sie>\r\n'
    )

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.REFUSED
    assert [error["text"] for error in result.errors] == [
        "export.sie: SIE 5 (XML) kan inte läsas ännu. Exportera SIE 4 (eller SIE 2 eller 3 "
        "med periodsaldon) ur ekonomisystemet och läs in den filen."
    ]


SWEDISH = "ÅÄÖ åäö"
LETTERS_BODY = f"""#VER A 1 20230131 "Åby"
{{
#TRANS 4610 {{1 "{SWEDISH}" 20 "575"}} 10.00
#TRANS 1930 {{}} -10.00
}}
"""


@pytest.mark.parametrize(
    "format_line, encoding, bom",
    [
        ("#FORMAT PC8\n", "cp437", False),
        ("", "cp437", False),  # no #FORMAT: the standard's PC8
        ("#FORMAT UTF-8\n", "utf-8", False),
        ("#FORMAT UTF8\n", "utf-8", False),
        ("#FORMAT PC8\n", "utf-8", False),  # UTF-8 labelled PC8
        ("", "utf-8", False),
        ("#FORMAT PC8\n", "utf-8", True),
    ],
)
def test_swedish_letters_are_read_in_the_encoding_the_file_is_written_in(
    format_line, encoding, bom
):
    head = HEAD.replace("#FORMAT PC8\n", format_line)
    data = (b"\xef\xbb\xbf" if bom else b"") + sie(LETTERS_BODY, head=head, encoding=encoding)

    records, errors, _ = read(data)

    assert not errors
    assert [r.responsibility for r in records] == [SWEDISH]


def test_an_unknown_format_is_refused_naming_its_row():
    head = HEAD.replace("#FORMAT PC8", "#FORMAT ISO-8859-1")

    records, errors, _ = read(sie(LETTERS_BODY, head=head, encoding="latin-1"))

    assert records == []
    assert texts(errors) == [
        "huvudbok.se, rad 3, kolumn #FORMAT, värde ”ISO-8859-1”: okänd teckenkodning: en "
        "SIE-fil skrivs i PC8 (standarden, #FORMAT PC8) eller UTF-8 (#FORMAT UTF-8). Exportera "
        "filen igen med en av dem."
    ]


def test_a_file_labelled_utf8_that_is_not_is_refused_naming_the_byte_and_row():
    head = HEAD.replace("#FORMAT PC8", "#FORMAT UTF-8")

    records, errors, _ = read(sie(LETTERS_BODY, head=head, encoding="cp437"))

    assert records == []
    assert texts(errors) == [
        "huvudbok.se, rad 6: filen är märkt #FORMAT UTF-8 men har en ogiltig byte 0x94."
    ]


def test_the_verksamhet_dimension_is_chosen_in_the_import_profile():
    body = '#PSALDO 0 202303 4610 {30 "575"} 10.00\n'

    records, errors, _ = read(sie(body), operation_dimension=30)

    assert not errors
    assert [(r.operation_code, r.amount) for r in records] == [("575", Decimal("10.00"))]


def test_a_sie_file_is_imported_into_the_driftsammandrag(db, amn, tmp_path):
    path = tmp_path / "huvudbok.se"
    path.write_bytes(sie(VOUCHERS))

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.ACTIVE
    assert result.file_format == "sie"
    january = MonthlyAmount.objects.get(
        row__committee=amn,
        row__year=2023,
        row__label="575 - Ekonomiskt bistånd",
        measure=Measure.ACTUAL,
        month=1,
    )
    assert january.amount == Decimal("1500.50")
    assert LedgerLine.objects.filter(ledger_import=result).count() == 2


@pytest.mark.parametrize("content", [b"#NOTSIE 1\r\nhello\r\n"])
def test_a_file_that_only_looks_like_sie_is_refused(db, amn, tmp_path, content):
    path = tmp_path / "x.se"
    path.write_bytes(content)

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.REFUSED
    assert "ingen SIE-fil" in result.errors[0]["text"]


def test_quoted_names_may_hold_braces_and_escaped_quotes():
    body = '#PSALDO 0 202303 4610 {1 "7100 {Åby} \\"Norr\\"" 20 "575"} 10.00\n'

    records, errors, _ = read(sie(body))

    assert not errors
    assert [(r.responsibility, r.operation_code) for r in records] == [('7100 {Åby} "Norr"', "575")]


def test_a_line_longer_than_the_limit_is_refused_naming_its_row():
    body = f'#VER A 1 20230131 "{"x" * MAX_LINE_CHARS}"\n{{\n}}\n'

    records, errors, _ = read(sie(body))

    assert records == []
    assert texts(errors) == [
        "huvudbok.se, rad 15: raden är 10 020 tecken lång; en SIE-rad får vara högst "
        "10 000 tecken. Filen är skadad eller ingen riktig SIE-fil."
    ]


# Excerpts of real exports, transcribed byte for byte (CP437) from the SIE test files of
# github.com/idstam/jsisie (sie_test_files/BL0001_typ2.SE, BL0001_typ3.SE,
# MAMUT_SIE3_EXPORT.SE): accounts, object lines and balances as the systems wrote them.
REAL = Path(__file__).parent / "sie"


def read_real(name: str) -> tuple[list, ErrorList, SieReader]:
    errors = ErrorList(name)
    reader = SieReader((REAL / name).read_bytes(), name, errors)
    return list(reader.records()), errors, reader


def lines(records) -> list[tuple]:
    return [
        (r.measure, r.year, r.month, r.account, r.responsibility, r.amount, r.remainder)
        for r in records
    ]


def test_a_real_sie_2_export_of_bl_administration_is_read():
    records, errors, reader = read_real("bl-administration-typ2.se")

    assert not errors
    assert lines(records) == [
        (Measure.ACTUAL, 2009, 11, "3010", "", Decimal("-1000.00"), False),
        (Measure.ACTUAL, 2010, 1, "3010", "", Decimal("-7200.00"), False),
        (Measure.ACTUAL, 2009, 7, "4010", "", Decimal("1400.00"), False),
        (Measure.ACTUAL, 2010, 1, "4010", "", Decimal("5412.80"), False),
        (Measure.BUDGET, 2009, 7, "3010", "", Decimal("-100000.00"), False),
        (Measure.BUDGET, 2009, 7, "4010", "", Decimal("50000.00"), False),
    ]
    assert reader.skipped_balance_lines == 1


def test_a_real_sie_3_export_of_bl_administration_reads_objects_and_their_remainders():
    # Its balance accounts' object lines do not add up (1510: 1 063 of 251 174), and in
    # January 2010 ansvar 1 holds 6 400 of account 3010's 7 200: 800 kr without an object.
    records, errors, reader = read_real("bl-administration-typ3.se")

    assert not errors
    assert lines(records) == [
        (Measure.ACTUAL, 2009, 11, "3010", "", Decimal("-1000.00"), False),
        (Measure.ACTUAL, 2010, 1, "3010", "1", Decimal("-6400.00"), False),
        (Measure.ACTUAL, 2010, 1, "3010", "", Decimal("-800.00"), True),
        (Measure.ACTUAL, 2010, 6, "3010", "1", Decimal("-20000.00"), False),
        (Measure.ACTUAL, 2009, 7, "4010", "1", Decimal("1400.00"), False),
        (Measure.ACTUAL, 2010, 1, "4010", "1", Decimal("2800.00"), False),
        (Measure.ACTUAL, 2010, 1, "4010", "", Decimal("2612.80"), True),
        (Measure.ACTUAL, 2010, 1, "4610", "1", Decimal("5000.00"), False),
        (Measure.ACTUAL, 2010, 3, "5800", "1", Decimal("400.00"), False),
        (Measure.ACTUAL, 2010, 3, "5800", "", Decimal("400.00"), True),
        (Measure.BUDGET, 2009, 7, "3010", "", Decimal("-100000.00"), False),
        (Measure.BUDGET, 2009, 7, "4010", "", Decimal("50000.00"), False),
    ]
    assert reader.skipped_balance_lines == 4


def test_a_real_sie_3_export_of_mamut_with_tabs_and_a_quoted_format_is_read():
    records, errors, _ = read_real("mamut-typ3.se")

    assert not errors
    assert lines(records) == [
        (Measure.ACTUAL, 2010, 1, "3054", "", Decimal("0"), False),
        (Measure.ACTUAL, 2010, 2, "3054", "2", Decimal("-4200.00"), False),
        (Measure.ACTUAL, 2010, 2, "3054", "", Decimal("3000.00"), True),
        (Measure.ACTUAL, 2010, 12, "3054", "2", Decimal("-600.00"), False),
        (Measure.ACTUAL, 2010, 10, "5910", "", Decimal("0"), False),
        (Measure.ACTUAL, 2010, 11, "5910", "", Decimal("40000.00"), False),
    ]
