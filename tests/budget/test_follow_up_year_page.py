"""The year page: a controller starts the year from the adopted internbudget and chooses
how its budget is spread over the months."""

from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amn.models import CommitteeMembership, Role
from budget.models import Measure, MonthlyAmount, SummaryRow, YearAmount
from tests.budget.year_factories import internal_budget, monthly, new_committee, summary_row
from tests.forms import page_form

MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def kfn(db):
    return new_committee()


@pytest.fixture
def kfn_controller(kfn, django_user_model):
    user = django_user_model.objects.create_user("kfn-controller")
    CommitteeMembership.objects.create(user=user, committee=kfn, role=Role.CONTROLLER)
    return user


def year_url(name: str, year: int = 2025) -> str:
    return reverse(f"budget:{name}", args=["KFN", year])


def key_file(rows: list[list], name: str = "nyckel.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Nyckel"
    sheet.append(["Rad", *MONTHS])
    for row in rows:
        sheet.append(row)
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def months_of(row: SummaryRow) -> list[Decimal]:
    return list(
        MonthlyAmount.objects.filter(row=row, measure=Measure.BUDGET)
        .order_by("month")
        .values_list("amount", flat=True)
    )


def test_a_controller_starts_the_year_on_the_page(client, kfn, kfn_controller):
    internal_budget(kfn, 2025, [("Ledning", "100", "1200.00", []), ("Stöd", "200", "600", [])])
    client.force_login(kfn_controller)
    page = client.get(year_url("year"))
    assert "Starta 2025" in page.content.decode()
    data = page_form(page, action=year_url("year-start"))
    data["key"] = "even"
    response = client.post(year_url("year-start"), data, follow=True)
    html = response.content.decode()
    assert "KFN 2025 startat ur Internbudget 2025 (KFN 2023-11-20 § 50)." in html
    assert "Periodiserad budget 2025" in html
    row = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="100")
    assert months_of(row) == [Decimal(100)] * 12


def test_an_uploaded_key_spreads_each_row_by_its_weights(client, kfn, kfn_controller):
    internal_budget(kfn, 2025, [("Ledning", "100", "1200.00", []), ("Stöd", "200", "600", [])])
    client.force_login(kfn_controller)
    page = client.get(year_url("year"))
    data = page_form(page, action=year_url("year-start"))
    data["key"] = "uploaded"
    data["key_file"] = key_file(
        [[100, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], ["Alla rader", *[1] * 12]]
    )
    response = client.post(year_url("year-start"), data)
    assert response.status_code == 302
    ledning = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="100")
    stod = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="200")
    assert months_of(ledning) == [Decimal(200)] + [Decimal(100)] * 10 + [Decimal(0)]
    assert months_of(stod) == [Decimal(50)] * 12
    assert YearAmount.objects.get(row=ledning).key == "uploaded"


def test_a_bad_key_file_is_refused_whole_naming_the_cell(client, kfn, kfn_controller):
    internal_budget(kfn, 2025, [("Ledning", "100", "1200.00", [])])
    client.force_login(kfn_controller)
    page = client.get(year_url("year"))
    data = page_form(page, action=year_url("year-start"))
    data["key"] = "uploaded"
    data["key_file"] = key_file([[100, 1, 1, "mycket", *[1] * 9]])
    response = client.post(year_url("year-start"), data)
    assert response.status_code == 400
    assert "nyckel.xlsx, blad Nyckel, rad 2, kolumn D (mars): ”mycket” är inget tal." in (
        response.content.decode()
    )
    assert not SummaryRow.objects.filter(committee=kfn).exists()


def test_a_key_the_rows_cannot_take_changes_nothing_and_says_why(client, kfn, kfn_controller):
    old = summary_row(kfn, 2024, 1, "100")
    monthly(old, Measure.ACTUAL, [10] * 12)
    internal_budget(kfn, 2025, [("Ledning", "100", "1200.00", [old]), ("Nytt", "300", "12", [])])
    client.force_login(kfn_controller)
    data = page_form(client.get(year_url("year")), action=year_url("year-start"))
    client.post(year_url("year-start"), {**data, "key": "even"})
    page = client.get(year_url("year"))
    data = page_form(page, action=year_url("year-keys"))
    data["all"] = "previous-year"
    response = client.post(year_url("year-keys"), data)
    assert response.status_code == 400
    assert "Raden 300 - Nytt: raden har ingen motsvarande rad föregående år." in (
        response.content.decode()
    )
    row = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="100")
    assert YearAmount.objects.get(row=row).key == "even"
    # For the row that has last year's months, the key is taken.
    data = page_form(client.get(year_url("year")), action=year_url("year-keys"))
    data[f"key-{row.pk}"] = "previous-year"
    assert client.post(year_url("year-keys"), data).status_code == 302
    assert YearAmount.objects.get(row=row).key == "previous-year"


def test_a_post_lacking_a_shown_key_is_refused_whole(client, kfn, kfn_controller):
    internal_budget(kfn, 2025, [("Ledning", "100", "1200.00", [])])
    client.force_login(kfn_controller)
    data = page_form(client.get(year_url("year")), action=year_url("year-start"))
    client.post(year_url("year-start"), {**data, "key": "even"})
    data = page_form(client.get(year_url("year")), action=year_url("year-keys"))
    row = SummaryRow.objects.get(committee=kfn, year=2025)
    del data[f"key-{row.pk}"]
    data["all"] = "ledger"
    response = client.post(year_url("year-keys"), data)
    assert response.status_code == 400
    assert "Formuläret kom inte fram helt" in response.content.decode()


def test_the_key_download_is_the_periodised_budget(client, amn, controller):
    client.force_login(controller)
    response = client.get(reverse("budget:year-key-xlsx", args=["AMN", 2024]))
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "575"]
    assert sum(Decimal(str(v)) for v in rows[0][1:]) == Decimal("323040000")


@pytest.mark.parametrize("posts", [2, 20])
def test_the_page_costs_the_same_queries_for_few_and_many_rows(
    client, kfn, kfn_controller, posts, django_assert_max_num_queries
):
    internal_budget(kfn, 2025, [(f"Post {n}", str(100 + n), "1200", []) for n in range(posts)])
    client.force_login(kfn_controller)
    data = page_form(client.get(year_url("year")), action=year_url("year-start"))
    client.post(year_url("year-start"), {**data, "key": "even"})
    with django_assert_max_num_queries(14):
        response = client.get(year_url("year"))
    assert response.content.decode().count('scope="row"') >= posts
    with django_assert_max_num_queries(10):
        assert client.get(year_url("year-key-xlsx")).status_code == 200


def test_an_uploaded_key_for_all_rows_spreads_every_row_at_the_start(client, kfn, kfn_controller):
    internal_budget(kfn, 2025, [("Ledning", "100", "1300.00", []), ("Stöd", "200", "130", [])])
    client.force_login(kfn_controller)
    data = page_form(client.get(year_url("year")), action=year_url("year-start"))
    data["key"] = "uploaded"
    data["key_file"] = key_file([["Alla rader", 2, *[1] * 11]])
    assert client.post(year_url("year-start"), data).status_code == 302
    stod = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="200")
    assert months_of(stod) == [Decimal(20)] + [Decimal(10)] * 11


def test_a_row_the_uploaded_key_does_not_name_is_refused_at_the_start(client, kfn, kfn_controller):
    internal_budget(kfn, 2025, [("Ledning", "100", "1200.00", []), ("Stöd", "200", "600", [])])
    client.force_login(kfn_controller)
    data = page_form(client.get(year_url("year")), action=year_url("year-start"))
    data["key"] = "uploaded"
    data["key_file"] = key_file([[100, *[1] * 12]])
    response = client.post(year_url("year-start"), data)
    assert response.status_code == 400
    assert "Raden 200 - Stöd: den uppladdade nyckeln har ingen rad för den." in (
        response.content.decode()
    )
    assert not SummaryRow.objects.filter(committee=kfn).exists()
