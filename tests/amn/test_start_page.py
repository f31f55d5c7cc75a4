from django.urls import reverse


def test_it_sends_an_anonymous_visitor_to_the_login(client, db):
    response = client.get(reverse("amn:start"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_the_members_nämnd_and_its_reporting_periods(
    client, member, django_assert_max_num_queries
):
    client.force_login(member)

    # Session, user, nämnder, periods, published versions, roles.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("amn:start"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Arbetsmarknadsnämnden" in content
    assert "Delårsrapport per den 31 augusti 2023" in content
    assert "Delårsrapport per den 31 augusti 2021" in content
    assert "januari–augusti 2023" in content


def test_it_does_not_show_another_nämnd_to_an_outsider(client, outsider):
    client.force_login(outsider)

    content = client.get(reverse("amn:start")).content.decode()

    assert "Utbildningsnämnden" in content
    assert "Arbetsmarknadsnämnden" not in content


def test_a_user_without_any_nämnd_is_told_so(client, django_user_model, db):
    client.force_login(django_user_model.objects.create_user("ny", password="x"))

    content = client.get(reverse("amn:start")).content.decode()

    assert "Du har ännu inte behörighet till någon nämnd" in content


def test_the_login_page_is_in_swedish(client, db):
    content = client.get(reverse("login")).content.decode()

    assert "Logga in" in content
    assert "Användarnamn" in content


def test_a_nämnd_member_gets_no_links_to_live_figures(client, member):
    client.force_login(member)

    content = client.get(reverse("amn:start")).content.decode()

    assert "Driftsammandrag" not in content
    assert "Huvudboksimport" not in content


def test_staff_get_links_to_the_money_pages_of_each_period(client, staff):
    client.force_login(staff)

    content = client.get(reverse("amn:start")).content.decode()

    assert reverse("budget:operating-summary", args=["AMN", 2023, 8]) in content
    assert reverse("budget:investments", args=["AMN", 2021, 8]) in content
    assert reverse("budget:ledger-imports", args=["AMN"]) in content
