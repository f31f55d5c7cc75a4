"""The whole report flow in the browser: a controller imports the ledger with preview and
confirm, staff enter forecasts, indicator values and målbedömningar, the controller
publishes, and a nämnd member reads the report, downloads it as Excel and is refused the
draft and the admin."""

import pytest
from openpyxl import load_workbook

from amn.models import PublishedReport, ReportingPeriod
from budget.models import ImportStatus, LedgerImport
from tests.budget.ledger_files import write_xlsx

ASSISTANCE = "575 - Ekonomiskt bistånd"
HOUSEHOLDS = "Antal utbetalningshushåll, utfall per sista månad"
GOAL = "God ekonomisk styrning"


@pytest.fixture
def imports_in_the_request(settings, upload_dir):
    # The live server's threads share the test database; the file is read in the request.
    settings.LEDGER_IMPORT_IN_BACKGROUND = False


@pytest.fixture
def august_2023(demo) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee__code="AMN", year=2023, month=8)


def ledger_file(tmp_path):
    """January–August 2023: every month the delårsrapport covers."""
    lines = [[202300 + month, 4610, "", 575, "", "", 1_000_000 + month] for month in range(1, 9)]
    lines += [[202300 + month, 3010, "", 575, "", "", -50_000] for month in range(1, 9)]
    return write_xlsx(tmp_path / "huvudbok-jan-aug-2023.xlsx", lines)


def log_out(page):
    page.context.clear_cookies()


@pytest.mark.usefixtures("imports_in_the_request")
def test_from_ledger_to_a_published_report_a_member_reads_and_downloads(
    page, log_in, august_2023, tmp_path
):
    period = august_2023.pk
    # A controller imports the ledger: preview first, stored only on confirm.
    log_in("controller", "webb-controller")
    page.goto("/namnd/AMN/huvudbok/")
    page.set_input_files("input[type=file]", str(ledger_file(tmp_path)))
    page.click("text=Läs in och förhandsgranska")
    assert page.locator(".status-preview").inner_text() == "Förhandsgranskas"
    assert page.locator("table.preview tr", has_text=ASSISTANCE).first.is_visible()
    assert not LedgerImport.objects.filter(status=ImportStatus.ACTIVE).exists()
    page.click("text=Bekräfta och lagra")
    assert page.locator(".status-active").inner_text() == "Inläst"

    # Staff enter a forecast, an indicator value and a målbedömning.
    log_out(page)
    log_in("staff", "webb-forvaltning")
    page.goto(f"/namnd/AMN/prognos/{period}/")
    page.locator("tr", has_text=ASSISTANCE).locator("input[name^=amount-]").fill("312 000")
    page.click("text=Spara prognosen")
    assert "är sparad" in page.locator(".message.success").inner_text()
    page.goto("/namnd/AMN/indikatorer/mata-in/2023/8/")
    row = page.locator("tr", has_text=HOUSEHOLDS).first
    row.locator("input[name^=v-]").fill("2 111")
    page.click("text=Spara alla")
    assert page.locator(".message.success").inner_text().startswith("Sparat: 0 nya, 1 ändrade")
    page.goto("/namnd/AMN/malbedomningar/mata-in/2023/8/")
    goal = page.locator("fieldset", has_text=GOAL)
    goal.locator("textarea[name^=motivation-]").fill("Ekonomin är i balans efter augusti.")
    page.click("text=Spara alla")
    assert page.locator(".message.success").is_visible()

    # The controller sees that everything holds and publishes.
    log_out(page)
    log_in("controller", "webb-controller-2")
    page.goto(f"/namnd/AMN/rapport/{period}/")
    assert "Driftsammandraget stämmer mot huvudboken" in page.locator("#avstamning").inner_text()
    page.click("form.publish button")
    assert page.locator(".message.success").inner_text() == "Publicerad som version 1."
    assert "2\xa0111" in page.locator("tr", has_text=HOUSEHOLDS).first.inner_text()
    assert PublishedReport.objects.filter(period=august_2023).count() == 1

    # A nämnd member reads the published report and downloads it.
    log_out(page)
    log_in("member", "webb-ledamot")
    page.goto(f"/namnd/AMN/rapport/{period}/publicerad/")
    assert "Version 1" in page.locator(".report-bar").inner_text()
    assert "Ekonomin är i balans efter augusti." in page.locator("#mal").inner_text()
    with page.expect_download() as download:
        page.click(".downloads-line >> text=Excel")
    assert download.value.suggested_filename == "rapport-AMN-2023-08-v1.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = load_workbook(saved)
    assert any(name.startswith("Nämndindikatorer") for name in workbook.sheetnames)
    assert len(workbook.sheetnames) >= 6

    # … and never the draft or the admin.
    assert page.goto(f"/namnd/AMN/rapport/{period}/").status == 403
    page.goto("/admin/")
    assert "/admin/login/" in page.url


def test_without_the_ledger_the_draft_lists_what_is_left_and_publishing_is_off(
    page, log_in, august_2023
):
    log_in("controller")
    page.goto(f"/namnd/AMN/rapport/{august_2023.pk}/")

    checks = page.locator("#avstamning").inner_text()
    assert "Rapporten kan inte publiceras förrän detta är åtgärdat" in checks
    assert "kommer inte från någon importerad huvudbok" in checks
    assert page.locator("form.publish button").is_disabled()
