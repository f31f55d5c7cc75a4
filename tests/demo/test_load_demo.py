import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core import serializers
from django.core.management import CommandError, call_command

from amn.models import PublishedReport
from budget.models import InternalBudgetRow, SummaryRow
from demo.loader import demo_password

PROJECT_APPS = ["amn", "budget", "goals", "indicators", "auth"]


def dump_database() -> str:
    """Every row of every project model (and users), primary keys included."""
    models = [m for label in PROJECT_APPS for m in apps.get_app_config(label).get_models()]
    return serializers.serialize(
        "json", [obj for model in models for obj in model.objects.order_by("pk")]
    )


def test_running_it_twice_leaves_the_same_database(db):
    before = dump_database()

    call_command("load_demo", stdout=io.StringIO())

    assert dump_database() == before


def test_it_prints_a_working_password_for_each_role(db, client):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()

    for username, role in [
        ("admin", "Administratör"),
        ("forvaltning", "Förvaltning"),
        ("controller", "Controller"),
        ("ledamot", "Nämndledamot"),
    ]:
        password = demo_password(username)
        assert f"{username} / {password} / {role}" in text
        response = client.post("/logga-in/", {"username": username, "password": password})
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"]
        client.logout()


def test_rows_of_different_years_that_are_the_same_verksamhet_are_linked(db, amn):
    row_2023 = SummaryRow.objects.get(committee=amn, year=2023, label="575 - Ekonomiskt bistånd")
    row_2024 = InternalBudgetRow.objects.get(budget__year=2024, label="Ekonomiskt bistånd")
    row_2021 = SummaryRow.objects.get(committee=amn, year=2021, label="Ekonomiskt bistånd")

    assert row_2024.operation == row_2023.operation == row_2021.operation
    assert row_2023.operation.code == "575"
    assert row_2023.predecessor.year == 2022


def test_a_user_it_did_not_make_is_left_untouched_and_named(db, django_user_model, monkeypatch):
    django_user_model.objects.filter(username__in=["admin", "ledamot"]).delete()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "kommunens-eget-lösenord")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "admin",
        "--email",
        "it@kommun.se",
        stdout=io.StringIO(),
    )
    admin = django_user_model.objects.get(username="admin")
    admin.is_active = False  # locked by the kommun's own administrators
    admin.save()
    colleague = django_user_model.objects.create_user("ledamot", password="hennes-eget-lösenord")
    colleague.user_permissions.set(Permission.objects.filter(codename="view_change"))
    before = {user.username: user for user in [admin, colleague]}
    permissions = {user.username: set(user.user_permissions.all()) for user in [admin, colleague]}

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    for username, earlier in before.items():
        now = django_user_model.objects.get(username=username)
        assert now.password == earlier.password, username
        assert (now.is_active, now.is_staff, now.is_superuser) == (
            earlier.is_active,
            earlier.is_staff,
            earlier.is_superuser,
        )
        assert not now.committee_memberships.exists()
        assert set(now.user_permissions.all()) == permissions[username]
        assert f"Användaren {username} finns redan men är ingen demoanvändare" in out.getvalue()
        assert f"{username} / {demo_password(username)}" not in out.getvalue()


def test_it_publishes_only_as_its_own_controller(db, django_user_model, amn):
    django_user_model.objects.filter(username="controller").delete()
    django_user_model.objects.create_user("controller", password="en-riktig-controller")

    with pytest.raises(CommandError, match="controller tillhör en användare som demot inte"):
        call_command("load_demo", "--publish", stdout=io.StringIO())

    assert not PublishedReport.objects.filter(period__committee=amn).exists()


def test_the_demo_publishes_the_seeds_reports_and_not_the_year_it_started(amn):
    from demo.loader import demo_periods_to_publish

    titles = [period.title for period in demo_periods_to_publish(amn)]
    assert titles == [
        "Internbudget 2019 med plan 2020–2022",
        "Reviderad internbudget 2019 med plan 2020–2022",
        "Delårsrapport per den 31 augusti 2021",
        "Delårsrapport per den 31 augusti 2023",
        "Internbudget 2024 med plan för 2025–2029",
    ]
