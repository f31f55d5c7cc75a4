"""The admin is scoped by nämnd: an admin user of one nämnd sees, picks and changes only
what belongs to it; records of no nämnd are for administrators; nämnd members never get
in. What is changed in the admin is kept in the history."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from amn.admin_site import CommitteeScopedAdmin, path_to
from amn.models import (
    Administration,
    Change,
    ChangeSource,
    Committee,
    CommitteeMembership,
    PeriodKind,
    ReportingPeriod,
    ReportText,
    Role,
    Section,
    SectionPlan,
)
from amn.services.history import Edit, record_changes
from budget.models import MonthlyAmount, SummaryRow
from goals.models import GoalAssessment
from indicators.models import Indicator, IndicatorValue
from tests.conftest import user_with_role

SCOPED_CHANGELISTS = [
    ReportingPeriod,
    ReportText,
    SummaryRow,
    MonthlyAmount,
    GoalAssessment,
    Indicator,
    IndicatorValue,
]


def admin_user(django_user_model, committee, role=Role.CONTROLLER, username="nämndadmin"):
    user = django_user_model.objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    CommitteeMembership.objects.create(user=user, committee=committee, role=role)
    return user


@pytest.fixture
def other_period(other_committee):
    return ReportingPeriod.objects.create(
        committee=other_committee,
        year=2023,
        month=8,
        kind=PeriodKind.INTERIM_2,
        title="Delår UN 2023",
    )


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_admin_is_scoped_and_its_way_to_a_nämnd_is_a_valid_lookup(db):
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, CommitteeScopedAdmin), model
        path = model_admin.committee_path
        if path is None:
            continue
        # The lookup really leads to a nämnd: filtering by it runs.
        assert model._default_manager.filter(**{f"{path}__in": [0]}).count() == 0


def test_paths_to_a_nämnd_follow_the_foreign_keys():
    assert path_to(MonthlyAmount, Committee) == "row__committee"
    assert path_to(IndicatorValue, Committee) == "series__indicator__committee"
    assert path_to(Committee, Committee) == "pk"


@pytest.mark.parametrize("model", SCOPED_CHANGELISTS, ids=lambda m: m._meta.model_name)
def test_an_admin_user_of_another_nämnd_sees_none_of_amns_records(
    client, django_user_model, amn, other_committee, other_period, model
):
    client.force_login(admin_user(django_user_model, other_committee))

    response = client.get(changelist(model))

    assert response.status_code == 200
    path = admin.site._registry[model].committee_path
    shown = set(response.context["cl"].queryset.values_list(path, flat=True))
    assert amn.pk not in shown and shown <= {other_committee.pk}
    assert model._default_manager.filter(**{path: amn.pk}).exists()  # AMN has some


def test_an_admin_user_sees_the_records_of_its_own_nämnd(
    client, django_user_model, amn, other_period
):
    client.force_login(admin_user(django_user_model, amn))

    response = client.get(changelist(ReportingPeriod))

    shown = {period.committee_id for period in response.context["cl"].result_list}
    assert shown == {amn.pk}


def test_another_nämnds_record_cannot_be_opened(client, django_user_model, amn, other_period):
    client.force_login(admin_user(django_user_model, amn))
    url = reverse("admin:amn_reportingperiod_change", args=[other_period.pk])

    response = client.get(url, follow=True)

    assert "finns inte" in response.content.decode() or response.status_code == 404
    assert "Delår UN 2023" not in response.content.decode()


def test_another_nämnds_period_is_no_choice_and_cannot_be_posted(
    client, django_user_model, amn, other_period
):
    client.force_login(admin_user(django_user_model, amn))
    add = reverse("admin:amn_reporttext_add")

    form = client.get(add).content.decode()
    refused = client.post(
        add, {"period": other_period.pk, "section": "ekonomi", "position": 0, "body": "Text"}
    )

    assert f'value="{other_period.pk}"' not in form
    assert refused.status_code == 200  # the form again, with the error
    assert not ReportText.objects.filter(period=other_period).exists()


def test_records_of_no_nämnd_and_roles_are_for_administrators(client, django_user_model, amn):
    client.force_login(admin_user(django_user_model, amn))

    assert client.get(reverse("admin:amn_municipality_add")).status_code == 403
    assert client.get(reverse("admin:amn_committee_add")).status_code == 403
    assert client.get(changelist(CommitteeMembership)).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


@pytest.mark.parametrize("url", ["admin:index", "admin:amn_reportingperiod_changelist"])
def test_a_nämnd_member_never_reaches_the_admin_even_with_the_staff_flag(
    client, django_user_model, amn, url
):
    member = admin_user(django_user_model, amn, role=Role.MEMBER)

    client.force_login(member)
    response = client.get(reverse(url))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_admin_flag_are_kept_out(client, staff):
    client.force_login(staff)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302


def test_a_change_made_in_the_admin_is_kept_in_the_history(client, django_user_model, amn):
    user = admin_user(django_user_model, amn)
    client.force_login(user)
    text = ReportText.objects.filter(period__committee=amn).first()
    url = reverse("admin:amn_reporttext_change", args=[text.pk])

    client.post(
        url,
        {
            "period": text.period_id,
            "section": text.section,
            "title": text.title,
            "position": text.position,
            "body": "Rättad i administrationen.",
        },
    )

    change = Change.objects.get(source=ChangeSource.ADMIN, field="text")
    assert (change.new, change.changed_by, change.period) == (
        "Rättad i administrationen.",
        user,
        text.period,
    )
    assert change.old == text.body.strip()


# Filters and drop-downs ----------------------------------------------------------------

ELSEWHERE = ["Norrköping", "Utbildningsnämnden", "norrkoping-controller", "=2031"]


@pytest.fixture
def elsewhere(other_committee, django_user_model, amn):
    """Another kommun's nämnd with a period, a text, a förvaltning, a section plan, a
    controller and history: none of their names may reach AMN's admin users."""
    period = ReportingPeriod.objects.create(
        committee=other_committee,
        year=2031,
        month=4,
        kind=PeriodKind.INTERIM_1,
        title="Delårsrapport Norrköping 2031",
    )
    ReportText.objects.create(period=period, section=Section.SUMMARY, body="Norrköpings text")
    Administration.objects.create(
        municipality=other_committee.municipality, code="UF", name="Utbildningsförv. Norrköping"
    )
    controller = user_with_role(
        django_user_model, "norrkoping-controller", other_committee, Role.CONTROLLER
    )
    SectionPlan.objects.create(period=period, section=Section.SUMMARY, responsible=controller)
    record_changes(
        committee=other_committee,
        period=period,
        user=controller,
        source=ChangeSource.FORM,
        edits=[Edit("Text", "sammanfattning", "", "Norrköpings text")],
    )
    return period


def assert_nothing_from_elsewhere(response, url: str) -> None:
    text = response.content.decode()
    leaked = [name for name in ELSEWHERE if name in text]
    assert not leaked, (url, leaked)


def admin_url(model, page: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def test_the_filters_would_show_another_kommuns_names_unscoped(client, superuser, elsewhere):
    client.force_login(superuser)

    response = client.get(changelist(ReportingPeriod))

    assert "Utbildningsnämnden" in response.content.decode()


def test_no_list_filter_shows_another_kommuns_nämnder_periods_or_users(
    client, django_user_model, amn, elsewhere
):
    client.force_login(admin_user(django_user_model, amn))
    opened = 0

    for model in admin.site._registry:
        url = changelist(model)
        response = client.get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, url
        assert_nothing_from_elsewhere(response, url)
        opened += 1

    assert opened > 20


def test_no_drop_down_of_an_add_or_change_page_offers_another_kommuns_records_or_users(
    client, django_user_model, amn, elsewhere
):
    client.force_login(admin_user(django_user_model, amn))
    opened = 0

    for model, model_admin in admin.site._registry.items():
        pages = [admin_url(model, "add")]
        path = model_admin.committee_path
        own = model._default_manager.filter(**{path: amn.pk}).first() if path else None
        if own is not None:
            pages.append(admin_url(model, "change", own.pk))
        for url in pages:
            response = client.get(url)
            if response.status_code == 403:  # not for this user
                continue
            assert response.status_code == 200, url
            assert_nothing_from_elsewhere(response, url)
            opened += 1

    assert opened > 20


def test_a_section_can_be_given_only_to_a_user_of_the_nämnd(
    client, django_user_model, amn, elsewhere, staff
):
    client.force_login(admin_user(django_user_model, amn))
    period = ReportingPeriod.objects.get(committee=amn, year=2023, month=8)
    other = django_user_model.objects.get(username="norrkoping-controller")

    form = client.get(admin_url(SectionPlan, "add")).content.decode()
    refused = client.post(
        admin_url(SectionPlan, "add"),
        {"period": period.pk, "section": Section.EVENTS, "responsible": other.pk},
    )

    assert f'value="{staff.pk}"' in form
    assert refused.status_code == 200
    assert not SectionPlan.objects.filter(responsible=other, period=period).exists()
