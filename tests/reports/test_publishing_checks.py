"""Before a report is published the application reconciles it: the driftsammandrag agrees
with the imported ledger, every required comment is written, every section is ready.
Publishing is refused with the whole list otherwise."""

from decimal import Decimal

import pytest
from django.urls import reverse

from amn.models import PublishedReport, ReportingPeriod, Section, SectionPlan
from budget.models import Forecast, Measure, MonthlyAmount
from goals.models import AssignmentStatus, GoalAssessment


@pytest.fixture
def period(amn) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8)


def url(name: str, period: ReportingPeriod) -> str:
    return reverse(f"reports:{name}", args=["AMN", period.pk])


def publish(client, controller, period, note: str = ""):
    client.force_login(controller)
    return client.post(url("publish", period), {"note": note}, follow=True)


def test_months_without_an_imported_ledger_refuse_publishing(client, controller, period):
    response = publish(client, controller, period)

    page = response.content.decode()
    assert "Rapporten publicerades inte: 1 sak återstår." in page
    assert (
        "Utfallet för januari, februari, mars, april, maj, juni, juli och augusti 2023 kommer "
        "inte från någon importerad huvudbok" in page
    )
    assert not PublishedReport.objects.exists()


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_driftsammandrag_that_differs_from_the_ledger_refuses_publishing(
    client, controller, period
):
    amount = MonthlyAmount.objects.get(
        row__committee=period.committee,
        row__year=2023,
        row__label="575 - Ekonomiskt bistånd",
        measure=Measure.ACTUAL,
        month=3,
    )
    amount.amount += Decimal("0.01")  # changed by hand after the import
    amount.save()

    response = publish(client, controller, period)

    assert "(skillnad 0,01 kr)" in response.content.decode()
    assert not PublishedReport.objects.exists()


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_the_draft_shows_that_everything_holds_and_publishing_goes_through(
    client, controller, period
):
    client.force_login(controller)
    draft = client.get(url("draft", period)).content.decode()
    assert "Driftsammandraget stämmer mot huvudboken" in draft

    response = publish(client, controller, period)

    assert "Publicerad som version 1." in response.content.decode()


@pytest.fixture
def unfinished(period, staff):
    """A delayed uppdrag without its comment, a målbedömning without its motivation and a
    section whose writer has not marked it ready."""
    status = AssignmentStatus.objects.filter(period=period).first()
    status.status, status.comment = "forsenad", ""
    status.save()
    assessment = GoalAssessment.objects.filter(period=period).first()
    assessment.motivation = "  "
    assessment.save()
    SectionPlan.objects.create(period=period, section=Section.OUTLOOK, responsible=staff)
    return status, assessment


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_missing_comments_and_sections_not_ready_are_listed_together(
    client, controller, period, unfinished
):
    status, assessment = unfinished
    client.force_login(controller)
    draft = client.get(url("draft", period)).content.decode()
    response = publish(client, controller, period)

    page = response.content.decode()
    assert "3 saker återstår" in page
    assert f"{status.assignment}: status försenad men kommentar saknas." in page
    assert f"{assessment.goal.name}: motivering saknas." in page
    assert "Förväntad utveckling är inte markerat klart (ansvarig test-forvaltning)." in page
    assert "Rapporten kan inte publiceras förrän detta är åtgärdat" in draft
    assert 'disabled title="Åtgärda avstämningen först"' in draft
    assert not PublishedReport.objects.exists()


@pytest.mark.usefixtures("unfinished")
def test_each_area_on_the_draft_links_to_the_page_where_it_is_put_right(client, controller, period):
    Forecast.objects.filter(period=period).delete()
    client.force_login(controller)

    draft = client.get(url("draft", period)).content.decode()

    for where in (
        reverse("budget:ledger-imports", args=["AMN"]),
        reverse("budget:forecast-entry", args=["AMN", period.pk]),
        reverse("indicators:assessment-entry", args=["AMN", 2023, 8]),
        reverse("goals:status-entry", args=["AMN", 2023, 8]),
        reverse("reports:preparation", args=["AMN", period.pk]),
    ):
        assert f'<a href="{where}">Åtgärda</a>' in draft
