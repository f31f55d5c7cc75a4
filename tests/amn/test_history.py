"""Every change to a figure or a text is kept: who, when, from what to what. A revised
report shows what changed since the version before it."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from amn.models import Change, ChangeSource, PublishedReport, ReportingPeriod
from budget.models import ImportStatus, LedgerImport
from budget.services.ledger_import import undo_ledger_import
from demo.loader import FOLLOW_UP_KINDS
from goals.models import AssignmentStatus
from tests.forms import page_form
from tests.goals import test_assessment_entry as assessments
from tests.indicators import test_value_entry as values

SURVEY = values.SURVEY


@pytest.fixture
def period(amn) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8)


def report_url(name: str, period: ReportingPeriod, *args) -> str:
    return reverse(f"reports:{name}", args=["AMN", period.pk, *args])


def enter_survey_value(client, staff, text: str, note: str = ""):
    response = values.page(client, staff)
    data = values.posted(response)
    pk = values.survey_series().pk
    data[f"v-{pk}"], data[f"n-{pk}"] = text, note
    return client.post(reverse(values.URL[0], args=values.URL[1]), data)


def test_a_changed_indicator_value_is_kept_with_who_when_and_from_what(client, staff, period):
    enter_survey_value(client, staff, "91,5")

    change = Change.objects.get(field="värde 08", subject__startswith=SURVEY)
    assert (change.old, change.new, change.changed_by, change.source) == (
        "I.U.",
        "91,5",
        staff,
        ChangeSource.FORM,
    )
    assert change.period == period
    # The footnote that went with I.U. is gone too, and that is kept.
    assert Change.objects.get(field="fotnot", subject__startswith=SURVEY).new == ""


def test_posting_a_page_unchanged_keeps_no_change(client, staff):
    before = Change.objects.count()
    response = values.page(client, staff)
    client.post(reverse(values.URL[0], args=values.URL[1]), values.posted(response))

    assert Change.objects.count() == before


def test_a_changed_målbedömning_is_kept(client, staff):
    response = assessments.entry_page(client, staff)
    data = assessments.posted(response)
    goal = assessments.line_of(response, assessments.GOAL).goal
    data[f"motivation-{goal.pk}"] = "Ny motivering."

    client.post(reverse(assessments.ENTRY[0], args=assessments.ENTRY[1]), data)

    change = Change.objects.get(field="motivering")
    assert change.subject == f"Målbedömning: {assessments.GOAL}"
    assert change.new == "Ny motivering." and change.old


def test_a_changed_status_is_kept(client, staff):
    client.force_login(staff)
    url = reverse("goals:status-entry", args=["AMN", 2023, 8])
    page = client.get(url)
    lines = page.context["entry"].lines
    data = page_form(page)
    stored = AssignmentStatus.objects.filter(
        assignment=lines[0].subject, period__year=2023, period__month=8
    ).first()
    data[f"s-{lines[0].field_name}"] = "forsenad"
    data[f"c-{lines[0].field_name}"] = "Väntar på upphandling."

    client.post(url, data)

    change = Change.objects.get(field="status", subject__endswith=str(lines[0].subject))
    assert (change.old, change.new) == (
        stored.get_status_display() if stored else "",
        "Försenad",
    )


@pytest.mark.usefixtures("upload_dir")
def test_a_ledger_import_and_its_undoing_are_kept_per_row_and_month(amn, ledger_to_august_2023):
    march = Change.objects.get(
        source=ChangeSource.IMPORT,
        subject__startswith="Utfall mars 2023: 575 - Ekonomiskt bistånd",
        field="belopp (kr)",
    )
    assert march.new == "1\xa0000\xa0003"

    undo_ledger_import(LedgerImport.objects.get(status=ImportStatus.ACTIVE))

    undone = Change.objects.filter(subject=march.subject, field="belopp (kr)").order_by("pk")
    assert [(c.old, c.new) for c in undone] == [(march.old, march.new), (march.new, march.old)]


def test_the_history_page_lists_changes_for_staff_and_never_for_members(
    client, staff, member, period, django_assert_max_num_queries
):
    enter_survey_value(client, staff, "91,5")
    client.force_login(staff)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("reports:history", args=["AMN"]), {"period": period.pk})

    html = page.content.decode()
    assert SURVEY in html and "91,5" in html and "test-forvaltning" in html
    client.force_login(member)
    assert client.get(reverse("reports:history", args=["AMN"])).status_code == 403


def test_history_is_never_changed_or_removed(client, staff):
    enter_survey_value(client, staff, "91,5")
    change = Change.objects.first()
    change.new = "1"

    with pytest.raises(ValueError, match="ändras aldrig"):
        change.save()
    with pytest.raises(ValueError, match="tas aldrig bort"):
        change.delete()


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_revised_version_shows_what_changed_since_the_one_before(
    client, controller, staff, member, period
):
    client.force_login(controller)
    client.post(report_url("publish", period))
    enter_survey_value(client, staff, "91,5")

    client.force_login(controller)
    draft = client.get(report_url("draft", period)).content.decode()
    assert "Ändrat sedan publicerad version 1" in draft
    client.post(report_url("publish", period), {"note": "Brukarenkäten är klar."})
    client.force_login(member)
    revised = client.get(report_url("version", period, 2)).content.decode()

    assert "Ändrat sedan version 1" in revised
    assert f"Nämndindikatorer 2023-08 › {SURVEY}" in revised
    assert "91,5" in revised


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_every_table_is_open_data_as_csv_behind_a_stable_link(client, controller, member, period):
    client.force_login(controller)
    client.post(report_url("publish", period))
    client.force_login(member)
    document = json.loads(client.get(report_url("latest-json", period)).content)
    table = next(t for t in document["tables"] if t["title"] == "Nämndindikatorer 2023-08")

    response = client.get(report_url("latest-csv", period, "namndindikatorer-2023-08"))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == table["headers"]
    households = next(
        r for r in rows if r[4] == "Antal utbetalningshushåll, utfall per sista månad"
    )
    assert households[7:11] == ["2535", "2385", "2160", "2200"]
    assert client.get(report_url("latest-csv", period, "finns-inte")).status_code == 404
    page = client.get(report_url("version", period, 1)).content.decode()
    assert "/publicerad/tabell/namndindikatorer-2023-08.csv" in page


def export(kind: str, out) -> None:
    arguments = ["--committee", "AMN", "--year", "2023", "--month", "8"]
    call_command(
        "export_report", *arguments, "--format", kind, "--out", str(out), stdout=io.StringIO()
    )


def test_export_report_writes_the_published_workbook_and_open_data(
    period, controller, tmp_path, ledger_to_august_2023
):
    from reports.services.publishing import publish_report

    published = publish_report(period, controller, None)
    workbook, data = tmp_path / "rapport.xlsx", tmp_path / "rapport.json"

    export("xlsx", workbook)
    export("json", data)

    assert workbook.read_bytes() == bytes(published.workbook)
    assert json.loads(data.read_text())["version"] == 1


def test_the_demo_can_start_with_its_reports_published(amn):
    call_command("load_demo", "--publish", stdout=io.StringIO())
    call_command("load_demo", "--publish", stdout=io.StringIO())  # nothing twice

    published = PublishedReport.objects.filter(period__committee=amn)
    # Every report of the seeds; the follow-ups of 2024, which the demo started, are not
    # followed up yet.
    assert published.count() == amn.periods.exclude(year=2024, kind__in=FOLLOW_UP_KINDS).count()
    assert {p.version for p in published} == {1}
    assert all("utan avstämning mot huvudbok" in p.change_note for p in published)
