"""Text longer than its column is refused at its field with the limit, on every database:
PostgreSQL would answer with an error (a 500), SQLite would store it whole. The limit is
the model field's own."""

import html

from django.urls import reverse

from amn.models import PeriodKind, ReportingPeriod, ReportText, Section
from budget.models import (
    Forecast,
    ImportStatus,
    LedgerCodeMapping,
    LedgerDimension,
    LedgerLine,
    SummaryRow,
)
from budget.services.ledger_import import import_ledger_file
from indicators.models import Target
from tests.badinput.dump import changed_tables, database_dump
from tests.budget.ledger_files import write_xlsx
from tests.forms import page_form
from tests.indicators.test_round_trip import SURVEY, download, edited, upload_and_preview


def august_2023() -> ReportingPeriod:
    return ReportingPeriod.objects.get(
        committee__code="AMN", year=2023, month=8, kind=PeriodKind.INTERIM_2
    )


def limit(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def post_refused(client, url: str, data: dict) -> str:
    before = database_dump()

    response = client.post(url, data)

    assert response.status_code == 400
    assert changed_tables(before, database_dump()) == []
    return html.unescape(response.content.decode())


def test_a_section_heading_longer_than_its_column_is_refused_at_the_field(client, staff, amn):
    client.force_login(staff)
    url = reverse("reports:section", args=["AMN", august_2023().pk, Section.ASSESSMENT])
    data = page_form(client.get(url)) | {"title-ny0": "R" * 412, "body-ny0": "En text."}

    page = post_refused(client, url, data)

    expected = f"Högst {limit(ReportText, 'title')} tecken (du skrev 412)."
    assert f'<span class="field-error">{expected}</span>' in page


def test_a_target_text_longer_than_its_column_is_refused_at_the_field(client, staff, amn):
    client.force_login(staff)
    url = reverse("indicators:value-entry", args=["AMN", 2023, 8])
    shown = client.get(url)
    line = shown.context["entry"].lines[0]
    data = page_form(shown) | {line.name("t"): "Minst " + "x" * 406}

    page = post_refused(client, url, data)

    expected = f"Högst {limit(Target, 'text')} tecken (du skrev 412)."
    assert f'<span class="field-error">{expected}</span>' in page


def test_a_forecast_too_large_for_its_column_is_refused_at_the_field(client, staff, amn):
    client.force_login(staff)
    url = reverse("budget:forecast-entry", args=["AMN", august_2023().pk])
    shown = client.get(url)
    row = shown.context["sheet"].lines[0].row
    amount = Forecast._meta.get_field("amount")
    whole_digits = amount.max_digits - amount.decimal_places
    data = page_form(shown) | {"enhet": "kr", f"amount-{row.pk}": "9" * (whole_digits + 1)}

    page = post_refused(client, url, data)

    expected = f"Talet är för stort: högst {whole_digits} siffror före decimalkommat."
    assert f'<div class="error">{expected}' in page


def test_a_target_text_too_long_in_an_imported_file_is_refused_with_the_limit(
    client, controller, upload_dir
):
    client.force_login(controller)
    content = edited(
        download(client, "targets"),
        "Målvärden",
        {"Indikator": SURVEY, "Delserie": "Totalt", "År": 2024},
        "Målvärde",
        "Minst " + "x" * 406,
    )

    location = upload_and_preview(client, content, "malvarden.xlsx")

    [error] = client.get(location).context["outcome"].errors
    assert error.message == f"Högst {limit(Target, 'text')} tecken (du skrev 412)."


def test_ledger_codes_too_long_for_their_columns_refuse_the_file_and_name_each(amn, tmp_path):
    units = SummaryRow.objects.get(committee=amn, year=2023, label="Resultat nämndens enheter")
    LedgerCodeMapping.objects.create(
        committee=amn, year=2023, dimension=LedgerDimension.RESPONSIBILITY, code="8100", row=units
    )
    account = "4" * (limit(LedgerLine, "account") + 5)
    activity = "A" * (limit(LedgerLine, "activity") + 1)
    operation = "V" * (limit(LedgerLine, "operation_code") + 1)  # the line maps by its ansvar
    path = write_xlsx(
        tmp_path / "koder.xlsx",
        [
            [202308, account, "", 575, activity, "", 100],
            [202308, 4010, "8100", operation, "", "", 42],
        ],
    )
    before = database_dump()

    result = import_ledger_file(amn, path)

    assert result.status == ImportStatus.REFUSED
    where = "koder.xlsx, blad Utfall, rad"
    assert [error["text"] for error in result.errors] == [
        f"{where} 5, kolumn konto, värde ”{account}”: "
        f"högst {limit(LedgerLine, 'account')} tecken (du skrev {len(account)}).",
        f"{where} 5, kolumn aktivitet, värde ”{activity}”: "
        f"högst {limit(LedgerLine, 'activity')} tecken (du skrev {len(activity)}).",
        f"{where} 6, kolumn verksamhet, värde ”{operation}”: "
        f"högst {limit(LedgerLine, 'operation_code')} tecken (du skrev {len(operation)}).",
    ]
    assert [t for t in changed_tables(before, database_dump()) if "ledgerline" in t] == []
