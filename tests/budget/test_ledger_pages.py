"""The controller's import flow in the browser: upload → preview → confirm, history, undo,
and the ledger lines behind a figure."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budget.models import (
    ImportProfile,
    ImportStatus,
    LedgerImport,
    Measure,
    MonthlyAmount,
    SummaryRow,
)
from tests.budget.ledger_files import write_xlsx
from tests.budget.profiles import PROFILE_POST, post_profile

ASSISTANCE = "575 - Ekonomiskt bistånd"


@pytest.fixture
def workbook(tmp_path):
    path = write_xlsx(
        tmp_path / "huvudbok-jan.xlsx",
        [
            [202301, 4610, "7100", 575, "", "", 1_000_000.50],
            [202301, 4620, "7100", 575, "", "", 500_000],
            [202301, 3010, "7200", 575, "", "", -200_000],
        ],
        total=1_300_000.50,
    )
    return SimpleUploadedFile(path.name, path.read_bytes())


def upload(client, workbook):
    return client.post(reverse("budget:ledger-imports", args=["AMN"]), {"file": workbook})


def january_assistance(amn) -> Decimal:
    return MonthlyAmount.objects.get(
        row__committee=amn, row__year=2023, row__label=ASSISTANCE, measure=Measure.ACTUAL, month=1
    ).amount


def test_a_controller_uploads_sees_the_preview_and_confirms(
    client, amn, controller, workbook, upload_dir
):
    stored_before = january_assistance(amn)
    client.force_login(controller)

    response = upload(client, workbook)

    ledger_import = LedgerImport.objects.get(file_name="huvudbok-jan.xlsx")
    assert response.status_code == 302
    assert response["Location"] == reverse("budget:ledger-import", args=["AMN", ledger_import.pk])
    assert ledger_import.status == ImportStatus.PREVIEW
    assert ledger_import.created_by == controller
    assert not list(upload_dir.iterdir())  # the upload is gone once read
    page = client.get(response["Location"]).content.decode()
    assert "Förhandsgranskas" in page
    assert "Utfall 2023" in page
    assert "1\u00a0300\u00a0001" in page  # new January amount in kr, rounded for display
    assert "Bekräfta och lagra" in page
    assert january_assistance(amn) == stored_before  # nothing stored before confirming

    client.post(reverse("budget:ledger-import-confirm", args=["AMN", ledger_import.pk]))

    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.ACTIVE
    assert january_assistance(amn) == Decimal("1300000.50")


def test_a_refused_file_lists_every_error_with_row_column_and_value(
    client, amn, controller, tmp_path, upload_dir
):
    path = write_xlsx(tmp_path / "trasig.xlsx", [[202301, 4610, "", 575, "", "", "tolv"]])
    client.force_login(controller)

    response = upload(client, SimpleUploadedFile(path.name, path.read_bytes()))

    page = client.get(response["Location"]).content.decode()
    assert "Filen lästes inte in: 1 fel" in page
    assert "Ingenting lagrades" in page
    assert '<td>Utfall</td><td class="num">5</td><td>G (Belopp)</td><td><code>tolv</code>' in page
    assert "beloppet är inte ett tal." in page
    assert "Bekräfta" not in page


def test_undo_from_the_history_restores_what_was_there(
    client, amn, controller, workbook, upload_dir
):
    stored_before = january_assistance(amn)
    client.force_login(controller)
    location = upload(client, workbook)["Location"]
    pk = LedgerImport.objects.get().pk
    client.post(reverse("budget:ledger-import-confirm", args=["AMN", pk]))

    response = client.post(reverse("budget:ledger-import-undo", args=["AMN", pk]), follow=True)

    assert "är ångrad" in response.content.decode()
    assert LedgerImport.objects.get().status == ImportStatus.UNDONE
    assert january_assistance(amn) == stored_before
    assert location.endswith(f"/huvudbok/{pk}/")


def test_discarding_a_preview_stores_nothing(client, amn, controller, workbook, upload_dir):
    stored_before = january_assistance(amn)
    client.force_login(controller)
    upload(client, workbook)
    pk = LedgerImport.objects.get().pk

    client.post(reverse("budget:ledger-import-discard", args=["AMN", pk]))

    assert LedgerImport.objects.get().status == ImportStatus.DISCARDED
    assert not LedgerImport.objects.get().lines.exists()
    assert january_assistance(amn) == stored_before


def test_the_history_names_who_when_file_checksum_lines_and_total(
    client, amn, controller, workbook, upload_dir, django_assert_max_num_queries
):
    client.force_login(controller)
    upload(client, workbook)
    ledger_import = LedgerImport.objects.get()
    client.post(reverse("budget:ledger-import-confirm", args=["AMN", ledger_import.pk]))

    with django_assert_max_num_queries(6):
        page = client.get(reverse("budget:ledger-imports", args=["AMN"])).content.decode()

    assert "huvudbok-jan.xlsx" in page
    assert "Inläst" in page
    assert "test-controller" in page
    assert ledger_import.checksum[:12] in page
    assert "1\u00a0300\u00a0000,50" in page


def test_the_history_and_preview_cost_the_same_queries_for_many_imports(
    client, amn, controller, tmp_path, upload_dir, django_assert_max_num_queries
):
    client.force_login(controller)
    for month in range(1, 6):
        path = write_xlsx(tmp_path / f"m{month}.xlsx", [[202300 + month, 4610, "", 575, "", "", 1]])
        upload(client, SimpleUploadedFile(path.name, path.read_bytes()))
    pk = LedgerImport.objects.first().pk

    with django_assert_max_num_queries(6):
        client.get(reverse("budget:ledger-imports", args=["AMN"]))
    with django_assert_max_num_queries(6):
        client.get(reverse("budget:ledger-import", args=["AMN", pk]))


def test_the_ledger_lines_behind_a_figure_are_grouped_by_konto_and_ansvar(
    client, amn, controller, workbook, upload_dir, django_assert_max_num_queries
):
    client.force_login(controller)
    upload(client, workbook)
    client.post(
        reverse("budget:ledger-import-confirm", args=["AMN", LedgerImport.objects.get().pk])
    )
    row = SummaryRow.objects.get(committee=amn, year=2023, label=ASSISTANCE)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("budget:ledger-lines", args=["AMN", 2023, 1, row.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("<td>3010</td><td>7200</td>") < page.index("<td>4610</td><td>7100</td>")
    assert "1\u00a0000\u00a0000,50" in page
    assert "−200\u00a0000,00" in page
    assert page.count("1\u00a0300\u00a0000,50") == 3  # figure, sum of lines, sum row
    assert "huvudbok-jan.xlsx" in page


def test_months_not_from_a_ledger_are_said_to_have_no_lines(client, amn, controller):
    row = SummaryRow.objects.get(committee=amn, year=2023, label=ASSISTANCE)
    client.force_login(controller)

    page = client.get(reverse("budget:ledger-lines", args=["AMN", 2023, 8, row.pk])).content
    page = page.decode()

    assert "Beloppen för månad 1, 2, 3, 4, 5, 6, 7, 8 kommer inte från en inläst huvudbok" in page


def test_staff_see_the_history_but_may_not_import(client, staff, workbook, upload_dir):
    client.force_login(staff)

    page = client.get(reverse("budget:ledger-imports", args=["AMN"]))
    response = upload(client, workbook)

    assert page.status_code == 200
    assert "Läs in en fil" not in page.content.decode()
    assert response.status_code == 403
    assert not LedgerImport.objects.exists()


def test_only_controllers_confirm_undo_or_discard(client, amn, controller, staff, workbook):
    client.force_login(controller)
    upload(client, workbook)
    pk = LedgerImport.objects.get().pk
    client.force_login(staff)

    for name in ("confirm", "undo", "discard"):
        response = client.post(reverse(f"budget:ledger-import-{name}", args=["AMN", pk]))
        assert response.status_code == 403
    assert LedgerImport.objects.get().status == ImportStatus.PREVIEW


@pytest.mark.parametrize(
    "name,args",
    [
        ("budget:ledger-imports", []),
        ("budget:ledger-lines", [2023, 8, 0]),
    ],
)
def test_nämnd_members_outsiders_and_anonymous_are_refused(
    client, member, outsider, amn, name, args
):
    if name == "budget:ledger-lines":
        args = [2023, 8, SummaryRow.objects.filter(committee=amn, year=2023).first().pk]
    url = reverse(name, args=["AMN", *args])

    assert client.get(url).status_code == 302  # to the login
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_another_nämnds_import_is_not_found(client, amn, controller, other_committee, superuser):
    other = LedgerImport.objects.create(committee=other_committee, file_name="x.xlsx", checksum="0")
    client.force_login(controller)

    response = client.get(reverse("budget:ledger-import", args=["AMN", other.pk]))

    assert response.status_code == 404


def test_a_get_cannot_confirm(client, controller, workbook, upload_dir):
    client.force_login(controller)
    upload(client, workbook)
    pk = LedgerImport.objects.get().pk

    response = client.get(reverse("budget:ledger-import-confirm", args=["AMN", pk]))

    assert response.status_code == 405
    assert LedgerImport.objects.get().status == ImportStatus.PREVIEW


def test_a_big_file_is_read_outside_the_request_while_the_page_shows_progress(
    client, amn, controller, workbook, upload_dir, settings, django_capture_on_commit_callbacks
):
    settings.LEDGER_IMPORT_IN_BACKGROUND = True
    client.force_login(controller)

    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, workbook)

    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == ImportStatus.READING
    assert len(callbacks) == 1  # the reading thread starts once the upload is committed
    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    # Read whole in its sandbox first: no share is known, so none is shown.
    assert '<progress aria-label="Inläsning">' in page
    assert "0 %" not in page
    LedgerImport.objects.filter(pk=ledger_import.pk).update(progress=40)
    page = client.get(response["Location"]).content.decode()
    assert 'value="40"' in page and "40 %" in page

    from budget.services.ledger_import import _read_and_clean_up

    _read_and_clean_up(ledger_import.pk)  # what the thread does

    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.PREVIEW
    assert ledger_import.upload_path == ""
    page = client.get(response["Location"]).content.decode()
    assert "refresh" not in page
    assert "Bekräfta och lagra" in page


def test_a_reading_whose_process_died_is_shown_as_stopped(client, amn, controller):
    from datetime import timedelta

    from django.utils import timezone

    ledger_import = LedgerImport.objects.create(committee=amn, file_name="x.xlsx", checksum="0")
    LedgerImport.objects.filter(pk=ledger_import.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    client.force_login(controller)

    page = client.get(reverse("budget:ledger-import", args=["AMN", ledger_import.pk])).content

    assert "Inläsningen avbröts" in page.decode()
    assert b"refresh" not in page


def test_a_controller_saves_an_import_profile_for_a_ledger_systems_own_headers(
    client, amn, controller, tmp_path, upload_dir
):
    path = write_xlsx(
        tmp_path / "raindance.xlsx",
        [["2023-01", "4610", "575", "12,50"]],
        headers=["Per", "Kto", "Vht", "Bel SEK"],
    )
    client.force_login(controller)
    refused = upload(client, SimpleUploadedFile(path.name, path.read_bytes()))
    assert "hittar ingen rubrikrad" in client.get(refused["Location"]).content.decode()

    post_profile(client, "AMN", **PROFILE_POST)
    profile = ImportProfile.objects.get(name="Raindance")
    response = client.post(
        reverse("budget:ledger-imports", args=["AMN"]),
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "profile": profile.pk},
    )

    assert profile.columns == {
        "period": "Per",
        "account": "Kto",
        "operation": "Vht",
        "actual": "Bel SEK",
    }
    assert LedgerImport.objects.get(pk=response["Location"].split("/")[-2]).status == "preview"


def test_staff_may_not_edit_import_profiles(client, staff):
    client.force_login(staff)

    response = client.post(reverse("budget:ledger-profiles", args=["AMN"]), {"name": "X"})

    assert response.status_code == 403
    assert not ImportProfile.objects.exists()


def test_the_driftsammandrag_costs_the_same_queries_however_many_months_and_years_stored(
    client, amn, controller, tmp_path
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from budget.services.ledger_import import import_ledger_file

    client.force_login(controller)
    url = reverse("budget:operating-summary", args=["AMN", 2023, 8])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    lines = [
        [year * 100 + month, 4610, "", code, "", "", month]
        for year in (2022, 2023)
        for month in range(1, 13)
        for code in (575, 470, 600)
    ]
    stored = import_ledger_file(amn, write_xlsx(tmp_path / "tre-ar.xlsx", lines))

    assert stored.status == ImportStatus.ACTIVE, stored.errors
    assert len(stored.months) == 24
    assert queries() == before


def test_the_upload_form_names_every_sie_type_the_import_reads(client, controller):
    client.force_login(controller)

    page = client.get(reverse("budget:ledger-imports", args=["AMN"])).content.decode()

    assert "SIE (typ 2, 3 och 4)" in page
