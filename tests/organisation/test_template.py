"""The Excel template of a nämnd's setup: downloaded, filled in, uploaded. A good file
creates or updates everything in one go and deletes nothing; a file with any bad cell
stores nothing and the page lists every bad cell with its sheet, row, column and value."""

import html
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from amn.models import AnnualCycleStep, Change, Committee, Municipality, PeriodKind
from budget.models import Measure, Operation, OwnUnit, RowKind, SummaryRow, YearAmount
from tests.badinput.dump import changed_tables, database_dump
from tests.organisation.workbooks import as_upload, filled, template_workbook


@pytest.fixture
def administrator(client, superuser, upload_dir):
    client.force_login(superuser)
    return superuser


def upload_new(client, file):
    return client.post(reverse("organisation:upload-new"), {"file": file})


def page_text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


# A new nämnd from a filled template ------------------------------------------------------


def test_a_filled_template_creates_the_kommun_and_the_nämnd_with_everything_in_it(
    client, administrator
):
    response = upload_new(client, filled(client))

    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:setup", args=["SOC"])
    committee = Committee.objects.get(code="SOC")
    assert committee.name == "Socialnämnden"
    assert (committee.municipality.name, committee.municipality.kolada_id) == (
        "Lunds kommun",
        "1281",
    )
    assert sorted(committee.administrations.values_list("code", flat=True)) == ["AVF", "SOF"]
    assert sorted(
        Operation.objects.filter(municipality=committee.municipality).values_list("code", "name")
    ) == [
        ("470", "Grundläggande vuxenutbildning"),
        ("575", "Ekonomiskt bistånd"),
        ("610", "Arbetsmarknadsåtgärder"),
    ]
    unit = OwnUnit.objects.get(committee=committee)
    assert (unit.name, unit.administration.code) == ("Jobbcentrum", "AVF")
    assert sorted(
        AnnualCycleStep.objects.filter(committee=committee).values_list(
            "kind", "month", "deadline_days"
        )
    ) == [(PeriodKind.ANNUAL, 12, 45), (PeriodKind.INTERIM_1, 4, 20), (PeriodKind.INTERIM_2, 8, 20)]


def test_a_bokslut_lands_on_last_year_s_row_and_the_budget_on_the_year_s_row_in_exact_kronor(
    client, administrator
):
    upload_new(client, filled(client))

    rows = {
        (row.year, row.label): row
        for row in SummaryRow.objects.filter(committee__code="SOC").select_related(
            "operation", "parent", "predecessor"
        )
    }
    amounts = {
        (amount.row.year, amount.row.label, amount.measure): amount
        for amount in YearAmount.objects.filter(row__committee__code="SOC").select_related("row")
    }
    assert sorted(rows) == [
        (2024, "470 - Grundläggande vuxenutb"),
        (2024, "575 - Ekonomiskt bistånd"),
        (2024, "Resultat nämndens enheter"),
        (2025, "470 - Grundläggande vuxenutb"),
        (2025, "575 - Ekonomiskt bistånd"),
        (2025, "Resultat nämndens enheter"),
        (2025, "varav försörjningsstöd"),
    ]
    assistance = rows[(2025, "575 - Ekonomiskt bistånd")]
    assert assistance.predecessor == rows[(2024, "575 - Ekonomiskt bistånd")]
    assert assistance.predecessor.operation.code == "575"
    assert rows[(2025, "varav försörjningsstöd")].parent == assistance
    assert rows[(2025, "varav försörjningsstöd")].predecessor is None
    units = rows[(2025, "Resultat nämndens enheter")]
    assert units.kind == RowKind.UNITS
    assert [u.name for u in units.own_units.all()] == ["Jobbcentrum"]
    assert [u.name for u in units.predecessor.own_units.all()] == ["Jobbcentrum"]
    assert {key: amount.amount for key, amount in amounts.items()} == {
        (2024, "575 - Ekonomiskt bistånd", Measure.ACTUAL): Decimal("93200000.00"),
        (2024, "470 - Grundläggande vuxenutb", Measure.ACTUAL): Decimal("1234567.50"),
        (2024, "Resultat nämndens enheter", Measure.ACTUAL): Decimal("-93200.00"),
        (2025, "575 - Ekonomiskt bistånd", Measure.BUDGET): Decimal("95000000.00"),
        (2025, "varav försörjningsstöd", Measure.BUDGET): Decimal("80000000.25"),
        (2025, "470 - Grundläggande vuxenutb", Measure.BUDGET): Decimal("1500000.75"),
        (2025, "Resultat nämndens enheter", Measure.BUDGET): Decimal("-100000.00"),
    }
    assert all(a.key == "" and a.internal_budget is None for a in amounts.values())
    assert not SummaryRow.objects.filter(committee__code="SOC", monthly_amounts__isnull=False)
    assert Change.objects.filter(committee__code="SOC", field="budget helår (kr)").count() == 4


def test_the_operating_summary_of_the_new_nämnd_shows_the_budget_and_last_year_s_bokslut(
    client, administrator
):
    upload_new(client, filled(client))

    response = client.get(reverse("budget:operating-summary", args=["SOC", 2025, 12]) + "?enhet=kr")

    assert response.status_code == 200
    lines = {line.label: line.figures for line in response.context["summary"].lines}
    assistance = lines["575 - Ekonomiskt bistånd"]
    assert assistance.budget_full_year == Decimal("95000000.00")
    assert assistance.result_previous_year == Decimal("93200000.00")
    adult_education = lines["470 - Grundläggande vuxenutb"]
    assert adult_education.budget_full_year == Decimal("1500000.75")
    assert adult_education.result_previous_year == Decimal("1234567.50")
    assert lines["Resultat nämndens enheter"].budget_full_year == Decimal("-100000.00")
    assert lines["Resultat nämndens enheter"].result_previous_year == Decimal("-93200.00")
    text = page_text(response)
    assert "95 000 000" in text and "93 200 000" in text


def test_the_command_sets_up_the_nämnd_from_a_file_and_says_what_it_created(
    client, administrator, tmp_path, capsys
):
    path = tmp_path / "soc.xlsx"
    path.write_bytes(filled(client).read())

    call_command("setup_committee", str(path))

    out = capsys.readouterr().out
    assert "SOC – Socialnämnden" in out
    assert "ny: kommunen Lunds kommun (1281)" in out
    assert "ny: raden 575 - Ekonomiskt bistånd 2024 (för bokslutet)" in out
    assert Committee.objects.filter(code="SOC").exists()

    call_command("setup_committee", str(path))

    assert "0 nya och 0 ändrade uppgifter" in capsys.readouterr().out


def test_the_command_refuses_a_bad_file_naming_every_bad_cell(client, administrator, tmp_path):
    path = tmp_path / "soc.xlsx"
    changes = {("Driftsammandrag", 0, 4): "999", ("Årshjul", 0, 1): 13}
    path.write_bytes(filled(client, changes).read())
    errors = io.StringIO()

    with pytest.raises(CommandError, match=r"2 fel\. Ingenting lagrades"):
        call_command("setup_committee", str(path), stderr=errors)

    assert "kolumn Verksamhetskod, värde ”999”" in errors.getvalue()
    assert "kolumn Till och med månad, värde ”13”" in errors.getvalue()
    assert not Committee.objects.filter(code="SOC").exists()


# Round trip --------------------------------------------------------------------------------


def test_the_template_of_a_nämnd_uploaded_again_changes_nothing(client, administrator, amn):
    OwnUnit.objects.get_or_create(committee=amn, name="Linvux")
    AnnualCycleStep.objects.create(
        committee=amn, kind=PeriodKind.INTERIM_2, month=8, deadline_days=20
    )
    workbook = template_workbook(client, "AMN")
    assert workbook.sheetnames == [
        "Instruktion",
        "Nämnd",
        "Förvaltningar",
        "Verksamheter",
        "Enheter",
        "Årshjul",
        "Driftsammandrag",
    ]
    assert [c.value for c in workbook["Nämnd"][2]] == [
        amn.municipality.name,
        amn.municipality.kolada_id,
        "AMN",
        amn.name,
    ]
    assert (
        workbook["Driftsammandrag"].max_row == SummaryRow.objects.filter(committee=amn).count() + 1
    )
    before = database_dump()

    response = client.post(
        reverse("organisation:upload", args=["AMN"]), {"file": as_upload(workbook)}, follow=True
    )

    assert "0 nya och 0 ändrade uppgifter" in page_text(response)
    assert changed_tables(before, database_dump()) == []


def test_the_template_shows_last_year_s_bokslut_and_the_budget_of_each_row(client, administrator):
    upload_new(client, filled(client))

    sheet = template_workbook(client, "SOC")["Driftsammandrag"]

    assert sheet.cell(2, 1).value == 2024  # the rows made for the bokslut come first
    lines = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == 2025]
    assert lines[0][2:] == (
        "575 - Ekonomiskt bistånd",
        "rad",
        "575",
        None,
        None,
        93_200_000,
        95_000_000,
    )
    assert lines[2][7:] == (1_234_567.5, 1_500_000.75)
    assert lines[3][3:7] == ("resultat nämndens enheter", None, None, "Jobbcentrum")


def test_an_upload_updates_what_changed_and_deletes_nothing(client, administrator):
    upload_new(client, filled(client))
    workbook = template_workbook(client, "SOC")
    sheet = workbook["Driftsammandrag"]
    for row in range(sheet.max_row, 1, -1):
        if (
            sheet.cell(row, 3).value != "470 - Grundläggande vuxenutb"
            or sheet.cell(row, 1).value != 2025
        ):
            sheet.delete_rows(row)
    sheet.cell(2, 9).value = "1 600 000"
    workbook["Verksamheter"].delete_rows(2, 3)

    response = client.post(
        reverse("organisation:upload", args=["SOC"]), {"file": as_upload(workbook)}
    )

    assert response.status_code == 302
    assert YearAmount.objects.get(
        row__committee__code="SOC",
        row__year=2025,
        row__label="470 - Grundläggande vuxenutb",
        measure=Measure.BUDGET,
    ).amount == Decimal("1600000.00")
    assert SummaryRow.objects.filter(committee__code="SOC").count() == 7
    assert Operation.objects.filter(municipality__kolada_id="1281").count() == 3


# Bad files ---------------------------------------------------------------------------------

BAD_CELLS = {
    "empty required cell": (
        {("Förvaltningar", 0, 1): None},
        "Förvaltningar, rad 2, kolumn Namn: Fältet får inte vara tomt.",
    ),
    "duplicate code": (
        {("Verksamheter", 3, 0): "575", ("Verksamheter", 3, 1): "Bistånd igen"},
        "Verksamheter, rad 5, kolumn Kod, värde ”575”: Koden ”575” finns redan på rad 2.",
    ),
    "duplicate label": (
        {
            ("Driftsammandrag", 4, 0): 2025,
            ("Driftsammandrag", 4, 1): 5,
            ("Driftsammandrag", 4, 2): "575 - Ekonomiskt bistånd",
        },
        "Driftsammandrag, rad 6, kolumn Rad, värde ”575 - Ekonomiskt bistånd”: Raden "
        "”575 - Ekonomiskt bistånd” 2025 finns redan på rad 2.",
    ),
    "duplicate position": (
        {
            ("Driftsammandrag", 4, 0): 2025,
            ("Driftsammandrag", 4, 1): 1,
            ("Driftsammandrag", 4, 2): "Ny rad",
        },
        "Driftsammandrag, rad 6, kolumn Ordning, värde ”1”: Ordning 1 år 2025 finns redan på "
        "rad 2.",
    ),
    "unknown verksamhet": (
        {("Driftsammandrag", 0, 4): "999"},
        "Driftsammandrag, rad 2, kolumn Verksamhetskod, värde ”999”: Verksamheten ”999” finns "
        "inte i fliken Verksamheter eller hos kommunen.",
    ),
    "unknown parent": (
        {("Driftsammandrag", 1, 5): "Ingen sådan rad"},
        "Driftsammandrag, rad 3, kolumn Varav under, värde ”Ingen sådan rad”: Raden "
        "”Ingen sådan rad” finns inte år 2025.",
    ),
    "parent that is a varav row": (
        {
            ("Driftsammandrag", 4, 0): 2025,
            ("Driftsammandrag", 4, 1): 5,
            ("Driftsammandrag", 4, 2): "varav hyror",
            ("Driftsammandrag", 4, 5): "varav försörjningsstöd",
        },
        "Driftsammandrag, rad 6, kolumn Varav under, värde ”varav försörjningsstöd”: Raden "
        "”varav försörjningsstöd” är själv en varav-rad",
    ),
    "unknown unit": (
        {("Driftsammandrag", 3, 6): "Jobbcentrum, Okänd enhet"},
        "Driftsammandrag, rad 5, kolumn Enheter, värde ”Jobbcentrum, Okänd enhet”: Enheten "
        "”Okänd enhet” finns inte i fliken Enheter eller hos nämnden.",
    ),
    "unit row without units": (
        {("Driftsammandrag", 3, 6): None},
        "Driftsammandrag, rad 5, kolumn Enheter: Raden Resultat nämndens enheter behöver minst "
        "en enhet.",
    ),
    "unknown unit administration": (
        {("Enheter", 0, 1): "XYZ"},
        "Enheter, rad 2, kolumn Förvaltning, värde ”XYZ”: Förvaltningen ”XYZ” finns inte",
    ),
    "non-number amount": (
        {("Driftsammandrag", 0, 8): "95 miljoner"},
        "Driftsammandrag, rad 2, kolumn Budget (kr), värde ”95 miljoner”: Inte ett belopp",
    ),
    "more than two decimals": (
        {("Driftsammandrag", 2, 7): "1 234 567,505"},
        "Driftsammandrag, rad 4, kolumn Bokslut föregående år (kr), värde ”1 234 567,505”: "
        "Beloppet har fler än två decimaler",
    ),
    "more than two decimals in a number cell": (
        {("Driftsammandrag", 2, 8): 1_500_000.125},
        "Driftsammandrag, rad 4, kolumn Budget (kr), värde ”1500000.125”: Beloppet har fler "
        "än två decimaler",
    ),
    "a year that is not a year": (
        {("Driftsammandrag", 0, 0): "20255"},
        "Driftsammandrag, rad 2, kolumn År, värde ”20255”: Ange ett år: ett heltal 1900–2200.",
    ),
    "a year that is text": (
        {("Driftsammandrag", 0, 0): "i år"},
        "Driftsammandrag, rad 2, kolumn År, värde ”i år”: Ange ett år",
    ),
    "text longer than the field": (
        {("Förvaltningar", 0, 1): "S" * 201},
        "Förvaltningar, rad 2, kolumn Namn, värde ”SSSS",
    ),
    "årshjul month outside 1–12": (
        {("Årshjul", 0, 1): 13},
        "Årshjul, rad 2, kolumn Till och med månad, värde ”13”: Ange en månad: ett heltal 1–12.",
    ),
    "unknown årshjul kind": (
        {("Årshjul", 0, 0): "Delår 3"},
        "Årshjul, rad 2, kolumn Uppföljning, värde ”Delår 3”: Okänd uppföljning",
    ),
    "unknown row kind": (
        {("Driftsammandrag", 0, 3): "summa"},
        "Driftsammandrag, rad 2, kolumn Typ, värde ”summa”: Okänd typ",
    ),
    "nämnd code of another kommun's nämnd": (
        {("Nämnd", 0, 2): "AMN"},
        "Nämnd, rad 2, kolumn Nämnd kod, värde ”AMN”: Nämndkoden AMN används redan av "
        "Arbetsmarknadsnämnden i Linköpings kommun.",
    ),
    "Kolada-id of another kommun": (
        {("Nämnd", 0, 1): "0580"},
        "Nämnd, rad 2, kolumn Kolada-id, värde ”0580”: Kolada-id 0580 hör till Linköpings kommun.",
    ),
}


@pytest.mark.parametrize("case", BAD_CELLS)
def test_a_bad_cell_is_refused_by_sheet_row_column_and_value_and_nothing_is_stored(
    client, administrator, amn, case
):
    changes, message = BAD_CELLS[case]
    file = filled(client, changes)
    before = database_dump()

    response = upload_new(client, file)

    assert response.status_code == 400
    text = page_text(response)
    assert f"mall.xlsx, blad {message}" in text
    assert "Ingenting lagrades" in text
    assert changed_tables(before, database_dump()) == []


def test_text_longer_than_the_field_says_how_long_it_may_be(client, administrator):
    response = upload_new(client, filled(client, {("Förvaltningar", 0, 1): "S" * 201}))

    assert "Högst 200 tecken (du skrev 201)." in page_text(response)


def test_every_bad_cell_is_listed_not_just_the_first(client, administrator):
    changes = {
        ("Förvaltningar", 0, 1): None,
        ("Driftsammandrag", 0, 4): "999",
        ("Driftsammandrag", 1, 8): "x",
        ("Driftsammandrag", 3, 6): None,
        ("Årshjul", 2, 2): "många",
    }

    response = upload_new(client, filled(client, changes))

    assert response.status_code == 400
    assert len(response.context["problems"]) == 5


def test_a_missing_sheet_is_named(client, administrator):
    workbook = template_workbook(client)
    del workbook["Verksamheter"]
    before = database_dump()

    response = upload_new(client, as_upload(workbook))

    assert response.status_code == 400
    assert "blad Verksamheter: Bladet ”Verksamheter” saknas." in page_text(response)
    assert changed_tables(before, database_dump()) == []


def test_a_missing_header_is_named_by_its_column(client, administrator):
    workbook = openpyxl.load_workbook(filled(client))
    workbook["Driftsammandrag"]["E1"] = "Verksamhet"
    before = database_dump()

    response = upload_new(client, as_upload(workbook))

    assert response.status_code == 400
    assert (
        "blad Driftsammandrag, rad 1, kolumn Verksamhetskod: Rubrikraden saknar kolumnen "
        "”Verksamhetskod”." in page_text(response)
    )
    assert changed_tables(before, database_dump()) == []


def test_a_file_that_is_no_workbook_is_refused_by_name(client, administrator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = upload_new(client, SimpleUploadedFile("mall.csv", b"Kod;Namn\n575;x\n"))

    assert response.status_code == 400
    assert "mall.csv: filen är ingen Excel-arbetsbok" in page_text(response)


def test_a_figure_that_comes_from_months_cannot_be_overwritten_by_a_full_year_figure(
    client, administrator, amn
):
    workbook = template_workbook(client, "AMN")
    sheet = workbook["Driftsammandrag"]
    row = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, 1).value == 2023 and sheet.cell(r, 9).value
    )
    sheet.cell(row, 9).value = sheet.cell(row, 9).value + 1
    before = database_dump()

    response = client.post(
        reverse("organisation:upload", args=["AMN"]), {"file": as_upload(workbook)}
    )

    assert response.status_code == 400
    assert f"rad {row}, kolumn Budget (kr)" in page_text(response)
    assert "har redan månadsbelopp" in page_text(response)
    assert changed_tables(before, database_dump()) == []


def test_a_file_for_another_nämnd_is_refused_on_a_nämnd_s_page(client, administrator, amn):
    response = client.post(reverse("organisation:upload", args=["AMN"]), {"file": filled(client)})

    assert response.status_code == 400
    assert "Filen gäller nämnden SOC, men laddas upp för AMN." in page_text(response)
    assert not Municipality.objects.filter(kolada_id="1281").exists()
