"""Indicator values and målvärden to Excel and back, as staff and controllers use it in the
browser: download → edit in Excel → upload → preview → Bekräfta."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from amn.models import Change, ChangeSource
from indicators.models import (
    Indicator,
    IndicatorKind,
    IndicatorValue,
    Origin,
    Series,
    Target,
    ValueKind,
)

SURVEY = "Andel positiva svar i brukarenkät, %"
VALUE_HEADERS = [
    "Typ",
    "Grupp",
    "Indikator",
    "Delserie",
    "År",
    "Månad",
    "Utfall/Prognos",
    "Värde",
    "Fotnot",
]


# --- Helpers: what a user does -------------------------------------------------------------


def url(name: str, *args) -> str:
    return reverse(f"indicators:round-trip-{name}", args=["AMN", *args])


def download(client, name: str = "workbook", **params) -> bytes:
    response = client.get(url(name), params)
    assert response.status_code == 200
    return response.content


def upload(client, content: bytes, file_name: str = "indikatorer.xlsx"):
    return client.post(url("upload"), {"file": SimpleUploadedFile(file_name, content)})


def upload_and_preview(client, content: bytes, file_name: str = "indikatorer.xlsx") -> str:
    response = upload(client, content, file_name)
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def page(client, location: str) -> str:
    return client.get(location).content.decode()


def token_of(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[1]


def checksum_shown(client, location: str) -> str:
    return client.get(location).context["stored"].checksum


def confirm(client, location: str, checksum: str | None = None):
    """Press Bekräfta on the preview at `location`, with the checksum the page shows."""
    checksum = checksum or checksum_shown(client, location)
    return client.post(url("confirm", token_of(location)), {"checksum": checksum})


def edited(content: bytes, sheet: str, where: dict, column: str, new) -> bytes:
    """The workbook with one cell changed: in the row of `sheet` matching `where`."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook[sheet]
    headers = [cell.value for cell in ws[1]]
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(headers, row, strict=False))
        if all(cells[key].value == value for key, value in where.items()):
            cells[column].value = new
            break
    else:
        raise AssertionError(f"no row {where} in {sheet}")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def with_rows(content: bytes, sheet: str, *rows: list) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    for row in rows:
        workbook[sheet].append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def workbook_of(headers: list, *rows: list) -> bytes:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def survey_total(year: int, month: int = 12) -> dict:
    return {"Indikator": SURVEY, "Delserie": "Totalt", "År": year, "Månad": month}


def stored_figures(amn) -> tuple[list, list]:
    values = IndicatorValue.objects.filter(series__indicator__committee=amn)
    targets = Target.objects.filter(series__indicator__committee=amn)
    return (
        sorted(values.values_list("pk", "value", "missing", "decimals", "note", "origin")),
        sorted(
            targets.values_list("pk", "kind", "comparison", "value", "decimals", "text", "note")
        ),
    )


def survey_value(amn, year: int, month: int = 12) -> IndicatorValue:
    return IndicatorValue.objects.get(
        series__indicator__committee=amn,
        series__indicator__name=SURVEY,
        series__label="Totalt",
        year=year,
        month=month,
        kind=ValueKind.OUTCOME,
    )


def survey_target(amn, year: int) -> Target:
    return Target.objects.get(
        series__indicator__committee=amn,
        series__indicator__name=SURVEY,
        series__label="Totalt",
        year=year,
    )


@pytest.fixture
def signed_in(client, controller, upload_dir):
    client.force_login(controller)
    return client


# --- Export --------------------------------------------------------------------------------


def test_the_values_download_has_real_numbers_and_iu_as_text(signed_in, amn):
    workbook = load_workbook(io.BytesIO(download(signed_in, "values")))
    ws = workbook["Indikatorvärden"]
    rows = list(ws.iter_rows())
    headers = [cell.value for cell in rows[0]]
    by_period = {
        (r[2].value, r[3].value, r[4].value, r[5].value): dict(zip(headers, r, strict=True))
        for r in rows[1:]
    }

    assert headers == VALUE_HEADERS
    assert len(rows) - 1 == IndicatorValue.objects.filter(series__indicator__committee=amn).count()
    value = by_period[(SURVEY, "Totalt", 2022, 12)]["Värde"]
    assert (value.data_type, value.value, value.number_format) == ("n", 88.9, "#,##0.0")
    assert by_period[(SURVEY, "Totalt", 2022, 12)]["År"].number_format == "0"
    missing = by_period[(SURVEY, "Totalt", 2023, 8)]
    assert (missing["Värde"].data_type, missing["Värde"].value) == ("s", "I.U.")
    assert missing["Fotnot"].value.startswith("Brukarundersökningen genomförs")


def test_the_targets_download_has_numbers_as_numbers_and_printed_targets_as_text(signed_in):
    ws = load_workbook(io.BytesIO(download(signed_in, "targets")))["Målvärden"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]

    assert rows[0] == ["Typ", "Grupp", "Indikator", "Delserie", "År", "Målvärde", "Fotnot"]
    assert ["Nämndindikator", None, SURVEY, "Totalt", 2024, 90, None] in rows
    printed = {row[5] for row in rows[1:] if isinstance(row[5], str)}
    assert {"Ska minska", "Ska öka", "≥ 0", "I.U."} <= printed


def test_a_download_can_be_limited_to_one_year(signed_in):
    ws = load_workbook(io.BytesIO(download(signed_in, "values", ar="2023")))["Indikatorvärden"]

    assert {row[4].value for row in ws.iter_rows(min_row=2)} == {2023}


def test_formula_looking_text_is_exported_as_text_never_as_formula(signed_in, amn):
    value = survey_value(amn, 2022)
    value.note = '=HYPERLINK("http://example.com","klicka")'
    value.save()

    ws = load_workbook(io.BytesIO(download(signed_in, "values")))["Indikatorvärden"]
    note = next(row[8] for row in ws.iter_rows(min_row=2) if row[8].value == value.note)
    csv_text = download(signed_in, "values", format="csv").decode("utf-8-sig")

    assert note.data_type == "s"
    assert "'=HYPERLINK" in csv_text  # Excel opens it as text
    assert "\n=HYPERLINK" not in csv_text and ";=HYPERLINK" not in csv_text


@pytest.mark.parametrize("name", ["values", "targets", "workbook"])
def test_a_download_takes_the_same_few_queries_however_many_rows(
    signed_in, amn, name, django_assert_max_num_queries
):
    # Session, user, nämnd, role, and one query per table.
    bound = 6 if name == "workbook" else 5
    with django_assert_max_num_queries(bound):
        download(signed_in, name)
    series = Series.objects.filter(indicator__committee=amn)[:40]
    IndicatorValue.objects.bulk_create(
        IndicatorValue(series=s, year=year, month=month, value=Decimal(month))
        for s in series
        for year in (2030, 2031)
        for month in range(1, 12)
    )
    Target.objects.bulk_create(
        Target(series=s, year=year, kind="number", value=Decimal(year))
        for s in series
        for year in range(2030, 2040)
    )

    with django_assert_max_num_queries(bound):
        download(signed_in, name)


# --- Import: the round trip ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "file_name"),
    [
        ("workbook", {}, "indikatorer.xlsx"),
        ("values", {"format": "csv"}, "indikatorvarden.csv"),
        ("targets", {"format": "csv"}, "malvarden.csv"),
    ],
)
def test_an_unchanged_download_imports_as_all_rows_unchanged_and_changes_nothing(
    signed_in, amn, name, params, file_name
):
    before = stored_figures(amn)
    content = download(signed_in, name, **params)

    preview = signed_in.get(upload_and_preview(signed_in, content, file_name))

    outcome = preview.context["outcome"]
    rows = outcome.new + outcome.changed + outcome.unchanged
    assert (outcome.new, outcome.changed, outcome.errors) == (0, 0, [])
    assert rows == sum(len(table.rows) for table in outcome.tables) > 100
    html = preview.content.decode()
    assert "Filen innehåller inga ändringar" in html
    assert "Oförändrad: " in html
    assert "Bekräfta" not in html
    assert stored_figures(amn) == before


def test_one_edited_value_and_target_are_previewed_and_stored_on_confirm(signed_in, amn):
    before = stored_figures(amn)
    content = download(signed_in)
    content = edited(content, "Indikatorvärden", survey_total(2022), "Värde", "91,0")
    content = edited(
        content,
        "Målvärden",
        {"Indikator": SURVEY, "Delserie": "Totalt", "År": 2024},
        "Målvärde",
        "≥ 92",
    )

    location = upload_and_preview(signed_in, content)
    preview = signed_in.get(location)

    outcome = preview.context["outcome"]
    assert (outcome.new, outcome.changed, outcome.errors) == (0, 2, [])
    changed = [row for table in outcome.tables for row in table.rows if row.status == "changed"]
    assert [(row.what, row.old, row.new) for row in changed] == [
        (f"{SURVEY} – Totalt, helår 2022, utfall", "88,9", "91,0"),
        (f"{SURVEY} – Totalt, 2024", "90", "≥ 92"),
    ]
    html = preview.content.decode()
    assert "Ändras: 88,9 → 91,0" in html
    assert "Ändras: 90 → ≥ 92" in html
    assert stored_figures(amn) == before  # nothing stored before Bekräfta

    response = confirm(signed_in, location)

    assert response.status_code == 302
    value, target = survey_value(amn, 2022), survey_target(amn, 2024)
    assert (value.value, value.decimals, value.origin) == (Decimal("91"), 1, Origin.EXCEL)
    assert value.note.startswith("Genomsnittligt resultat")  # the footnote is kept
    assert (target.kind, target.comparison, target.value) == ("bound", ">=", Decimal(92))
    after = stored_figures(amn)
    assert len(set(after[0]) - set(before[0])) == 1
    assert len(set(after[1]) - set(before[1])) == 1
    messages = page(signed_in, response["Location"])
    assert "är inläst: 0 nya, 2 ändrade och" in messages
    kept = Change.objects.filter(source=ChangeSource.IMPORT).order_by("pk")
    assert [(c.subject.split(" (")[0], c.old, c.new) for c in kept] == [
        (f"{SURVEY} – Totalt, helår 2022, utfall", "88,9", "91,0"),
        (f"{SURVEY} – Totalt, 2024", "90", "≥ 92"),
    ]


def test_a_numeric_cell_keeps_the_reported_decimals_of_an_unchanged_value(signed_in, amn):
    value = survey_value(amn, 2022)
    value.value, value.decimals = Decimal("89"), 1  # reported as "89,0"
    value.save()
    content = download(signed_in, "values")
    content = edited(content, "Indikatorvärden", survey_total(2022), "Värde", 89)
    content = edited(content, "Indikatorvärden", survey_total(2021, 8), "Värde", 77.25)

    location = upload_and_preview(signed_in, content)
    confirm(signed_in, location)

    assert survey_value(amn, 2022).decimals == 1
    changed = survey_value(amn, 2021, 8)
    assert (changed.value, changed.decimals) == (Decimal("77.25"), 2)


def test_new_rows_for_known_series_are_added(signed_in, amn):
    content = with_rows(
        download(signed_in),
        "Indikatorvärden",
        ["Nämndindikator", None, SURVEY, "Totalt", 2024, 8, "Utfall", "90,5", None],
    )

    location = upload_and_preview(signed_in, content)
    html = page(signed_in, location)
    confirm(signed_in, location)

    assert "Ny: 90,5" in html
    added = survey_value(amn, 2024, 8)
    assert (added.value, added.decimals, added.origin) == (Decimal("90.5"), 1, Origin.EXCEL)


def test_iu_with_a_footnote_round_trips(signed_in, amn):
    reason = "Enkäten genomfördes inte 2022."
    content = edited(download(signed_in), "Indikatorvärden", survey_total(2022), "Värde", "I.U.")
    content = edited(content, "Indikatorvärden", survey_total(2022), "Fotnot", reason)

    confirm(signed_in, upload_and_preview(signed_in, content))

    value = survey_value(amn, 2022)
    assert (value.missing, value.value, value.note) == (True, None, reason)
    again = download(signed_in)
    ws = load_workbook(io.BytesIO(again))["Indikatorvärden"]
    row = next(r for r in ws.iter_rows(min_row=2) if (r[2].value, r[4].value) == (SURVEY, 2022))
    assert (row[7].data_type, row[7].value, row[8].value) == ("s", "I.U.", reason)
    outcome = signed_in.get(upload_and_preview(signed_in, again)).context["outcome"]
    assert (outcome.new, outcome.changed) == (0, 0)


def test_changing_a_value_fetched_from_kolada_is_allowed_and_shown(signed_in, amn):
    IndicatorValue.objects.filter(pk=survey_value(amn, 2022).pk).update(origin=Origin.KOLADA)
    content = edited(download(signed_in), "Indikatorvärden", survey_total(2022), "Värde", 90)

    location = upload_and_preview(signed_in, content)
    html = page(signed_in, location)
    confirm(signed_in, location)

    assert "Ändras: 88,9 → 90" in html
    assert "värdet hämtades från Kolada och ersätts" in html
    assert survey_value(amn, 2022).origin == Origin.EXCEL


# --- Import: errors ------------------------------------------------------------------------


def excel_row_of(content: bytes, sheet: str, where: dict) -> int:
    ws = load_workbook(io.BytesIO(content))[sheet]
    headers = [cell.value for cell in ws[1]]
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        cells = dict(zip(headers, row, strict=False))
        if all(cells[key] == value for key, value in where.items()):
            return number
    raise AssertionError(f"no row {where} in {sheet}")


@pytest.mark.parametrize(
    ("column", "cell", "wrong_column", "shown", "message"),
    [
        ("Värde", "88,12345", "Värde", "88,12345", "Talet har fler än 4 decimaler."),
        ("Värde", "många", "Värde", "många", "Inte ett tal. Skriv ett tal som 88,9 eller I.U."),
        ("Värde", "I.U.", "Fotnot", "", "Värdet är I.U. (ingen uppgift): skriv i Fotnot varför"),
        ("Månad", 13, "Månad", "13", "Månaden ska vara ett heltal 1–12 (12 är helår)."),
        ("Typ", "Nyckeltal", "Typ", "Nyckeltal", "Okänd typ. Skriv Nämndindikator, Volymmått"),
        ("Delserie", "Ungdomar", "Delserie", "Ungdomar", "Indikatorn har ingen sådan delserie."),
    ],
)
def test_a_bad_row_among_good_rows_stores_nothing_and_names_row_column_and_value(
    signed_in, amn, column, cell, wrong_column, shown, message
):
    before = stored_figures(amn)
    content = download(signed_in, "values")
    content = edited(content, "Indikatorvärden", survey_total(2021, 8), "Värde", 70)
    bad_row = survey_total(2022)
    excel_row = excel_row_of(content, "Indikatorvärden", bad_row)
    content = edited(content, "Indikatorvärden", bad_row, "Fotnot", None)
    content = edited(content, "Indikatorvärden", bad_row, column, cell)

    location = upload_and_preview(signed_in, content, "värden.xlsx")
    preview = signed_in.get(location)

    [error] = preview.context["outcome"].errors
    assert (error.file, error.row, error.column, error.value) == (
        "värden.xlsx",
        excel_row,
        wrong_column,
        shown,
    )
    assert error.message.startswith(message)
    html = preview.content.decode()
    assert (
        f'<td class="num">{excel_row}</td><td>{wrong_column}</td><td><code>{shown}</code></td>'
        in html
    )
    assert "Bekräfta" not in html

    response = confirm(signed_in, location)  # even a forced confirm stores nothing

    assert response.status_code == 400
    assert "Ingenting lagrades" in response.content.decode()
    assert stored_figures(amn) == before


def test_an_indicator_of_another_committee_is_refused(signed_in, amn, other_committee):
    theirs = Indicator.objects.create(
        committee=other_committee, kind=IndicatorKind.INDICATOR, name="Behörighet till gymnasiet"
    )
    Series.objects.create(indicator=theirs, label="Totalt")
    content = with_rows(
        download(signed_in, "values"),
        "Indikatorvärden",
        ["Nämndindikator", None, theirs.name, "Totalt", 2023, 12, "Utfall", 80, None],
    )

    preview = signed_in.get(upload_and_preview(signed_in, content))

    [error] = preview.context["outcome"].errors
    assert (error.column, error.value) == ("Indikator", theirs.name)
    assert error.message.startswith("Arbetsmarknadsnämnden har ingen indikator")
    assert not IndicatorValue.objects.filter(series__indicator=theirs).exists()


def test_the_same_row_twice_is_refused(signed_in, amn):
    content = with_rows(
        download(signed_in, "values"),
        "Indikatorvärden",
        ["Nämndindikator", None, SURVEY, "Totalt", 2022, 12, "Utfall", 95, None],
    )

    preview = signed_in.get(upload_and_preview(signed_in, content))

    [error] = preview.context["outcome"].errors
    assert "samma indikator, delserie, år, månad och utfall/prognos som rad" in error.message


def test_a_failure_at_confirmation_stores_nothing_and_shows_the_errors(signed_in, amn):
    content = edited(download(signed_in), "Indikatorvärden", survey_total(2022), "Värde", 91)
    content = edited(
        content,
        "Målvärden",
        {"Indikator": SURVEY, "Delserie": "Bemötande", "År": 2024},
        "Målvärde",
        95,
    )
    location = upload_and_preview(signed_in, content)
    Series.objects.filter(indicator__name=SURVEY, label="Bemötande").delete()  # meanwhile

    response = confirm(signed_in, location)

    html = response.content.decode()
    assert response.status_code == 400
    assert "lästes inte in. Ingenting lagrades." in html
    assert "Indikatorn har ingen sådan delserie" in html
    assert survey_value(amn, 2022).value == Decimal("88.9")


# --- Import: refused files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "file_name", "reason"),
    [
        (b"", "tom.xlsx", "tom.xlsx: filen är tom."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bild.xlsx", "varken en Excel-fil"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "gammal.xls", "det gamla Excel"),
        (b"Typ;Indikator;Delserie\r\nNamndindikator;X;Totalt\r\n", "fel.csv", "saknar kolumnerna"),
        ("Rubrik utan tabell: åäö\r\n".encode("cp1252"), "text.csv", "hittar ingen rubrikrad"),
        (workbook_of(VALUE_HEADERS), "tom-tabell.xlsx", "filen har inga rader under rubrikraden"),
    ],
)
def test_files_that_are_not_an_indicator_table_are_refused(
    signed_in, upload_dir, content, file_name, reason
):
    response = upload(signed_in, content, file_name)

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not list((upload_dir / "indikatorer").glob("*.upload"))


def test_the_refusal_names_the_missing_columns(signed_in):
    content = workbook_of(["Typ", "Grupp", "Indikator", "Delserie", "År", "Värde"], [])

    response = upload(signed_in, content, "utan-manad.xlsx")

    assert (
        "utan-manad.xlsx: bladet Sheet saknar kolumnerna Månad, Utfall/Prognos, Fotnot"
        in response.content.decode()
    )


def test_a_file_over_the_size_limit_is_refused(signed_in, settings):
    settings.INDICATOR_IMPORT_MAX_BYTES = 1_000

    response = upload(signed_in, download(signed_in, "values"))

    assert response.status_code == 400
    assert "gränsen är" in response.content.decode()


def test_confirm_imports_only_the_file_that_was_previewed(signed_in, amn, upload_dir):
    content = edited(download(signed_in), "Indikatorvärden", survey_total(2022), "Värde", 91)
    location = upload_and_preview(signed_in, content)
    checksum = checksum_shown(signed_in, location)
    [stored] = (upload_dir / "indikatorer").glob("*.upload")
    stored.write_bytes(
        edited(download(signed_in), "Indikatorvärden", survey_total(2022), "Värde", 1)
    )

    response = confirm(signed_in, location, checksum)

    assert response.status_code == 302
    assert "filen har ändrats sedan den laddades upp" in page(signed_in, response["Location"])
    assert survey_value(amn, 2022).value == Decimal("88.9")


def test_discarding_a_preview_removes_the_file_and_stores_nothing(signed_in, amn, upload_dir):
    content = edited(download(signed_in), "Indikatorvärden", survey_total(2022), "Värde", 91)
    location = upload_and_preview(signed_in, content)

    signed_in.post(url("discard", token_of(location)))

    assert not list((upload_dir / "indikatorer").iterdir())
    assert signed_in.get(location).status_code == 404
    assert survey_value(amn, 2022).value == Decimal("88.9")


# --- Who may ---------------------------------------------------------------------------------


EXPORTS = ["workbook", "values", "targets", "upload"]


@pytest.mark.parametrize("name", EXPORTS)
def test_staff_may_use_every_page(client, staff, name):
    client.force_login(staff)

    assert client.get(url(name)).status_code == 200


@pytest.mark.parametrize("name", EXPORTS)
def test_members_get_403_and_outsiders_404(client, member, outsider, name):
    client.force_login(member)
    assert client.get(url(name)).status_code == 403
    client.force_login(outsider)
    assert client.get(url(name)).status_code == 404


def test_an_upload_belongs_to_its_uploader(
    client, amn, controller, staff, member, outsider, upload_dir
):
    client.force_login(controller)
    content = edited(download(client), "Indikatorvärden", survey_total(2022), "Värde", 91)
    location = upload_and_preview(client, content)
    token = token_of(location)

    client.force_login(staff)
    assert client.get(location).status_code == 404
    assert client.post(url("confirm", token), {"checksum": "x"}).status_code == 404
    client.force_login(member)
    assert client.get(location).status_code == 403
    assert client.post(url("confirm", token)).status_code == 403
    client.force_login(outsider)
    assert client.get(location).status_code == 404
    assert client.post(url("confirm", token)).status_code == 404
    assert survey_value(amn, 2022).value == Decimal("88.9")
