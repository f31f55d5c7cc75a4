import tempfile

import pytest
from django.core.management import call_command

from amn.models import Committee, CommitteeMembership, Municipality, Role


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo nämnd (the seeds' real figures) is loaded once for the whole session."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        end_other_sessions_on_the_test_database()


def end_other_sessions_on_the_test_database():
    """The live server of the browser tests answers each browser connection in a thread of
    its own, which keeps its database connection (CONN_MAX_AGE, as in production) until the
    browser's keep-alive socket closes; one still open when the suite ends would keep
    PostgreSQL from dropping the test database. No test runs any more at this point."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def amn(db) -> Committee:
    return Committee.objects.get(code="AMN")


@pytest.fixture
def other_committee(db) -> Committee:
    municipality = Municipality.objects.create(name="Norrköpings kommun", kolada_id="0581")
    return Committee.objects.create(municipality=municipality, code="UN", name="Utbildningsnämnden")


def user_with_role(user_model, username: str, committee: Committee, role: str):
    user = user_model.objects.create_user(username, password="x")
    CommitteeMembership.objects.create(user=user, committee=committee, role=role)
    return user


@pytest.fixture
def member(amn, django_user_model):
    return user_with_role(django_user_model, "test-ledamot", amn, Role.MEMBER)


@pytest.fixture
def outsider(other_committee, django_user_model):
    return user_with_role(django_user_model, "test-utomstaende", other_committee, Role.STAFF)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("test-admin", password="x")


@pytest.fixture
def staff(amn, django_user_model):
    return user_with_role(django_user_model, "test-forvaltning", amn, Role.STAFF)


@pytest.fixture
def controller(amn, django_user_model):
    return user_with_role(django_user_model, "test-controller", amn, Role.CONTROLLER)


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


@pytest.fixture
def ledger_to_august_2023(amn, tmp_path, upload_dir):
    """The general ledger of AMN for January–August 2023 imported, so the driftsammandrag
    of the 2023 delårsrapport comes from it: what publishing checks."""
    from tests.budget.ledger_files import write_xlsx

    lines = [[202300 + month, 4610, "", 575, "", "", 1_000_000 + month] for month in range(1, 9)]
    lines += [[202300 + month, 3010, "", 470, "", "", -25_000.50] for month in range(1, 9)]
    path = write_xlsx(tmp_path / "huvudbok-jan-aug-2023.xlsx", lines)
    call_command("import_ledger", str(path), "--committee", "AMN", verbosity=0)
    return path


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """Python's temporary folder for the test (readings, spools), to see that nothing is
    left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
