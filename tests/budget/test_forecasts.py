"""Staff enter the full-year forecast of every row for a period; auditors read how accurate
each period's forecast was."""

import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amn.forms import NOTHING_SAVED
from amn.models import PeriodKind, ReportingPeriod, ReportText, Section
from budget.models import Forecast, Measure, MonthlyAmount, SummaryRow

ASSISTANCE = "575 - Ekonomiskt bistånd"


@pytest.fixture
def august_2023(amn):
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8, kind=PeriodKind.INTERIM_2)


def entry_url(period) -> str:
    return reverse("budget:forecast-entry", args=["AMN", period.pk])


def rows_2023(amn):
    return list(
        SummaryRow.objects.filter(
            committee=amn, year=2023, kind__in=["row", "units"], in_full_year_table=True
        ).order_by("position")
    )


def form_data(amn, period, unit="tkr", **overrides) -> dict:
    data = {"enhet": unit, "analysis": "Analys."}
    for row in rows_2023(amn):
        stored = Forecast.objects.filter(row=row, period=period).first()
        data[f"amount-{row.pk}"] = (
            "" if stored is None else str(stored.amount / 1000).replace(".", ",")
        )
        data[f"comment-{row.pk}"] = stored.comment if stored else ""
    data["manifest"] = " ".join(data)  # the page shows every row
    data.update(overrides)
    return data


def assistance(amn) -> SummaryRow:
    return SummaryRow.objects.get(committee=amn, year=2023, label=ASSISTANCE)


def test_the_page_shows_every_row_with_budget_actual_and_the_stored_forecast(
    client, staff, amn, august_2023, django_assert_max_num_queries
):
    client.force_login(staff)

    with django_assert_max_num_queries(11):
        response = client.get(entry_url(august_2023) + "?enhet=mnkr")

    page = response.content.decode()
    assert response.status_code == 200
    for row in rows_2023(amn):
        assert row.label in page
    stored = Forecast.objects.get(row=assistance(amn), period=august_2023)
    assert f'value="{str(round(stored.amount / 1_000_000, 1)).replace(".", ",")}"' in page


def test_saving_stores_exact_kronor_from_swedish_input(client, staff, amn, august_2023):
    client.force_login(staff)
    row = assistance(amn)

    response = client.post(
        entry_url(august_2023),
        form_data(
            amn,
            august_2023,
            **{f"amount-{row.pk}": "\u2212250 123,456", f"comment-{row.pk}": "Färre hushåll."},
        ),
    )

    assert response.status_code == 302
    forecast = Forecast.objects.get(row=row, period=august_2023)
    assert forecast.amount == Decimal("-250123456")
    assert forecast.comment == "Färre hushåll."
    assert ReportText.objects.get(period=august_2023, section=Section.ECONOMY, title="").body == (
        "Analys."
    )


def test_a_large_deviation_without_a_comment_saves_nothing_and_says_why(
    client, staff, amn, august_2023
):
    amn.comment_threshold_amount = Decimal("1000000")
    amn.save()
    row = assistance(amn)
    before = list(Forecast.objects.order_by("pk").values_list("pk", "amount", "comment"))
    client.force_login(staff)

    response = client.post(
        entry_url(august_2023),
        form_data(
            amn,
            august_2023,
            unit="mnkr",
            **{f"amount-{row.pk}": "400", f"comment-{row.pk}": "", "analysis": "Ny text"},
        ),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "är större än nämndens gräns 1,0 mnkr: skriv en kommentar." in page
    assert NOTHING_SAVED in html.unescape(page)
    assert list(Forecast.objects.order_by("pk").values_list("pk", "amount", "comment")) == before
    assert not ReportText.objects.filter(body="Ny text").exists()


def test_a_percent_threshold_is_measured_against_the_full_year_budget(
    client, staff, amn, august_2023
):
    amn.comment_threshold_percent = Decimal("50")
    amn.save()
    row = assistance(amn)
    budget = sum(
        MonthlyAmount.objects.filter(row=row, measure=Measure.BUDGET).values_list(
            "amount", flat=True
        )
    )
    client.force_login(staff)
    near = str((budget * Decimal("1.4") / 1000).quantize(Decimal(1)))
    far = str((budget * Decimal("1.6") / 1000).quantize(Decimal(1)))

    accepted = client.post(
        entry_url(august_2023),
        form_data(amn, august_2023, **{f"amount-{row.pk}": near, f"comment-{row.pk}": ""}),
    )
    refused = client.post(
        entry_url(august_2023),
        form_data(amn, august_2023, **{f"amount-{row.pk}": far, f"comment-{row.pk}": ""}),
    )

    assert accepted.status_code == 302
    assert refused.status_code == 400
    assert "skriv en kommentar" in refused.content.decode()


def test_a_bad_number_is_refused_with_its_value_named(client, staff, amn, august_2023):
    row = assistance(amn)
    client.force_login(staff)

    response = client.post(
        entry_url(august_2023), form_data(amn, august_2023, **{f"amount-{row.pk}": "12,3,4"})
    )

    assert "”12,3,4” är inte ett belopp i tkr." in response.content.decode()


def test_a_new_period_starts_from_the_previous_periods_forecasts_and_text(
    client, staff, amn, august_2023
):
    october = ReportingPeriod.objects.create(
        committee=amn, year=2023, month=10, kind=PeriodKind.OCTOBER, title="Oktober 2023"
    )
    row = assistance(amn)
    august = Forecast.objects.get(row=row, period=august_2023)
    august.comment = "Från augusti."
    august.save()
    client.force_login(staff)

    page = client.get(entry_url(october) + "?enhet=kr").content.decode()

    assert "förifyllda från" in page
    assert f'value="{str(august.amount.quantize(Decimal(1))).replace("-", "−")}' in page.replace(
        "\u00a0", ""
    )
    assert "Från augusti." in page
    assert not Forecast.objects.filter(period=october).exists()  # only stored when saved


def test_saving_costs_the_same_queries_whatever_the_number_of_rows(
    client, staff, amn, august_2023, django_assert_max_num_queries
):
    client.force_login(staff)

    def queries_to_save() -> int:
        data = form_data(amn, august_2023)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(entry_url(august_2023), data)
        assert response.status_code == 302
        return len(queries)

    queries_to_save()  # the first save creates the analysis text
    before = queries_to_save()
    for position in range(50, 60):
        SummaryRow.objects.create(
            committee=amn, year=2023, position=position, label=f"Ny {position}"
        )

    assert queries_to_save() == before <= 20


def test_members_and_outsiders_cannot_enter_forecasts(client, member, outsider, august_2023):
    client.force_login(member)
    assert client.get(entry_url(august_2023)).status_code == 403
    client.force_login(outsider)
    assert client.get(entry_url(august_2023)).status_code == 404


def test_an_internbudget_has_no_forecast_page(client, staff, amn):
    budget = ReportingPeriod.objects.filter(committee=amn, kind=PeriodKind.BUDGET).first()
    client.force_login(staff)

    assert client.get(entry_url(budget)).status_code == 404


def test_the_accuracy_table_sets_each_forecast_against_the_bokslut(
    client, controller, amn, django_assert_max_num_queries
):
    row = assistance(amn)
    april = ReportingPeriod.objects.create(
        committee=amn, year=2023, month=4, kind=PeriodKind.INTERIM_1, title="Delår april 2023"
    )
    Forecast.objects.create(row=row, period=april, amount=Decimal("1100000"))
    MonthlyAmount.objects.filter(row__committee=amn, row__year=2023).delete()
    for month in range(1, 13):
        MonthlyAmount.objects.create(
            row=row, measure=Measure.ACTUAL, month=month, amount=Decimal("100000")
        )
    client.force_login(controller)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("budget:forecast-accuracy", args=["AMN", 2023]))

    page = response.content.decode()
    assert response.status_code == 200
    line = page[page.index(ASSISTANCE) :].split("</tr>")[0]
    # April: 1 100 tkr against a bokslut of 1 200 tkr: −100 tkr, −8,3 %.
    assert '<td class="num">1\u00a0100</td><td class="num">−100</td>' in line
    assert "−8,3 %" in line
    assert "1\u00a0200" in line
    assert "Året är inte avslutat" in page  # the other rows have no actuals


def test_members_cannot_read_the_accuracy_table(client, member):
    client.force_login(member)

    assert client.get(reverse("budget:forecast-accuracy", args=["AMN", 2023])).status_code == 403
