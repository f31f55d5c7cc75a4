"""Ledger lists with separate Debet and Kredit columns, as Fortnox and others export their
verifikationslistor: the actual amount of a line is debet − kredit, exact; an empty side
is 0; a line with both sides empty is refused like a missing amount."""

from decimal import Decimal

import pytest

from budget.models import ImportProfile, ImportStatus, Measure, MonthlyAmount
from budget.services.ledger_import import import_ledger_file
from tests.budget.ledger_files import write_csv, write_xlsx
from tests.budget.profiles import post_profile

ASSISTANCE = "575 - Ekonomiskt bistånd"
FORTNOX = ["Ver.nr", "Datum", "Konto", "Verksamhet", "Text", "Debet", "Kredit"]


def january(amn) -> tuple[Decimal, Decimal]:
    amount = MonthlyAmount.objects.get(
        row__committee=amn, row__year=2023, row__label=ASSISTANCE, measure=Measure.ACTUAL, month=1
    )
    return amount.amount, amount.revenues


def errors_of(path, amn, profile=None) -> list[str]:
    result = import_ledger_file(amn, path, profile=profile)
    assert result.status == ImportStatus.REFUSED
    return [error["text"] for error in result.errors]


def test_a_fortnox_like_csv_is_read_as_debet_minus_kredit(db, amn, tmp_path):
    path = write_csv(
        tmp_path / "verifikationslista.csv",
        [
            ["A1", "2023-01-05", "4610", "575", "Utbetalning", "1 000 000,10", ""],
            ["A2", "2023-01-09", "4610", "575", "Återbetalning", "", "0,05"],
            ["A3", "2023-01-20", "3010", "575", "Statsbidrag", "0,00", "200 000,00"],
        ],
        headers=FORTNOX,
        encoding="cp1252",
    )

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.ACTIVE
    assert january(amn) == (Decimal("800000.05"), Decimal("-200000.00"))


def test_a_running_saldo_beside_debet_and_kredit_is_not_read_as_the_amount(db, amn, tmp_path):
    # A huvudbok as Fortnox exports it: the Saldo column is the balance after each line.
    path = write_csv(
        tmp_path / "huvudbok.csv",
        [
            ["A1", "2023-01-05", "4610", "575", "Utbetalning", "1 000,00", "", "1 000,00"],
            ["A2", "2023-01-09", "4610", "575", "Återbetalning", "", "250,00", "750,00"],
        ],
        headers=[*FORTNOX, "Saldo"],
    )

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.ACTIVE, result.errors
    assert january(amn) == (Decimal("750.00"), Decimal("0"))


def test_a_workbook_with_debet_and_kredit_is_exact_and_its_total_row_is_checked(db, amn, tmp_path):
    lines = [
        ["A1", 20230105, 4610, 575, "", 0.1, None],
        ["A2", 20230106, 4610, 575, "", 0.2, None],
        ["A3", 20230107, 4610, 575, "", None, 0.3],
        ["A4", 20230108, 4610, 575, "", 1234.5, 0.25],
    ]
    path = write_xlsx(
        tmp_path / "verifikationer.xlsx",
        [*lines, ["Summa", "", "", "", "", 1234.8, 0.55]],
        headers=FORTNOX,
    )
    wrong = write_xlsx(
        tmp_path / "fel-summa.xlsx",
        [*lines, ["Summa", "", "", "", "", 1234.8, 0.5]],
        headers=FORTNOX,
    )

    assert errors_of(wrong, amn) == [
        "fel-summa.xlsx, blad Utfall, rad 9, kolumn G (Kredit), värde ”0.5”: summaraden säger "
        "0,50 kr men raderna ovanför summerar till 0,55 kr (skillnad −0,05 kr). Filen är "
        "ofullständig eller ändrad."
    ]
    assert import_ledger_file(amn, path).status == ImportStatus.ACTIVE
    assert january(amn) == (Decimal("1234.25"), Decimal("0"))


def test_a_line_with_neither_debet_nor_kredit_is_refused_naming_row_and_columns(db, amn, tmp_path):
    path = write_xlsx(
        tmp_path / "tom.xlsx",
        [["A1", 20230105, 4610, 575, "", 100, None], ["A2", 20230106, 4610, 575, "", "", ""]],
        headers=FORTNOX,
    )

    assert errors_of(path, amn) == [
        "tom.xlsx, blad Utfall, rad 6, kolumn F (Debet) och G (Kredit): beloppet saknas: både "
        "Debet och Kredit är tomma."
    ]


def test_a_bad_debet_or_kredit_is_refused_naming_its_column_and_value(db, amn, tmp_path):
    path = write_csv(
        tmp_path / "fel.csv",
        [["A1", "2023-01-05", "4610", "575", "", "tolv", ""]],
        headers=FORTNOX,
    )

    assert errors_of(path, amn) == [
        "fel.csv, rad 2, kolumn 6 (Debet), värde ”tolv”: beloppet är inte ett tal."
    ]


def test_a_debet_column_without_a_kredit_column_is_refused(db, amn, tmp_path):
    path = write_csv(
        tmp_path / "bara-debet.csv",
        [["2023-01-05", "4610", "575", "100"]],
        headers=["Datum", "Konto", "Verksamhet", "Debet"],
    )

    assert errors_of(path, amn) == [
        "bara-debet.csv, rad 1, värde ”Debet”: kolumn för Kredit saknas (det finns bara "
        "Debet): beloppet är debet minus kredit."
    ]


def test_an_amount_column_wins_over_debet_and_kredit_unless_a_profile_names_them(db, amn, tmp_path):
    # An amount column by its usual header (Belopp) is the line's amount, unless the profile
    # names Debet and Kredit.
    path = write_csv(
        tmp_path / "huvudbok.csv",
        [["2023-01-05", "4610", "575", "100,00", "", "5 000,00"]],
        headers=["Datum", "Konto", "Verksamhet", "Debet SEK", "Kredit SEK", "Belopp"],
    )
    profile = ImportProfile.objects.create(
        municipality=amn.municipality,
        name="Fortnox",
        columns={"debit": "Debet SEK", "credit": "Kredit SEK"},
    )
    with_amount = write_csv(
        tmp_path / "belopp.csv",
        [["2023-01-05", "4610", "575", "40,00", "", "300,00"]],
        headers=["Datum", "Konto", "Verksamhet", "Debet", "Kredit", "Belopp"],
    )

    import_ledger_file(amn, with_amount)
    assert january(amn)[0] == Decimal("300.00")
    import_ledger_file(amn, path, profile=profile)
    assert january(amn)[0] == Decimal("100.00")


def test_a_profile_names_both_debet_and_kredit_or_neither(client, amn, controller):
    client.force_login(controller)

    response = post_profile(client, amn.code, name="Fortnox", column_debit="Debet SEK")

    assert "Ange både Debet och Kredit: beloppet är debet minus kredit." in (
        response.content.decode()
    )
    assert not ImportProfile.objects.exists()


@pytest.mark.parametrize("header", ["Debet (tkr)", "Kredit tkr"])
def test_debet_or_kredit_in_thousands_is_refused(db, amn, tmp_path, header):
    path = write_csv(
        tmp_path / "tkr.csv",
        [["2023-01-05", "4610", "575", "1"]],
        headers=["Datum", "Konto", "Verksamhet", header],
    )

    assert "beloppen är i tusental eller miljoner kronor" in errors_of(path, amn)[0]
