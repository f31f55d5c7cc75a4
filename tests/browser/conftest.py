"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The live server reads committed data, so these tests use a transactional database, which
pytest-django empties after each test; the demo nämnd is loaded before each and once
more when they are done. Playwright's synchronous API keeps an event loop in the
test's thread, which Django would otherwise take for async code.
"""

import os
import shutil

import pytest
from django.core.management import call_command
from django.db import connections

from tests.append_only import append_only_lifted, append_only_models

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "webbläsare-test"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        # Browser tests must run, not skip: bin/test installs Chromium (bin/browser).
        raise RuntimeError("Chromium saknas: kör bin/browser (Debians paket chromium).")
    return path


@pytest.fixture(scope="package")
def browser():
    """Lives only as long as the browser tests: while Playwright's event loop runs in this
    thread, Django keeps this thread's connections apart from the ones it has outside the
    loop, and a connection left open in either keeps PostgreSQL from dropping the test
    database at the end of the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()
        connections.close_all()


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


@pytest.fixture(autouse=True)
def append_only_rows_removed_after_each_test(transactional_db):
    """pytest-django empties SQLite with DELETE, which the triggers of the append-only
    tables refuse (PostgreSQL is emptied with TRUNCATE): their rows go first."""
    yield
    with append_only_lifted():
        # Later apps' rows first: a stored PDF protects the version it prints.
        for model in reversed(append_only_models()):
            model._base_manager.all().delete()


@pytest.fixture(scope="package", autouse=True)
def demo_after_browser_tests(django_db_blocker):
    """pytest-django empties a transactional database after each test; tests it cannot
    tell use the database (fixtures asked for by name at run time) may run after these
    and expect the demo nämnd, so it is loaded again when the browser tests are done."""
    yield
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)


@pytest.fixture
def page(browser, live_server):
    """A browser page; the test fails if the Content-Security-Policy blocked anything on
    any page it opened (an inline script or style, a resource from elsewhere)."""
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    blocked = []
    opened.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield opened
    context.close()
    assert blocked == []


@pytest.fixture
def log_in(page, django_user_model, demo):
    """Log in through the login form as a new user with `role` in the demo nämnd."""
    from amn.models import Committee, CommitteeMembership

    def as_role(role: str, username: str = "webb-användare"):
        user = django_user_model.objects.create_user(username, password=PASSWORD)
        CommitteeMembership.objects.create(
            user=user, committee=Committee.objects.get(code="AMN"), role=role
        )
        page.goto("/logga-in/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/")
        return user

    return as_role
