import io

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from amn.services.demo_data import demo_password
from budget.models import InternalBudget, InternalBudgetRow, SummaryRow

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
        assert client.login(username=username, password=password)


def test_rows_of_different_years_that_are_the_same_verksamhet_are_linked(db, amn):
    row_2023 = SummaryRow.objects.get(committee=amn, year=2023, label="575 - Ekonomiskt bistånd")
    row_2024 = InternalBudgetRow.objects.get(budget__year=2024, label="Ekonomiskt bistånd")
    row_2021 = SummaryRow.objects.get(committee=amn, year=2021, label="Ekonomiskt bistånd")

    assert row_2024.operation == row_2023.operation == row_2021.operation
    assert row_2023.operation.code == "575"
    assert row_2023.predecessor.year == 2022


def test_both_versions_of_internbudget_2019_stay_on_record(db, amn):
    original, revised = InternalBudget.objects.filter(committee=amn, year=2019).order_by("version")

    assert original.decision == "AN 2018-10-25 § 138"
    assert revised.decision == "AN 2019-03-20 § 23"
    assert revised.revises == original
    assert revised.frame_decision == "Budgetram enligt beslut i KF den 4 december 2018"


@pytest.mark.parametrize(
    ("version", "year", "expected_tkr"),
    [(1, 2019, 372_809), (2, 2019, 381_886), (2, 2021, 372_031)],
)
def test_internbudget_2019_rows_add_up_to_the_kf_frame(db, amn, version, year, expected_tkr):
    budget = InternalBudget.objects.get(committee=amn, year=2019, version=version)
    column = budget.columns.get(year=year)
    total = sum(amount.amount for amount in column.amounts.filter(row__parent__isnull=True))

    assert total == column.frame == expected_tkr * 1000
    assert column.costs + column.revenues == column.frame


def test_internbudget_2024_change_lines_are_included_in_their_row_not_added(db, amn):
    budget = InternalBudget.objects.get(committee=amn, year=2024)
    column = budget.columns.get(year=2024)
    bistand = budget.rows.get(label="Ekonomiskt bistånd")

    assert [c.label for c in bistand.changes.all()] == ["Minskning ekonomiskt bistånd"]
    top_level = sum(a.amount for a in column.amounts.filter(row__parent__isnull=True))
    # Printed rows are rounded to 0,1 mnkr; the printed sum 643,4 is of unrounded amounts.
    assert abs(top_level - column.frame) <= 100_000
