"""Import profiles belong to a kommun (or to one nämnd of it): a controller sees, uses and
changes only those of his own kommun, on the profile page, in the upload form, on the
command line and in the admin; a name is unique within a kommun only; every change is in
the history of the nämnder whose imports use the profile."""

import html

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from amn.forms import INCOMPLETE
from amn.models import Change, ChangeSource, Committee, CommitteeMembership, Role
from budget.forms import ProfileForm
from budget.models import ImportProfile, LedgerImport
from tests.budget.ledger_files import write_xlsx
from tests.budget.profiles import PROFILE_POST, post_profile, profile_url
from tests.conftest import user_with_role


@pytest.fixture
def amn_profile(amn):
    return ImportProfile.objects.create(
        municipality=amn.municipality, name="Raindance", columns={"account": "Kto"}
    )


@pytest.fixture
def other_controller(other_committee, django_user_model):
    return user_with_role(django_user_model, "un-controller", other_committee, Role.CONTROLLER)


def admin_user(django_user_model, committee, username):
    user = django_user_model.objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    CommitteeMembership.objects.create(user=user, committee=committee, role=Role.CONTROLLER)
    return user


def raindance_file(tmp_path):
    path = write_xlsx(
        tmp_path / "raindance.xlsx",
        [["2023-01", "4610", "575", "12,50"]],
        headers=["Per", "Kto", "Vht", "Bel SEK"],
    )
    return SimpleUploadedFile(path.name, path.read_bytes())


# --- the profile page ---------------------------------------------------------------


def test_another_kommuns_controller_neither_sees_nor_opens_nor_changes_a_profile(
    client, amn_profile, other_committee, other_controller
):
    client.force_login(other_controller)
    url = reverse("budget:ledger-profile", args=[other_committee.code, amn_profile.pk])

    listed = client.get(reverse("budget:ledger-profiles", args=[other_committee.code]))
    opened = client.get(url)
    posted = client.post(url, {**PROFILE_POST, "column_account": "Konto nr"})

    assert "Raindance" not in listed.content.decode()
    assert (opened.status_code, posted.status_code) == (404, 404)
    amn_profile.refresh_from_db()
    assert amn_profile.columns == {"account": "Kto"}


def test_the_same_name_may_be_used_in_two_kommuner_but_not_twice_in_one(
    client, amn, controller, other_committee, other_controller
):
    client.force_login(controller)
    post_profile(client, amn.code, **PROFILE_POST)
    client.force_login(other_controller)
    post_profile(client, other_committee.code, **PROFILE_POST)
    again = post_profile(client, other_committee.code, **PROFILE_POST)

    assert set(ImportProfile.objects.values_list("municipality__name", "name")) == {
        (amn.municipality.name, "Raindance"),
        (other_committee.municipality.name, "Raindance"),
    }
    assert "Norrköpings kommun har redan en importprofil som heter ”Raindance”." in (
        again.content.decode()
    )


def test_a_profile_for_one_nämnd_only_is_not_offered_to_the_other_nämnder_of_the_kommun(
    client, amn, controller
):
    sibling = Committee.objects.create(
        municipality=amn.municipality, code="SN", name="Socialnämnden"
    )
    client.force_login(controller)

    post_profile(client, amn.code, **PROFILE_POST, only_this_committee="on")

    profile = ImportProfile.objects.get(name="Raindance")
    assert profile.committee == amn
    assert list(ImportProfile.objects.for_committee(amn)) == [profile]
    assert not ImportProfile.objects.for_committee(sibling).exists()


def test_a_change_on_the_profile_page_is_in_the_history_of_every_nämnd_of_the_kommun(
    client, amn, controller, amn_profile
):
    sibling = Committee.objects.create(
        municipality=amn.municipality, code="SN", name="Socialnämnden"
    )
    client.force_login(controller)

    post_profile(client, amn.code, amn_profile, **PROFILE_POST)

    changes = Change.objects.filter(subject="Importprofil: Raindance", field="kolumnrubriker")
    assert {change.committee for change in changes} == {amn, sibling}
    change = changes.get(committee=amn)
    assert (change.old, change.changed_by, change.source) == (
        "Konto: Kto",
        controller,
        ChangeSource.FORM,
    )
    assert change.new == "Period: Per, Konto: Kto, Verksamhet: Vht, Belopp/Utfall: Bel SEK"


# --- the upload form and the command line ---------------------------------------------


def test_an_upload_naming_another_kommuns_profile_is_refused_and_nothing_is_read(
    client, amn_profile, other_committee, other_controller, tmp_path, upload_dir
):
    client.force_login(other_controller)
    url = reverse("budget:ledger-imports", args=[other_committee.code])

    form = client.get(url).content.decode()
    response = client.post(url, {"file": raindance_file(tmp_path), "profile": amn_profile.pk})

    assert f'value="{amn_profile.pk}"' not in form
    assert response.status_code == 200
    assert (
        f"Importprofilen {amn_profile.pk} finns inte bland profilerna för Utbildningsnämnden."
        in response.content.decode()
    )
    assert not LedgerImport.objects.filter(committee=other_committee).exists()


def test_an_upload_reads_the_file_with_a_profile_of_its_own_kommun(
    client, amn, controller, tmp_path, upload_dir
):
    profile = ImportProfile.objects.create(
        municipality=amn.municipality,
        name="Raindance",
        columns={"period": "Per", "account": "Kto", "operation": "Vht", "actual": "Bel SEK"},
    )
    client.force_login(controller)

    response = client.post(
        reverse("budget:ledger-imports", args=[amn.code]),
        {"file": raindance_file(tmp_path), "profile": profile.pk},
    )

    assert LedgerImport.objects.get(pk=response["Location"].split("/")[-2]).status == "preview"


def test_the_command_line_finds_no_profile_of_another_kommun(
    amn_profile, other_committee, tmp_path
):
    path = write_xlsx(tmp_path / "huvudbok.xlsx", [[202301, 4610, "", 575, "", "", 1]])

    with pytest.raises(CommandError, match="ingen importprofil som heter 'Raindance' för"):
        call_command(
            "import_ledger",
            str(path),
            "--committee",
            other_committee.code,
            "--profile",
            "Raindance",
        )


# --- the admin ------------------------------------------------------------------------


def test_an_admin_user_of_another_kommun_neither_lists_nor_changes_a_profile(
    client, django_user_model, amn_profile, other_committee
):
    client.force_login(admin_user(django_user_model, other_committee, "un-admin"))
    change_url = reverse("admin:budget_importprofile_change", args=[amn_profile.pk])

    listed = client.get(reverse("admin:budget_importprofile_changelist"))
    opened = client.get(change_url, follow=True)
    client.post(
        change_url,
        {
            "municipality": other_committee.municipality_id,
            "name": "Kapad",
            "columns": "{}",
            "sie_operation_dimension": 20,
            "sie_responsibility_dimension": 1,
        },
    )

    assert list(listed.context["cl"].result_list) == []
    assert "Raindance" not in opened.content.decode()
    amn_profile.refresh_from_db()
    assert (amn_profile.name, amn_profile.municipality_id) == (
        "Raindance",
        amn_profile.municipality_id,
    )


def test_a_profile_cannot_be_created_in_the_admin_for_another_kommun(
    client, django_user_model, amn, other_committee
):
    client.force_login(admin_user(django_user_model, amn, "amn-admin"))
    add = reverse("admin:budget_importprofile_add")

    form = client.get(add).content.decode()
    response = client.post(
        add,
        {
            "municipality": other_committee.municipality_id,
            "name": "Kapad",
            "columns": "{}",
            "sie_operation_dimension": 20,
            "sie_responsibility_dimension": 1,
        },
    )

    assert f'value="{other_committee.municipality_id}"' not in form
    assert response.status_code == 200  # the form again, with the error
    assert not ImportProfile.objects.filter(name="Kapad").exists()


def test_changes_and_removal_in_the_admin_are_in_the_history(
    client, django_user_model, amn, amn_profile
):
    user = admin_user(django_user_model, amn, "amn-admin")
    client.force_login(user)

    client.post(
        reverse("admin:budget_importprofile_change", args=[amn_profile.pk]),
        {
            "municipality": amn.municipality_id,
            "name": "Raindance",
            "columns": '{"account": "Kto"}',
            "sie_operation_dimension": 30,
            "sie_responsibility_dimension": 1,
        },
    )
    client.post(
        reverse("admin:budget_importprofile_delete", args=[amn_profile.pk]), {"post": "yes"}
    )

    history = Change.objects.filter(committee=amn, subject="Importprofil: Raindance")
    dimension = history.get(field="SIE-dimension för verksamhet", new="30")
    assert (dimension.old, dimension.changed_by, dimension.source) == ("20", user, "admin")
    removed = history.get(field="namn", new="")
    assert removed.old == "Raindance"
    assert not ImportProfile.objects.exists()


def test_a_post_of_only_the_name_is_refused_and_a_nämnds_own_profile_stays_its_own(
    client, amn, controller
):
    own = ImportProfile.objects.create(
        municipality=amn.municipality,
        committee=amn,
        name="Raindance",
        description="Export ur Raindance",
        columns={"account": "Kto"},
    )
    client.force_login(controller)

    response = client.post(profile_url(amn.code, own), {"name": "Raindance"})

    assert response.status_code == 400
    assert INCOMPLETE in html.unescape(response.content.decode())
    own.refresh_from_db()
    assert (own.committee, own.description, own.columns) == (
        amn,
        "Export ur Raindance",
        {"account": "Kto"},
    )


def test_unticking_the_box_on_a_nämnds_own_profile_shares_it_with_the_kommun(
    client, amn, controller
):
    own = ImportProfile.objects.create(municipality=amn.municipality, committee=amn, name="Visma")
    client.force_login(controller)

    post_profile(client, amn.code, own, only_this_committee="")

    own.refresh_from_db()
    assert own.committee is None


def test_a_shared_profile_cannot_be_taken_by_one_nämnd(client, amn, controller, amn_profile):
    client.force_login(controller)

    response = post_profile(client, amn.code, amn_profile, only_this_committee="on")

    assert response.status_code == 400
    assert response.context["form"].errors["only_this_committee"] == [
        f"Raindance delas av alla nämnder i {amn.municipality} och kan inte göras till en "
        f"profil bara för {amn.name}. Skapa en ny profil för nämnden i stället."
    ]
    amn_profile.refresh_from_db()
    assert amn_profile.committee is None


def test_a_name_taken_while_the_form_was_checked_is_refused_at_the_name(
    client, amn, controller, monkeypatch
):
    checked = ProfileForm.clean_name

    def taken_meanwhile(form):
        name = checked(form)
        ImportProfile.objects.create(municipality=amn.municipality, name=name)  # another tab
        return name

    monkeypatch.setattr(ProfileForm, "clean_name", taken_meanwhile)
    client.force_login(controller)

    response = post_profile(client, amn.code, **PROFILE_POST)

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Det finns redan en importprofil med namnet ”Raindance”."
    ]
    assert ImportProfile.objects.get().columns == {}
    assert not Change.objects.filter(subject="Importprofil: Raindance").exists()
