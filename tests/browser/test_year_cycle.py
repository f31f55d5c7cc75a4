"""The year cycle in the browser: an administrator sets up a new nämnd from the Excel
template, a controller makes its internbudget, checks it against the KF frame, adopts it,
starts the year, imports the ledger for January, and the driftsammandrag shows budget,
actual and deviation."""

import io

import pytest
from openpyxl import load_workbook

from amn.models import Committee, CommitteeMembership, Role
from tests.browser.conftest import PASSWORD
from tests.budget.ledger_files import write_xlsx
from tests.organisation.workbooks import FILLED, fill

ASSISTANCE = "575 - Ekonomiskt bistånd"


@pytest.fixture
def imports_in_the_request(settings, upload_dir):
    settings.LEDGER_IMPORT_IN_BACKGROUND = False


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/logga-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def submit(page, button: str) -> None:
    """Click the button and wait for the page the post answers with."""
    with page.expect_navigation():
        page.click(f"button:has-text('{button}')")


def cell(page, label: str):
    return page.get_by_label(label, exact=True)


@pytest.mark.usefixtures("imports_in_the_request")
def test_a_new_nämnd_from_template_to_its_first_followed_up_month(
    page, demo, django_user_model, tmp_path
):
    django_user_model.objects.create_superuser("webb-admin", password=PASSWORD)
    controller = django_user_model.objects.create_user("webb-soc-controller", password=PASSWORD)

    # The administrator downloads the empty template, fills it in and uploads it.
    sign_in(page, "webb-admin")
    page.goto("/organisation/")
    template = page.request.get("/organisation/mall.xlsx")
    assert template.ok
    workbook = fill(load_workbook(io.BytesIO(template.body())), FILLED)
    filled = tmp_path / "socialnamnden.xlsx"
    workbook.save(filled)
    upload = page.locator("form[action$='/organisation/ladda-upp/']")
    upload.locator("input[type=file]").set_input_files(str(filled))
    with page.expect_navigation():
        upload.locator("button[type=submit]").click()
    assert "SOC" in page.locator("main").inner_text()
    committee = Committee.objects.get(code="SOC")
    # Who does what in the nämnd is given in the admin.
    CommitteeMembership.objects.create(user=controller, committee=committee, role=Role.CONTROLLER)

    # The controller starts the internbudget 2026 from the 2025 rows.
    sign_in(page, "webb-soc-controller")
    page.goto("/namnd/SOC/internbudget/")
    page.fill("input[name=year]", "2026")
    page.fill("input[name=plan_years]", "1")
    submit(page, "Starta internbudget")
    page.wait_for_url("**/internbudget/2026/1/")
    assert cell(page, "Budget 2025, Ekonomiskt bistånd (tkr)").input_value() == "95\xa0000"

    # The KF frame is 100 000 tkr: the posts add up to less, and the page says so.
    cell(page, "Budgetram enligt KF 2026 (tkr)").fill("100 000")
    submit(page, "Spara internbudgeten")
    assert "under ramen" in page.locator("main").inner_text()
    page.fill("input[name=decision]", "SOC 2025-11-20 § 12")
    submit(page, "Anta internbudgeten")
    assert "Internbudgeten antogs inte." in page.locator(".messages").inner_text()

    # Raised to the frame to the öre, it is adopted with the nämnd's decision.
    cell(page, "Budget 2026, Ekonomiskt bistånd (tkr)").fill("98 499,99925")
    submit(page, "Spara internbudgeten")
    assert "under ramen" not in page.locator("main").inner_text()
    page.fill("input[name=decision]", "SOC 2025-11-20 § 12")
    submit(page, "Anta internbudgeten")
    assert "är antagen (SOC 2025-11-20 § 12)" in page.locator(".messages").inner_text()

    # The year is started from it with even twelfths.
    page.goto("/namnd/SOC/ar/2026/")
    page.select_option("select[name=key]", "even")
    submit(page, "Starta 2026")
    assert "SOC 2026 startat ur" in page.locator(".messages").inner_text()
    assert "Delårsrapport per den 31 augusti 2026" in page.locator("main").inner_text()

    # January's ledger export, with the verksamhet codes of 2025, imports at once.
    lines = [[202601, 4610, "", 575, "", "", 8_000_000], [202601, 4010, "", 470, "", "", 90_000]]
    ledger = write_xlsx(tmp_path / "huvudbok-jan-2026.xlsx", lines, titles=["Utfall 2026"])
    page.goto("/namnd/SOC/huvudbok/")
    page.set_input_files("input[type=file]", str(ledger))
    submit(page, "Läs in och förhandsgranska")
    submit(page, "Bekräfta och lagra")
    assert page.locator(".status-active").inner_text() == "Inläst"

    # The driftsammandrag: budget (a twelfth), actual and deviation, in tkr.
    page.goto("/namnd/SOC/driftsammandrag/2026/1/")
    row = page.locator("tr", has_text=ASSISTANCE).first.inner_text()
    assert "8\xa0000" in row  # actual
    assert "8\xa0208" in row  # budget: 98 499 999,25 kr / 12
    assert "208" in row.replace("8\xa0208", "")  # deviation
    to_date = page.locator("tr", has_text="Summa nettokostnader").first.inner_text()
    assert to_date.split("\t")[1:4] == ["8\xa0090", "8\xa0333", "243"]
    full_year_table = page.locator("table", has_text="Budget helår 2026")
    full_year = full_year_table.locator("tr", has_text="Summa nettokostnader").first.inner_text()
    assert "100\xa0000" in full_year  # budget helår: the frame
