"""Every entry page posts a manifest of the inputs it showed. A post that lost any of them
(only the CSRF token, one field cut off, no manifest) is refused whole and changes nothing;
an input posted empty is an explicit deletion, and the confirmation counts it; what the
page did not show stays as it is."""

import datetime
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from amn.forms import INCOMPLETE, MANIFEST
from amn.models import Committee, PeriodKind, ReportingPeriod, ReportText, Section, SectionPlan
from budget.models import Forecast, ImportProfile
from goals.models import ActivityStatus, AssignmentStatus, GoalAssessment, InternalControlStatus
from indicators.models import IndicatorValue, Series, ValueKind
from tests.badinput.dump import changed_tables, database_dump
from tests.forms import page_form


def august_2023() -> ReportingPeriod:
    return ReportingPeriod.objects.get(
        committee__code="AMN", year=2023, month=8, kind=PeriodKind.INTERIM_2
    )


def clear_value(response, data: dict) -> None:
    line = next(line for line in response.context["entry"].lines if line.stored[0])
    data[line.name("v")] = data[line.name("n")] = ""


def clear_assessment(response, data: dict) -> None:
    line = next(line for line in response.context["entry"].lines if line.stored_level)
    data[line.name("level")] = ""


def clear_status(response, data: dict) -> None:
    line = next(x for x in response.context["entry"].lines if x.status and not x.prefilled_from)
    data[f"s-{line.field_name}"] = data[f"c-{line.field_name}"] = ""


def clear_forecast(response, data: dict) -> None:
    line = next(x for x in response.context["sheet"].lines if x.amount and not x.prefilled)
    data[f"amount-{line.row.pk}"] = ""


def clear_text(response, data: dict) -> None:
    slot = next(slot for slot in response.context["slots"] if slot.pk)
    data[f"title-{slot.key}"] = data[f"body-{slot.key}"] = ""


def own_profile_url() -> str:
    amn = Committee.objects.get(code="AMN")
    profile, _ = ImportProfile.objects.get_or_create(
        municipality=amn.municipality,
        name="Raindance",
        defaults={
            "committee": amn,
            "description": "Export ur Raindance",
            "columns": {"account": "Kto"},
        },
    )
    return reverse("budget:ledger-profile", args=["AMN", profile.pk])


def clear_description(response, data: dict) -> None:
    data["description"] = ""


def planned_report_url() -> str:
    SectionPlan.objects.get_or_create(
        period=august_2023(),
        section=Section.ASSESSMENT,
        defaults={"deadline": datetime.date(2023, 9, 15)},
    )
    return reverse("reports:preparation", args=["AMN", august_2023().pk])


def internal_budget_draft_url() -> str:
    """A draft internbudget: the revision of the adopted 2024 version, with every post."""
    from budget.models import InternalBudget
    from budget.services.internal_budget_work import revise_internal_budget

    budget = InternalBudget.objects.filter(committee__code="AMN", year=2024).first()
    if budget.is_adopted:
        budget = revise_internal_budget(budget, None)
    return reverse("budget:internal-budget", args=["AMN", budget.year, budget.version])


def clear_internal_budget_amount(response, data: dict) -> None:
    line = next(x for x in response.context["grid"] if x.kind == "post")
    cell = next(cell for cell in line.cells if cell["text"])
    data[cell["name"]] = ""


def clear_deadline(response, data: dict) -> None:
    data[f"d-{Section.ASSESSMENT.value}"] = ""


def clear_administration_name(response, data: dict) -> None:
    name = next(name for name in data if name.startswith("adm-") and name.endswith("-name"))
    data[name] = ""


def stored_statuses() -> int:
    models = (AssignmentStatus, ActivityStatus, InternalControlStatus)
    return sum(model.objects.filter(period=august_2023()).count() for model in models)


@dataclass
class Page:
    url: Callable[[], str]
    stored: Callable[[], int]  # how many of what an emptied field removes are stored
    clear: Callable  # empties one input the page showed with a value
    removed: str  # how the confirmation counts removals, {n} of them
    user: str = "staff"  # the fixture of who may post the page
    posted_to: Callable[[], str] | None = None  # where the form posts, if not to `url`

    def target(self) -> str:
        return self.posted_to() if self.posted_to else self.url()


PAGES = {
    "indikatorvärden": Page(
        lambda: reverse("indicators:value-entry", args=["AMN", 2023, 8]),
        lambda: IndicatorValue.objects.filter(
            series__indicator__committee__code="AMN", year=2023, month=8
        ).count(),
        clear_value,
        "{n} borttagna värden och målvärden",
    ),
    "målbedömningar": Page(
        lambda: reverse("indicators:assessment-entry", args=["AMN", 2023, 8]),
        lambda: GoalAssessment.objects.filter(period=august_2023()).count(),
        clear_assessment,
        "Borttagna: {n}.",
    ),
    "status": Page(
        lambda: reverse("goals:status-entry", args=["AMN", 2023, 8]),
        stored_statuses,
        clear_status,
        "Borttagna: {n}.",
    ),
    "prognos": Page(
        lambda: reverse("budget:forecast-entry", args=["AMN", august_2023().pk]),
        lambda: Forecast.objects.filter(period=august_2023()).count(),
        clear_forecast,
        "Borttagna prognoser: {n}.",
    ),
    "avsnittstexter": Page(
        lambda: reverse("reports:section", args=["AMN", august_2023().pk, Section.ASSESSMENT]),
        lambda: ReportText.objects.filter(period=august_2023(), section=Section.ASSESSMENT).count(),
        clear_text,
        "Borttagna texter: {n}.",
    ),
}


# Pages that carry a manifest but count no removals: only the refusals are tested here.
REFUSING_PAGES = {
    **PAGES,
    "importprofil": Page(
        own_profile_url,
        lambda: ImportProfile.objects.count(),
        clear_description,
        "",
        user="controller",
    ),
    "internbudget": Page(
        internal_budget_draft_url,
        lambda: 0,
        clear_internal_budget_amount,
        "",
    ),
    "ansvar och datum": Page(
        planned_report_url,
        lambda: SectionPlan.objects.filter(deadline__isnull=False).count(),
        clear_deadline,
        "",
        user="controller",
        posted_to=lambda: reverse("reports:assign", args=["AMN", august_2023().pk]),
    ),
    # The first form of a nämnd's setup page (förvaltningar); tests/organisation has the rest.
    "nämndens uppgifter": Page(
        lambda: reverse("organisation:setup", args=["AMN"]),
        lambda: Committee.objects.get(code="AMN").administrations.count(),
        clear_administration_name,
        "",
        user="superuser",
    ),
}


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def assert_refused_and_nothing_changed(client, response, before) -> None:
    if response.status_code == 302:  # refused in a message on the page the form is on
        response = client.get(response["Location"])
        assert response.status_code == 200
    else:
        assert response.status_code == 400
    assert INCOMPLETE in html.unescape(response.content.decode())
    assert changed_tables(before, database_dump()) == []


@pytest.mark.parametrize("name", REFUSING_PAGES)
def test_a_post_with_only_the_csrf_token_is_refused_and_changes_nothing(name, amn, request):
    client = Client(enforce_csrf_checks=True)
    page = REFUSING_PAGES[name]
    client.force_login(request.getfixturevalue(page.user))
    token = csrf_token(client.get(page.url()))
    before = database_dump()

    response = client.post(page.target(), {"csrfmiddlewaretoken": token})

    assert_refused_and_nothing_changed(client, response, before)


@pytest.mark.parametrize("name", REFUSING_PAGES)
def test_a_post_missing_one_field_is_refused_and_changes_nothing(name, client, amn, request):
    page = REFUSING_PAGES[name]
    client.force_login(request.getfixturevalue(page.user))
    shown = client.get(page.url())
    data = page_form(shown)
    cleared = dict(data)
    page.clear(shown, cleared)
    lost = next(name for name in data if cleared[name] != data[name])
    del data[lost]  # the field the page showed with a value never arrives
    before = database_dump()

    response = client.post(page.target(), data)

    assert_refused_and_nothing_changed(client, response, before)


@pytest.mark.parametrize("name", REFUSING_PAGES)
def test_a_post_without_its_manifest_is_refused_and_changes_nothing(name, client, amn, request):
    page = REFUSING_PAGES[name]
    client.force_login(request.getfixturevalue(page.user))
    data = page_form(client.get(page.url()))
    del data[MANIFEST]
    before = database_dump()

    response = client.post(page.target(), data)

    assert_refused_and_nothing_changed(client, response, before)


@pytest.mark.parametrize("name", PAGES)
def test_the_whole_post_unchanged_is_saved_and_removes_nothing(name, client, amn, staff):
    client.force_login(staff)
    page = PAGES[name]
    data = page_form(client.get(page.url()))
    stored = page.stored()

    response = client.post(page.url(), data, follow=True)

    assert response.redirect_chain
    assert page.removed.format(n=0) in html.unescape(response.content.decode())
    assert page.stored() >= stored  # what was prefilled from before is stored now


@pytest.mark.parametrize("name", PAGES)
def test_emptying_a_field_shown_with_a_value_deletes_it_and_says_so(name, client, amn, staff):
    client.force_login(staff)
    page = PAGES[name]
    client.post(page.url(), page_form(client.get(page.url())))  # store what was prefilled
    shown = client.get(page.url())
    data = page_form(shown)
    page.clear(shown, data)
    stored = page.stored()

    response = client.post(page.url(), data, follow=True)

    assert response.redirect_chain and page.stored() == stored - 1
    assert page.removed.format(n=1) in html.unescape(response.content.decode())


def test_a_series_added_after_the_page_was_loaded_keeps_its_value(client, amn, staff):
    client.force_login(staff)
    url = PAGES["indikatorvärden"].url()
    data = page_form(client.get(url))
    indicator = Series.objects.filter(indicator__committee=amn).first().indicator
    added = Series.objects.create(indicator=indicator, label="Ny delserie", position=99)
    IndicatorValue.objects.create(series=added, year=2023, month=8, value=5, kind=ValueKind.OUTCOME)

    response = client.post(url, data)

    assert response.status_code == 302
    assert IndicatorValue.objects.filter(series=added, year=2023, month=8).exists()


def test_a_text_written_after_the_page_was_loaded_stays(client, amn, staff):
    client.force_login(staff)
    url = PAGES["avsnittstexter"].url()
    data = page_form(client.get(url))
    added = ReportText.objects.create(
        period=august_2023(), section=Section.ASSESSMENT, title="Ny", body="Skriven under tiden."
    )

    response = client.post(url, data)

    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.title, added.body) == ("Ny", "Skriven under tiden.")
