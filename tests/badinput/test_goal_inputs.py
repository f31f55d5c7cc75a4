"""Bad indicator files (tests/badinput/indicators/) and bad posts of the goal and indicator
entry pages: each is refused with its message, naming the file, row, column and value or
the field, and the database is unchanged, byte for byte."""

import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import IndicatorValue, Series
from tests.badinput.dump import changed_tables, database_dump
from tests.forms import page_form
from tests.goals.test_assessment_entry import posted as posted_assessments
from tests.indicators.test_value_entry import posted as posted_values

CORPUS = Path(__file__).parent / "indicators"
NOT_A_NUMBER = "Inte ett tal. Skriv ett tal som 88,9 eller I.U. (ingen uppgift)."

REFUSALS: dict[str, list[str]] = {
    "tom.csv": ["tom.csv: filen är tom."],
    "bara-rubrikrad.csv": ["bara-rubrikrad.csv: filen har inga rader under rubrikraden."],
    "varde-som-inte-ar-ett-tal.csv": [
        f"varde-som-inte-ar-ett-tal.csv, rad 2, kolumn Värde, värde ”tolv”: {NOT_A_NUMBER}"
    ],
    "formel-som-varde.csv": [
        f"formel-som-varde.csv, rad 2, kolumn Värde, värde ”=1+1”: {NOT_A_NUMBER}"
    ],
    "inte-tal-som-python-laser.csv": [
        f"inte-tal-som-python-laser.csv, rad 2, kolumn Värde, värde ”NaN”: {NOT_A_NUMBER}",
        f"inte-tal-som-python-laser.csv, rad 3, kolumn Värde, värde ”Infinity”: {NOT_A_NUMBER}",
    ],
    "orimligt-stora-tal.csv": [
        "orimligt-stora-tal.csv, rad 2, kolumn Värde, värde ”1e400”: Talet är för stort "
        "(högst 10 siffror före decimalkommat).",
        "orimligt-stora-tal.csv, rad 3, kolumn Värde, värde ”99999999999999999999999”: Talet "
        "är för stort (högst 10 siffror före decimalkommat).",
    ],
    "iu-utan-fotnot.csv": [
        "iu-utan-fotnot.csv, rad 2, kolumn Fotnot: Värdet är I.U. (ingen uppgift): skriv i "
        "Fotnot varför uppgift saknas."
    ],
    "okand-indikator.csv": [
        "okand-indikator.csv, rad 2, kolumn Indikator, värde ”Finns inte”: "
        "Arbetsmarknadsnämnden har ingen indikator av typen Nämndindikator med det namnet "
        "utan grupp."
    ],
    "ar-och-manad-som-inte-finns.csv": [
        "ar-och-manad-som-inte-finns.csv, rad 2, kolumn År, värde ”1899”: Året ska vara ett "
        "årtal 1900–2200.",
        "ar-och-manad-som-inte-finns.csv, rad 3, kolumn Månad, värde ”13”: Månaden ska vara "
        "ett heltal 1–12 (12 är helår).",
    ],
    "negativ-noll-som-ar.csv": [
        "negativ-noll-som-ar.csv, rad 2, kolumn År, värde ”-0”: Året ska vara ett årtal 1900–2200."
    ],
    "dubbla-rubriker.csv": [
        "dubbla-rubriker.csv, rad 1: kolumnen Värde finns 2 gånger (8 och 9); ta bort den som "
        "inte gäller."
    ],
    "trasig-teckenkodning.csv": [
        "trasig-teckenkodning.csv: filens teckenkodning känns inte igen (varken UTF-8 eller "
        "Windows-1252; byte 0x81 på position 149)."
    ],
    "utf8-med-trasiga-tecken.csv": [
        "utf8-med-trasiga-tecken.csv, rad 2: filen är märkt som UTF-8 (BOM) men har en "
        "ogiltig byte 0xc3."
    ],
    "oavslutat-citattecken.csv": [
        "oavslutat-citattecken.csv, rad 2, kolumn 9, värde ”Enkäten gjordes i au…”: "
        'fältets citattecken (") stängs aldrig, så resten av filen blir ett enda fält; rätta '
        "eller ta bort citattecknet."
    ],
}


def test_every_file_of_the_corpus_has_its_refusal():
    assert sorted(path.name for path in CORPUS.iterdir()) == sorted(REFUSALS)


def shown_errors(response) -> list[str]:
    """The errors the upload answer shows: the file's, or each row's in the preview."""
    form = response.context.get("form")
    if form is not None and form.errors:
        return list(form.errors["file"])
    return [str(error) for error in response.context["outcome"].errors]


@pytest.mark.parametrize(("name", "errors"), list(REFUSALS.items()), ids=list(REFUSALS))
def test_a_bad_indicator_file_is_refused_with_every_error_and_nothing_stored(
    client, staff, upload_dir, name, errors
):
    client.force_login(staff)
    path = CORPUS / name
    before = database_dump()

    response = client.post(
        reverse("indicators:round-trip-upload", args=["AMN"]),
        {"file": SimpleUploadedFile(name, path.read_bytes())},
        follow=True,
    )

    assert shown_errors(response) == errors
    page = html.unescape(response.content.decode())
    assert "Bekräfta" not in page
    for error in errors:
        assert error.split(": ", 1)[-1] in page
    assert changed_tables(before, database_dump()) == []


# Posts of the entry pages ------------------------------------------------------------------

VALUES = ("indicators:value-entry", ["AMN", 2023, 8])
SURVEY = "Andel positiva svar i brukarenkät, %"


def unchanged_value_entry(client) -> tuple[dict[str, str], int]:
    """What the value entry page posts back untouched, and the survey series' id."""
    response = client.get(reverse(VALUES[0], args=VALUES[1]))
    return posted_values(response), Series.objects.get(indicator__name=SURVEY, label="Totalt").pk


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("v", "tolv", "”tolv” är inte ett tal"),
        ("v", "=1+1", "”=1+1” är inte ett tal"),
        ("v", "NaN", "”NaN” är inte ett tal"),
        ("v", "1e400", "”1e400” är inte ett tal"),
        ("v", "12345678901234567890", "för stort"),
        ("v", "12\x00", "inte ett tal"),
        ("t", "99999999999999999999", "Målvärdet ”99999999999999999999” är för stort"),
    ],
)
def test_a_bad_value_on_the_entry_page_is_named_and_nothing_saved(
    client, staff, field, typed, message
):
    client.force_login(staff)
    data, pk = unchanged_value_entry(client)
    data[f"n-{pk}"] = ""
    data[f"{field}-{pk}"] = typed
    before = database_dump()

    response = client.post(reverse(VALUES[0], args=VALUES[1]), data)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert changed_tables(before, database_dump()) == []


def test_iu_without_a_footnote_on_the_entry_page_is_refused_and_nothing_saved(client, staff):
    client.force_login(staff)
    data, pk = unchanged_value_entry(client)
    data[f"v-{pk}"], data[f"n-{pk}"] = "I.U.", ""
    before = database_dump()

    response = client.post(reverse(VALUES[0], args=VALUES[1]), data)

    assert response.status_code == 400
    assert "Skriv i fotnoten varför uppgift saknas (I.U.)." in response.content.decode()
    assert changed_tables(before, database_dump()) == []


def test_negative_zero_is_stored_and_shown_as_zero(client, staff):
    client.force_login(staff)
    data, pk = unchanged_value_entry(client)
    data[f"v-{pk}"], data[f"n-{pk}"] = "-0,0", ""

    client.post(reverse(VALUES[0], args=VALUES[1]), data)

    stored = IndicatorValue.objects.get(series_id=pk, year=2023, month=8)
    assert stored.value == 0 and not stored.value.is_signed()
    assert stored.display == "0,0"


ASSESSMENTS = ("indicators:assessment-entry", ["AMN", 2023, 8])
GOAL = "God ekonomisk styrning"


def unchanged_assessments(client) -> tuple[dict[str, str], int]:
    response = client.get(reverse(ASSESSMENTS[0], args=ASSESSMENTS[1]))
    # Its suggestion is Uppnås: another level needs a reason.
    chosen = next(x for x in response.context["entry"].lines if x.goal.name == GOAL)
    return posted_assessments(response), chosen.goal.pk


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"level": "hackad"}, "Okänd bedömning ”hackad”."),
        ({"level": "delvis", "reason": ""}, "avviker från förslaget"),
    ],
)
def test_a_bad_målbedömning_is_named_and_nothing_saved(client, staff, changes, message):
    client.force_login(staff)
    data, pk = unchanged_assessments(client)
    for field, value in changes.items():
        data[f"{field}-{pk}"] = value
    before = database_dump()

    response = client.post(reverse(ASSESSMENTS[0], args=ASSESSMENTS[1]), data)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert changed_tables(before, database_dump()) == []


@pytest.mark.parametrize(
    ("status", "comment", "message"),
    [
        ("forsenad", "", "Skriv varför (försenad)."),
        ("avbruten", "", "Skriv varför (avbruten)."),
        ("klar<script>", "", "Okänd status ”klar<script>”."),
    ],
)
def test_a_bad_status_is_named_and_nothing_saved(client, staff, status, comment, message):
    client.force_login(staff)
    url = reverse("goals:status-entry", args=["AMN", 2023, 8])
    page = client.get(url)
    lines = page.context["entry"].lines
    data = page_form(page)
    data[f"s-{lines[0].field_name}"], data[f"c-{lines[0].field_name}"] = status, comment
    before = database_dump()

    response = client.post(url, data)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert "<script>" not in response.content.decode()
    assert changed_tables(before, database_dump()) == []


def test_the_dump_sees_the_smallest_change(amn):
    before = database_dump()
    value = IndicatorValue.objects.filter(value__isnull=False).first()
    IndicatorValue.objects.filter(pk=value.pk).update(value=value.value + 1)

    assert changed_tables(before, database_dump()) == ["indicators_indicatorvalue"]
