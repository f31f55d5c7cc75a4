import io

from django.apps import apps
from django.core import serializers
from django.core.management import call_command

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
