import pytest
from django.contrib import admin
from django.urls import reverse

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_every_changelist_loads_for_a_superuser(
    db, client, superuser, app_label, model_name, django_assert_max_num_queries
):
    client.force_login(superuser)

    with django_assert_max_num_queries(15):
        response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200


# Records the application writes itself (the ledger import history, published reports,
# the change history, login attempts) are read-only.
READ_ONLY = {
    ("budget", "ledgerimport"),
    ("amn", "publishedreport"),
    ("amn", "change"),
    ("axes", "accessattempt"),
    ("axes", "accesslog"),
    ("axes", "accessfailurelog"),
}


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_every_add_form_loads_for_a_superuser(db, client, superuser, app_label, model_name):
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    assert response.status_code == (403 if (app_label, model_name) in READ_ONLY else 200)


def test_the_admin_speaks_swedish(db, client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("admin:index"))

    content = response.content.decode()
    assert "Budget och ekonomi" in content
    assert "Rader i driftsammandrag" in content
    assert "Målbedömningar" in content


def test_the_admin_searches_and_filters(db, client, superuser):
    client.force_login(superuser)

    response = client.get(
        reverse("admin:budget_summaryrow_changelist"), {"q": "Ekonomiskt bistånd", "year": 2023}
    )

    assert response.status_code == 200
    assert "575 - Ekonomiskt bistånd" in response.content.decode()


def test_a_nämnd_member_is_kept_out_of_the_admin(db, client, member):
    client.force_login(member)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_shows_indicator_values_as_the_report_printed_them(db, client, superuser):
    client.force_login(superuser)

    response = client.get(
        reverse("admin:indicators_indicatorvalue_changelist"),
        {"q": "Vuxenutbildning, gymnasiala kurser, andel godkända", "year": 2021},
    )

    content = response.content.decode()
    assert "86,0" in content
    assert "86,0000" not in content
