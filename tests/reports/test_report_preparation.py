"""Preparing a report: sections with a responsible writer and a deadline, texts written
and marked ready, progress, and a new period starting from the previous report."""

import datetime

import pytest
from django.urls import reverse

from amn.forms import INCOMPLETE
from amn.models import Change, PeriodKind, ReportingPeriod, ReportText, Section, SectionPlan
from tests.forms import page_form


@pytest.fixture
def period(amn) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8)


@pytest.fixture
def next_period(amn) -> ReportingPeriod:
    """The delårsrapport 2024, made when load_demo started the year."""
    return ReportingPeriod.objects.get(committee=amn, year=2024, month=8, kind=PeriodKind.INTERIM_2)


def url(name: str, period: ReportingPeriod, *args) -> str:
    return reverse(f"reports:{name}", args=["AMN", period.pk, *args])


def test_a_new_period_starts_from_the_previous_reports_sections_and_texts(
    client, controller, period, next_period
):
    client.force_login(controller)
    before = client.get(url("preparation", next_period)).content.decode()
    assert "Rapporten för perioden är inte startad" in before
    assert period.title in before  # where the copy will come from

    response = client.post(url("start", next_period), follow=True)

    copied = {(t.section, t.title, t.body) for t in ReportText.objects.filter(period=next_period)}
    original = {(t.section, t.title, t.body) for t in ReportText.objects.filter(period=period)}
    assert copied == original and copied
    sections = set(SectionPlan.objects.filter(period=next_period).values_list("section", flat=True))
    assert sections == {section for section, _, _ in original}
    assert "0 av " in response.content.decode()
    assert Change.objects.filter(period=next_period, field="text").count() == len(original)


def test_a_report_with_nothing_before_it_starts_with_the_standard_sections(client, controller, amn):
    first = ReportingPeriod.objects.create(
        committee=amn, year=2017, month=4, kind=PeriodKind.INTERIM_1, title="Delår 1 2017"
    )
    client.force_login(controller)

    client.post(url("start", first))

    plans = SectionPlan.objects.filter(period=first)
    assert Section.ASSESSMENT in {plan.section for plan in plans}
    assert not ReportText.objects.filter(period=first).exists()


def test_staff_cannot_start_a_report_or_hand_out_sections(client, staff, next_period):
    client.force_login(staff)

    assert client.post(url("start", next_period)).status_code == 403
    assert client.post(url("assign", next_period), {"add": "ekonomi"}).status_code == 403
    assert not SectionPlan.objects.filter(period=next_period).exists()


def test_the_controller_hands_out_sections_with_deadlines_and_progress_shows_what_is_left(
    client, controller, staff, next_period
):
    client.force_login(controller)
    client.post(url("start", next_period))
    deadline = datetime.date.today() - datetime.timedelta(days=1)

    data = page_form(client.get(url("preparation", next_period)))
    data |= {f"r-{Section.ASSESSMENT}": staff.pk, f"d-{Section.ASSESSMENT}": deadline.isoformat()}

    client.post(url("assign", next_period), data)

    plan = SectionPlan.objects.get(period=next_period, section=Section.ASSESSMENT)
    assert (plan.responsible, plan.deadline) == (staff, deadline)
    page = client.get(url("preparation", next_period)).content.decode()
    assert "Försenade: Förvaltningschefens bedömning och analys" in page
    assert Change.objects.filter(period=next_period, field="ansvarig", new="test-forvaltning")


def test_a_deadline_that_is_not_a_date_changes_nothing(client, controller, next_period):
    client.force_login(controller)
    client.post(url("start", next_period))

    data = page_form(client.get(url("preparation", next_period)))

    response = client.post(
        url("assign", next_period), data | {f"d-{Section.ASSESSMENT}": "31/8"}, follow=True
    )

    assert "”31/8” är inget datum" in response.content.decode()
    assert not SectionPlan.objects.filter(period=next_period, deadline__isnull=False).exists()


def test_a_writer_revises_a_text_marks_the_section_ready_and_the_history_keeps_both(
    client, controller, staff, period, next_period
):
    client.force_login(controller)
    client.post(url("start", next_period))
    text = ReportText.objects.get(period=next_period, section=Section.ASSESSMENT)
    old_body = text.body
    client.force_login(staff)
    data = page_form(client.get(url("section", next_period, Section.ASSESSMENT)))
    data[f"body-{text.pk}"] = "Nämnden bedömer att året slutar i balans."

    response = client.post(
        url("section", next_period, Section.ASSESSMENT), data | {"action": "ready"}, follow=True
    )

    text.refresh_from_db()
    assert text.body == "Nämnden bedömer att året slutar i balans."
    plan = SectionPlan.objects.get(period=next_period, section=Section.ASSESSMENT)
    assert plan.ready and plan.ready_by == staff
    assert "1 av " in response.content.decode()
    change = Change.objects.get(period=next_period, field="text", changed_by=staff)
    assert (change.old, change.new) == (old_body.strip(), text.body)
    # The text of the earlier report is untouched.
    assert ReportText.objects.get(period=period, section=Section.ASSESSMENT).body == old_body


def test_two_texts_with_the_same_heading_are_refused_and_nothing_is_saved(
    client, staff, next_period
):
    ReportText.objects.create(period=next_period, section=Section.EVENTS, title="Lokaler", body="A")
    client.force_login(staff)
    data = page_form(client.get(url("section", next_period, Section.EVENTS)))
    data |= {"title-ny0": "Lokaler", "body-ny0": "B"}

    response = client.post(url("section", next_period, Section.EVENTS), data)

    assert response.status_code == 400
    assert "Två texter har samma rubrik (”Lokaler”)" in response.content.decode()
    assert list(ReportText.objects.filter(period=next_period).values_list("title", "body")) == [
        ("Lokaler", "A")
    ]


def test_nämnd_members_never_reach_the_preparation_pages(client, member, period):
    client.force_login(member)

    assert client.get(url("preparation", period)).status_code == 403
    assert client.get(url("section", period, Section.ASSESSMENT)).status_code == 403


def test_the_preparation_page_takes_a_fixed_number_of_queries(
    client, controller, next_period, django_assert_max_num_queries
):
    client.force_login(controller)
    client.post(url("start", next_period))

    with django_assert_max_num_queries(12):
        response = client.get(url("preparation", next_period))

    assert response.status_code == 200


def test_a_period_with_texts_of_its_own_keeps_them_when_started(client, controller, period):
    own = sorted(ReportText.objects.filter(period=period).values_list("section", "title", "body"))
    client.force_login(controller)

    client.post(url("start", period))

    after = sorted(ReportText.objects.filter(period=period).values_list("section", "title", "body"))
    assert after == own
    planned = set(SectionPlan.objects.filter(period=period).values_list("section", flat=True))
    assert {section for section, _, _ in own} <= planned


def test_staff_of_another_nämnd_do_not_find_amns_report_work(client, outsider, period):
    client.force_login(outsider)

    assert client.get(url("preparation", period)).status_code == 404
    assert client.get(url("section", period, Section.ASSESSMENT)).status_code == 404
    assert client.get(reverse("reports:history", args=["AMN"])).status_code == 404


def test_a_cut_off_hand_out_post_changes_no_writer_or_deadline(client, controller, next_period):
    client.force_login(controller)
    client.post(url("start", next_period))
    data = page_form(client.get(url("preparation", next_period)))
    data |= {f"r-{Section.ASSESSMENT}": controller.pk, f"d-{Section.ASSESSMENT}": "2024-09-15"}
    client.post(url("assign", next_period), data)
    handed_out = list(SectionPlan.objects.filter(period=next_period).values())
    del data[f"d-{Section.ASSESSMENT}"]  # the post is cut off before the deadline

    response = client.post(url("assign", next_period), data, follow=True)

    assert INCOMPLETE in response.content.decode()
    assert list(SectionPlan.objects.filter(period=next_period).values()) == handed_out
