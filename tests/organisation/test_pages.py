"""The organisation pages in the browser: the kommuner with their nämnder and a form for
a new one; a nämnd's setup page, each section its own form, lines added in empty lines and
deleted only by "ta bort", and never what is in use."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from amn.forms import INCOMPLETE, MANIFEST
from amn.models import Administration, AnnualCycleStep, Committee, Municipality, PeriodKind
from budget.models import Measure, Operation, OwnUnit, SummaryRow, YearAmount
from tests.badinput.dump import changed_tables, database_dump
from tests.forms import page_form, page_forms, posted


@pytest.fixture
def administrator(client, superuser):
    client.force_login(superuser)
    return superuser


def text_of(response) -> str:
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


def section_form(response, section: str) -> dict:
    """The fields of the setup page's form of one section, as a browser posts them."""
    return posted(next(f for f in page_forms(response) if ("avsnitt", section) in f))


def setup_url(code: str, year: int | None = None) -> str:
    url = reverse("organisation:setup", args=[code])
    return f"{url}?ar={year}" if year else url


@pytest.fixture
def new_committee(db) -> Committee:
    municipality = Municipality.objects.create(name="Lunds kommun", kolada_id="1281")
    return Committee.objects.create(municipality=municipality, code="SOC", name="Socialnämnden")


# The kommuner and their nämnder -------------------------------------------------------------


def test_the_list_shows_each_kommun_with_its_nämnder_förvaltningar_and_years(
    client, administrator, amn
):
    response = client.get(reverse("organisation:index"))

    text = text_of(response)
    assert response.status_code == 200
    assert "Linköpings kommun" in text
    assert reverse("organisation:setup", args=["AMN"]) in text
    for code in amn.administrations.values_list("code", flat=True):
        assert code in text
    assert "?ar=2023" in text and "2 023" not in text


def test_the_start_page_links_the_organisation_pages_for_administrators_only(
    client, superuser, staff
):
    link = reverse("organisation:index")
    client.force_login(superuser)
    assert link in client.get(reverse("amn:start")).content.decode()
    client.force_login(staff)
    assert link not in client.get(reverse("amn:start")).content.decode()


def new_committee_form(client) -> dict:
    return page_form(client.get(reverse("organisation:index")))


def test_a_nämnd_of_a_new_kommun_is_created_from_the_form(client, administrator):
    data = new_committee_form(client)
    data |= {"municipality": "", "municipality_name": "Lunds kommun", "kolada_id": "1281"}
    data |= {"code": "SOC", "name": "Socialnämnden"}

    response = client.post(reverse("organisation:index"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:setup", args=["SOC"])
    committee = Committee.objects.get(code="SOC")
    assert (committee.name, committee.municipality.kolada_id) == ("Socialnämnden", "1281")


def test_a_nämnd_of_an_existing_kommun_is_created_from_the_form(client, administrator, amn):
    data = new_committee_form(client)
    data |= {"municipality": str(amn.municipality_id), "code": "UBN", "name": "Utbildningsnämnden"}

    response = client.post(reverse("organisation:index"), data)

    assert response.status_code == 302
    assert Committee.objects.get(code="UBN").municipality == amn.municipality
    assert Municipality.objects.count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"code": "AMN", "name": "Dubblett"}, "Nämnden AMN finns redan."),
        ({"municipality": "", "code": "X", "name": "X"}, "Fältet får inte vara tomt."),
        (
            {
                "municipality": "",
                "municipality_name": "Ny",
                "kolada_id": "12",
                "code": "X",
                "name": "X",
            },
            "Kolada-id är fyra siffror, t.ex. 0580.",
        ),
        ({"code": "K" * 21, "name": "X"}, "Högst 20 tecken (du skrev 21)."),
    ],
)
def test_a_bad_new_nämnd_is_refused_with_its_reason(client, administrator, amn, fields, message):
    data = new_committee_form(client) | {"municipality": str(amn.municipality_id)} | fields
    before = database_dump()

    response = client.post(reverse("organisation:index"), data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert changed_tables(before, database_dump()) == []


def test_the_new_nämnd_form_without_its_manifest_is_refused(client, administrator):
    data = new_committee_form(client) | {"municipality_name": "Lund", "kolada_id": "1281"}
    del data[MANIFEST]

    response = client.post(reverse("organisation:index"), data | {"code": "S", "name": "S"})

    assert response.status_code == 400
    assert INCOMPLETE in text_of(response)
    assert not Committee.objects.filter(code="S").exists()


# Sections of the setup page -----------------------------------------------------------------


def test_förvaltningar_are_added_renamed_and_removed_from_the_nämnd(
    client, administrator, new_committee
):
    data = section_form(client.get(setup_url("SOC")), "adm")
    data |= {"adm-ny1-code": "SOF", "adm-ny1-name": "Socialförvaltningen"}
    assert client.post(setup_url("SOC"), data).status_code == 302
    administration = new_committee.administrations.get()
    assert (administration.code, administration.name) == ("SOF", "Socialförvaltningen")

    data = section_form(client.get(setup_url("SOC")), "adm")
    data[f"adm-{administration.pk}-name"] = "Socialförvaltningen i Lund"
    client.post(setup_url("SOC"), data)
    administration.refresh_from_db()
    assert administration.name == "Socialförvaltningen i Lund"

    data = section_form(client.get(setup_url("SOC")), "adm")
    data[f"adm-{administration.pk}-delete"] = ["", "ja"]
    response = client.post(setup_url("SOC"), data, follow=True)
    assert "Borttagna: 1." in text_of(response)
    assert not new_committee.administrations.exists()


def test_a_förvaltning_the_nämnd_s_units_belong_to_is_not_removed(
    client, administrator, new_committee
):
    administration = Administration.objects.create(
        municipality=new_committee.municipality, code="SOF", name="Socialförvaltningen"
    )
    new_committee.administrations.add(administration)
    OwnUnit.objects.create(
        committee=new_committee, name="Jobbcentrum", administration=administration
    )
    data = section_form(client.get(setup_url("SOC")), "adm")
    data[f"adm-{administration.pk}-delete"] = ["", "ja"]
    before = database_dump()

    response = client.post(setup_url("SOC"), data)

    assert response.status_code == 400
    assert "Förvaltningen används av nämndens enheter ”Jobbcentrum”." in text_of(response)
    assert changed_tables(before, database_dump()) == []


def test_a_verksamhet_that_rows_use_is_not_deleted(client, administrator, amn):
    operation = Operation.objects.get(municipality=amn.municipality, code="575")
    data = section_form(client.get(setup_url("AMN")), "op")
    data[f"op-{operation.pk}-delete"] = ["", "ja"]
    before = database_dump()

    response = client.post(setup_url("AMN"), data)

    assert response.status_code == 400
    assert "Verksamheten används av raderna" in text_of(response)
    assert changed_tables(before, database_dump()) == []


def test_verksamheter_are_added_and_an_unused_one_deleted(client, administrator, new_committee):
    data = section_form(client.get(setup_url("SOC")), "op")
    data |= {"op-ny1-code": "575", "op-ny1-name": "Ekonomiskt bistånd"}
    data |= {"op-ny2-code": "999", "op-ny2-name": "Felskrivning"}
    client.post(setup_url("SOC"), data)
    wrong = Operation.objects.get(code="999", municipality=new_committee.municipality)

    data = section_form(client.get(setup_url("SOC")), "op")
    data[f"op-{wrong.pk}-delete"] = ["", "ja"]
    client.post(setup_url("SOC"), data)

    assert list(
        Operation.objects.filter(municipality=new_committee.municipality).values_list(
            "code", flat=True
        )
    ) == ["575"]


def test_a_duplicate_verksamhet_code_is_refused_at_its_line(client, administrator, new_committee):
    data = section_form(client.get(setup_url("SOC")), "op")
    data |= {"op-ny1-code": "575", "op-ny1-name": "A", "op-ny2-code": "575", "op-ny2-name": "B"}

    response = client.post(setup_url("SOC"), data)

    assert response.status_code == 400
    assert "Koden ”575” finns redan" in text_of(response)
    assert not Operation.objects.filter(municipality=new_committee.municipality).exists()


def test_units_are_stored_with_their_förvaltning(client, administrator, new_committee):
    administration = Administration.objects.create(
        municipality=new_committee.municipality, code="AVF", name="Arbetsförvaltningen"
    )
    new_committee.administrations.add(administration)
    data = section_form(client.get(setup_url("SOC")), "enhet")
    data |= {"enhet-ny1-name": "Jobbcentrum", "enhet-ny1-administration": "AVF"}

    assert client.post(setup_url("SOC"), data).status_code == 302

    unit = OwnUnit.objects.get(committee=new_committee)
    assert (unit.name, unit.administration) == ("Jobbcentrum", administration)


def test_an_empty_årshjul_shows_the_defaults_and_a_follow_up_can_be_switched_off(
    client, administrator, new_committee
):
    shown = client.get(setup_url("SOC"))
    data = section_form(shown, "hjul")
    assert data["hjul-delar1-month"] == "4" and data["hjul-delar1-days"] == "20"
    assert data["hjul-oktober-month"] == "10" and data["hjul-oktober-days"] == "15"
    assert data["hjul-bokslut-month"] == "12" and data["hjul-bokslut-days"] == "45"
    data["hjul-oktober-on"] = ""
    data["hjul-delar1-month"] = "3"

    assert client.post(setup_url("SOC"), data).status_code == 302

    assert sorted(
        AnnualCycleStep.objects.filter(committee=new_committee).values_list(
            "kind", "month", "deadline_days"
        )
    ) == [(PeriodKind.ANNUAL, 12, 45), (PeriodKind.INTERIM_1, 3, 20), (PeriodKind.INTERIM_2, 8, 20)]
    data = section_form(client.get(setup_url("SOC")), "hjul")
    assert data["hjul-oktober-on"] == ""


def test_an_årshjul_with_bad_days_is_refused(client, administrator, new_committee):
    data = section_form(client.get(setup_url("SOC")), "hjul")
    data["hjul-delar2-days"] = "tjugo"

    response = client.post(setup_url("SOC"), data)

    assert response.status_code == 400
    assert "Ange ett antal dagar: ett heltal 0–365." in text_of(response)
    assert not AnnualCycleStep.objects.filter(committee=new_committee).exists()


def rows_with_amounts(client, committee: Committee) -> None:
    Operation.objects.create(municipality=committee.municipality, code="575", name="Bistånd")
    data = section_form(client.get(setup_url("SOC", 2025)), "rad")
    data |= {
        "rad-ny1-position": "1",
        "rad-ny1-label": "575 - Ekonomiskt bistånd",
        "rad-ny1-operation": "575",
        "rad-ny1-previous_actual": "93 200 000",
        "rad-ny1-budget": "1 234 567,50",
        "rad-ny2-position": "2",
        "rad-ny2-label": "varav försörjningsstöd",
        "rad-ny2-parent": "575 - Ekonomiskt bistånd",
        "rad-ny2-budget": "−1 000,05",
    }
    response = client.post(setup_url("SOC", 2025), data)
    assert response.status_code == 302, text_of(response)


def test_rows_of_a_year_are_stored_with_last_year_s_bokslut_and_the_budget(
    client, administrator, new_committee
):
    rows_with_amounts(client, new_committee)

    row = SummaryRow.objects.get(committee=new_committee, year=2025, position=1)
    assert row.operation.code == "575"
    assert (row.predecessor.year, row.predecessor.label) == (2024, "575 - Ekonomiskt bistånd")
    assert YearAmount.objects.get(row=row.predecessor, measure=Measure.ACTUAL).amount == Decimal(
        "93200000.00"
    )
    assert YearAmount.objects.get(row=row, measure=Measure.BUDGET).amount == Decimal("1234567.50")
    detail = SummaryRow.objects.get(committee=new_committee, year=2025, position=2)
    assert detail.parent == row
    assert YearAmount.objects.get(row=detail).amount == Decimal("-1000.05")


def test_the_page_shows_the_stored_amounts_and_saving_them_unchanged_changes_nothing(
    client, administrator, new_committee
):
    rows_with_amounts(client, new_committee)
    shown = client.get(setup_url("SOC"))
    data = section_form(shown, "rad")
    row = SummaryRow.objects.get(committee=new_committee, year=2025, position=1)
    assert data[f"rad-{row.pk}-previous_actual"] == "93\u00a0200\u00a0000"
    assert data[f"rad-{row.pk}-budget"] == "1\u00a0234\u00a0567,5"
    before = database_dump()

    response = client.post(setup_url("SOC", 2025), data, follow=True)

    assert "0 nya och 0 ändrade uppgifter" in text_of(response)
    assert changed_tables(before, database_dump()) == []


def test_a_row_is_deleted_only_when_ticked_and_not_while_it_has_varav_rows(
    client, administrator, new_committee
):
    rows_with_amounts(client, new_committee)
    row = SummaryRow.objects.get(committee=new_committee, year=2025, position=1)
    detail = SummaryRow.objects.get(committee=new_committee, year=2025, position=2)
    data = section_form(client.get(setup_url("SOC", 2025)), "rad")
    data[f"rad-{row.pk}-delete"] = ["", "ja"]

    response = client.post(setup_url("SOC", 2025), data)

    assert response.status_code == 400
    assert "Raden har varav-rader och kan inte tas bort." in text_of(response)

    data = section_form(client.get(setup_url("SOC", 2025)), "rad")
    data[f"rad-{detail.pk}-delete"] = ["", "ja"]
    response = client.post(setup_url("SOC", 2025), data, follow=True)

    assert "Borttagna rader: 1." in text_of(response)
    assert list(SummaryRow.objects.filter(committee=new_committee, year=2025)) == [row]


def test_bad_row_cells_are_shown_at_their_inputs_and_nothing_is_stored(
    client, administrator, new_committee
):
    data = section_form(client.get(setup_url("SOC", 2025)), "rad")
    data |= {
        "rad-ny1-position": "1",
        "rad-ny1-label": "Rad",
        "rad-ny1-operation": "999",
        "rad-ny1-budget": "12,345",
        "rad-ny2-position": "1",
        "rad-ny2-label": "Rad två",
        "rad-ny2-kind": "units",
    }
    before = database_dump()

    response = client.post(setup_url("SOC", 2025), data)

    assert response.status_code == 400
    lines = response.context["page"].rows.lines
    assert lines[0].errors["operation"].startswith("Verksamheten ”999” finns inte")
    assert lines[0].errors["budget"].startswith("Beloppet har fler än två decimaler")
    assert lines[1].errors["position"].startswith("Ordning 1 år 2025 finns redan")
    assert lines[1].errors["units"].startswith("Raden Resultat nämndens enheter behöver")
    assert changed_tables(before, database_dump()) == []


SECTIONS = ("adm", "op", "enhet", "hjul", "rad")


@pytest.mark.parametrize("section", SECTIONS)
def test_a_section_post_missing_a_shown_field_is_refused_whole(client, administrator, amn, section):
    OwnUnit.objects.get_or_create(committee=amn, name="Linvux")
    data = section_form(client.get(setup_url("AMN", 2023)), section)
    lost = next(
        name for name, value in data.items() if name.endswith(("-name", "-month", "-label"))
    )
    del data[lost]
    before = database_dump()

    response = client.post(setup_url("AMN", 2023), data)

    assert response.status_code == 400
    assert INCOMPLETE in text_of(response)
    assert changed_tables(before, database_dump()) == []


@pytest.mark.parametrize("section", SECTIONS)
def test_a_section_saved_unchanged_changes_no_figure(client, administrator, amn, section):
    OwnUnit.objects.get_or_create(committee=amn, name="Linvux")
    AnnualCycleStep.objects.create(
        committee=amn, kind=PeriodKind.ANNUAL, month=12, deadline_days=45
    )
    data = section_form(client.get(setup_url("AMN", 2023)), section)
    before = database_dump()

    response = client.post(setup_url("AMN", 2023), data)

    assert response.status_code == 302
    assert changed_tables(before, database_dump()) == []


# Query counts -------------------------------------------------------------------------------


def committees_with_rows(count: int) -> None:
    municipality = Municipality.objects.create(name="Lunds kommun", kolada_id="1281")
    administration = Administration.objects.create(municipality=municipality, code="SOF", name="S")
    for number in range(count):
        committee = Committee.objects.create(
            municipality=municipality, code=f"N{number}", name=f"Nämnd {number}"
        )
        committee.administrations.add(administration)
        SummaryRow.objects.create(committee=committee, year=2025, position=1, label="Rad")


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_takes_the_same_queries_for_one_nämnd_as_for_thirty(
    client, administrator, count, django_assert_max_num_queries
):
    committees_with_rows(count)

    with django_assert_max_num_queries(7):
        assert client.get(reverse("organisation:index")).status_code == 200


def rows_of(committee: Committee, count: int) -> None:
    operation = Operation.objects.create(municipality=committee.municipality, code="1", name="V")
    unit = OwnUnit.objects.create(committee=committee, name="Enhet")
    administration = Administration.objects.create(
        municipality=committee.municipality, code="SOF", name="S"
    )
    committee.administrations.add(administration)
    for position in range(1, count + 1):
        previous = SummaryRow.objects.create(
            committee=committee, year=2024, position=position, label=f"Rad {position}"
        )
        row = SummaryRow.objects.create(
            committee=committee,
            year=2025,
            position=position,
            label=f"Rad {position}",
            operation=operation,
            predecessor=previous,
            parent=None,
        )
        row.own_units.add(unit)
        YearAmount.objects.create(row=previous, measure=Measure.ACTUAL, amount=position)
        YearAmount.objects.create(row=row, measure=Measure.BUDGET, amount=position)


@pytest.mark.parametrize("count", [1, 30])
def test_the_setup_page_takes_the_same_queries_for_one_row_as_for_thirty(
    client, administrator, new_committee, count, django_assert_max_num_queries
):
    rows_of(new_committee, count)

    with django_assert_max_num_queries(14):
        response = client.get(setup_url("SOC", 2025))

    assert response.status_code == 200
    assert len(response.context["page"].rows.lines) == count + 3


@pytest.mark.parametrize("count", [1, 30])
def test_the_template_download_takes_the_same_queries_for_one_row_as_for_thirty(
    client, administrator, new_committee, count, django_assert_max_num_queries
):
    rows_of(new_committee, count)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("organisation:template", args=["SOC"]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="namnd-SOC.xlsx"'
