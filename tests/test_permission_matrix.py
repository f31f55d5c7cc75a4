"""Who gets what: every URL of the application, found from the URL conf, for every role.

A new URL without a line in ACCESS fails `test_every_url_has_its_expected_answers`, so a
view cannot be added without deciding who may use it. The answers for a user with no
access are the application's rules (amn.permissions): anonymous users are sent to the
login page, users with no role in the nämnd get 404 (its existence is not revealed),
users whose role is too weak get 403. Every HTML page answered is also checked for inline
scripts and styles, which the Content-Security-Policy would block.
"""

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from amn.lib.spreadsheet import XLSX_CONTENT_TYPE as XLSX
from amn.models import Committee, CommitteeMembership, ReportingPeriod, Role, Section
from budget.models import ImportProfile, LedgerImport, SummaryRow
from budget.services.ledger_import import import_ledger_file
from demo.loader import publish_demo_reports
from indicators.models import Indicator
from tests.budget.ledger_files import august, write_xlsx

ROLES = ("anonymous", "member", "outsider", "staff", "controller", "administrator")

# Who may use a URL. `get`/`post`: the roles allowed to GET/POST it (None: the method is
# not allowed for anyone, 405). The rest are refused as the rules above say.
LIVE = ("staff", "controller", "administrator")  # drafts and entry: never for members
CONTROLLER = ("controller", "administrator")
PUBLISHED = ("member", "staff", "controller", "administrator")
SIGNED_IN = ("member", "outsider", "staff", "controller", "administrator")
ADMINISTRATOR = ("administrator",)


@dataclass(frozen=True)
class Access:
    get: tuple[str, ...] | None
    post: tuple[str, ...] | None = None
    # Only the user who uploaded a file may see or act on it (round-trip uploads).
    own: bool = False
    # Not a nämnd's page: with nothing to hide, every signed-in user refused gets 403.
    no_committee: bool = False


ACCESS: dict[str, Access] = {
    "login": Access(get=("anonymous", *SIGNED_IN), post=("anonymous", *SIGNED_IN)),
    "logout": Access(get=None, post=("anonymous", *SIGNED_IN)),
    "password_change": Access(get=SIGNED_IN, post=SIGNED_IN),
    "password_change_done": Access(get=SIGNED_IN),
    "amn:start": Access(get=SIGNED_IN),
    # Reports
    "reports:history": Access(get=LIVE),
    "reports:draft": Access(get=LIVE),
    "reports:preparation": Access(get=LIVE),
    "reports:section": Access(get=LIVE, post=LIVE),
    "reports:start": Access(get=None, post=CONTROLLER),
    "reports:assign": Access(get=None, post=CONTROLLER),
    "reports:publish": Access(get=None, post=CONTROLLER),
    **{
        f"reports:{which}{suffix}": Access(get=PUBLISHED)
        for which in ("latest", "version")
        for suffix in ("", "-xlsx", "-json", "-pdf", "-csv")
    },
    # Money
    "budget:operating-summary": Access(get=LIVE),
    "budget:operating-summary-xlsx": Access(get=LIVE),
    "budget:operating-summary-csv": Access(get=LIVE),
    "budget:investments": Access(get=LIVE),
    "budget:investments-xlsx": Access(get=LIVE),
    "budget:investments-csv": Access(get=LIVE),
    "budget:social-assistance": Access(get=LIVE),
    "budget:forecast-entry": Access(get=LIVE, post=LIVE),
    "budget:forecast-accuracy": Access(get=LIVE),
    "budget:ledger-imports": Access(get=LIVE, post=CONTROLLER),
    "budget:ledger-import": Access(get=LIVE),
    "budget:ledger-import-confirm": Access(get=None, post=CONTROLLER),
    "budget:ledger-import-undo": Access(get=None, post=CONTROLLER),
    "budget:ledger-import-discard": Access(get=None, post=CONTROLLER),
    "budget:ledger-profiles": Access(get=CONTROLLER, post=CONTROLLER),
    "budget:ledger-profile": Access(get=CONTROLLER, post=CONTROLLER),
    "budget:ledger-lines": Access(get=LIVE),
    "budget:year": Access(get=LIVE),
    "budget:year-start": Access(get=None, post=CONTROLLER),
    "budget:year-keys": Access(get=None, post=CONTROLLER),
    "budget:year-key-xlsx": Access(get=LIVE),
    "budget:internal-budgets": Access(get=LIVE, post=LIVE),
    "budget:internal-budget": Access(get=LIVE, post=LIVE),
    "budget:internal-budget-adopt": Access(get=None, post=CONTROLLER),
    "budget:internal-budget-revise": Access(get=None, post=CONTROLLER),
    # Goals
    "goals:status-entry": Access(get=LIVE, post=LIVE),
    "goals:assessment-rules": Access(get=LIVE, post=LIVE),
    # Indicators
    **{
        f"indicators:{page}{suffix}": Access(get=LIVE)
        for page in ("goal-table", "assessment-overview", "measures", "indicator")
        for suffix in ("", "-xlsx", "-csv")
    },
    "indicators:value-entry": Access(get=LIVE, post=LIVE),
    "indicators:assessment-entry": Access(get=LIVE, post=LIVE),
    "indicators:kolada-fetch": Access(get=None, post=LIVE),
    "indicators:round-trip-workbook": Access(get=LIVE),
    "indicators:round-trip-values": Access(get=LIVE),
    "indicators:round-trip-targets": Access(get=LIVE),
    "indicators:round-trip-upload": Access(get=LIVE, post=LIVE),
    "indicators:round-trip-preview": Access(get=LIVE, own=True),
    "indicators:round-trip-confirm": Access(get=None, post=LIVE, own=True),
    "indicators:round-trip-discard": Access(get=None, post=LIVE, own=True),
    # Organisation: kommuner and nämnder set up by administrators
    "organisation:index": Access(get=ADMINISTRATOR, post=ADMINISTRATOR, no_committee=True),
    "organisation:template-new": Access(get=ADMINISTRATOR, no_committee=True),
    "organisation:upload-new": Access(get=None, post=ADMINISTRATOR, no_committee=True),
    "organisation:setup": Access(get=ADMINISTRATOR, post=ADMINISTRATOR, no_committee=True),
    "organisation:template": Access(get=ADMINISTRATOR, no_committee=True),
    "organisation:upload": Access(get=None, post=ADMINISTRATOR, no_committee=True),
}


def application_urls(patterns=None, prefix: str = "", namespace: str = ""):
    """(name, route) of every named URL of the URL conf, the admin's apart."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from application_urls(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = ":".join(filter(None, [namespace, pattern.name]))
            yield name, prefix + str(pattern.pattern)


URLS = sorted(set(application_urls()))
NAMES = [name for name, _ in URLS if not name.startswith("admin:")]
ADMIN_NAMES = sorted({name for name, _ in URLS if name.startswith("admin:")})


def test_every_url_has_its_expected_answers():
    assert set(NAMES) == set(ACCESS), (
        f"without a line in ACCESS: {sorted(set(NAMES) - set(ACCESS))}; "
        f"in ACCESS but gone: {sorted(set(ACCESS) - set(NAMES))}"
    )


# The world the URLs are asked in -----------------------------------------------------------


@pytest.fixture
def users(amn, other_committee, django_user_model):
    made = {"anonymous": None}
    for role, committee, membership in [
        ("member", amn, Role.MEMBER),
        ("outsider", other_committee, Role.STAFF),
        ("staff", amn, Role.STAFF),
        ("controller", amn, Role.CONTROLLER),
    ]:
        user = django_user_model.objects.create_user(f"matris-{role}", password="x")
        CommitteeMembership.objects.create(user=user, committee=committee, role=membership)
        made[role] = user
    made["administrator"] = django_user_model.objects.create_superuser("matris-admin", "", "x")
    return made


@pytest.fixture
def arguments(amn, users, tmp_path, settings, client, upload_dir):
    """A value for every URL parameter, pointing at things that exist in nämnd AMN."""
    settings.CHROMIUM = str(tmp_path / "no-chromium")  # PDF: 503, not seconds per request
    settings.KOLADA_BASE_URL = "http://127.0.0.1:9/v3"  # refused at once
    settings.KOLADA_RETRIES = 0
    publish_demo_reports(amn)
    period = ReportingPeriod.objects.get(committee=amn, year=2023, month=8)
    published = period.publications.get(version=1)
    ledger_file = write_xlsx(tmp_path / "huvudbok.xlsx", [[august(), 4610, "", 575, "", "", 1]])
    ledger_import = import_ledger_file(amn, ledger_file, user=users["controller"], dry_run=True)
    client.force_login(users["staff"])
    exported = client.get(reverse("indicators:round-trip-values", args=["AMN"]))
    uploaded = client.post(
        reverse("indicators:round-trip-upload", args=["AMN"]),
        {"file": SimpleUploadedFile("varden.xlsx", exported.content)},
    )
    client.logout()
    token = re.search(r"/([0-9a-f]{32})/", uploaded["Location"]).group(1)
    return {
        "code": "AMN",
        "year": 2023,
        "month": 8,
        "period": period.pk,
        "period_id": period.pk,
        "number": 1,
        "budget_year": 2024,
        "version": 1,
        "table": _first_table(published.data),
        "key": Section.ASSESSMENT.value,
        "row": SummaryRow.objects.filter(committee=amn, year=2023).first().pk,
        "token": token,
        "budget:ledger-profile": ImportProfile.objects.create(
            municipality=amn.municipality, name="Matris"
        ).pk,
        "budget:ledger-import": ledger_import.pk,
        "indicators:indicator": Indicator.objects.filter(committee=amn).first().pk,
    }


def _first_table(data: dict) -> str:
    from django.utils.text import slugify

    return slugify(data["tables"][0]["title"])


def url_of(name: str, route: str, arguments: dict) -> str:
    kwargs = {}
    for parameter in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if parameter == "pk":
            key = re.sub(r"-(confirm|undo|discard|xlsx|csv)$", "", name)
            kwargs[parameter] = arguments[key]
        else:
            kwargs[parameter] = arguments[parameter]
    return reverse(name, kwargs=kwargs)


# The answers ------------------------------------------------------------------------------


def refusal_of(role: str, allowed: tuple[str, ...], access: Access) -> int | None:
    """The status a role that may not use the URL gets, None when it may."""
    if role == "anonymous":
        return None if "anonymous" in allowed else 302
    if role == "outsider" and "outsider" not in allowed and not access.no_committee:
        return 404
    if role not in allowed:
        return 403
    if access.own and role != "staff":  # the upload is the staff user's
        return 404
    return None


class InlineCode(HTMLParser):
    """Inline scripts, inline event handlers and inline styles of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on")]
        if "style" in names:
            self.found.append(f"{tag} style=")


def assert_answer(response, role: str, expected: int | None, url: str) -> None:
    status = response.status_code
    if expected == 302:
        assert status == 302 and response["Location"].startswith("/logga-in/"), (role, url, status)
    elif expected is not None:
        assert status == expected, (role, url, status)
    else:
        assert status not in (403, 404, 405), (role, url, status)
        assert not (status == 302 and response["Location"].startswith("/logga-in/")), url
        assert status < 500 or status == 503, (role, url, status)
        if response.get("Content-Type", "").startswith("text/html"):
            assert "script-src 'self'" in response["Content-Security-Policy"], url
            parser = InlineCode()
            parser.feed(response.content.decode())
            assert parser.found == [], (url, parser.found)


APPLICATION = [(name, route) for name, route in URLS if not name.startswith("admin:")]


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_rules_say(client, users, arguments, role):
    if users[role] is not None:
        client.force_login(users[role])
    for name, route in APPLICATION:
        access = ACCESS[name]
        url = url_of(name, route, arguments)
        response = client.get(url)
        if access.get is None:
            needs_login = access.post is not None and "anonymous" not in access.post
            expected = 302 if role == "anonymous" and needs_login else 405
        else:
            expected = refusal_of(role, access.get, access)
        assert_answer(response, role, expected, url)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_changes_what_it_may_not_by_posting(client, users, arguments, role):
    if users[role] is not None:
        client.force_login(users[role])
    counts = _counts()
    for name, route in APPLICATION:
        access = ACCESS[name]
        if name == "logout" or refusal_of(role, access.post or (), access) is None:
            continue  # the role may post here
        url = url_of(name, route, arguments)
        response = client.post(url, {"note": "matris", "action": "save"})
        may_read = access.get is not None and refusal_of(role, access.get, access) is None
        if may_read and access.post is None:
            # A page that only shows: a post is refused or shows the page (503: the PDF
            # without Chromium, see `arguments`), never changes anything.
            assert response.status_code in (200, 302, 405, 503), (role, url, response.status_code)
            assert not response.get("Location", "").startswith("/logga-in/"), (role, url)
            continue
        if access.get is None and access.post is None:
            expected = 405
        elif may_read:
            expected = 403
        else:
            expected = refusal_of(role, access.post or access.get, access)
        assert_answer(response, role, expected, url)
    assert _counts() == counts


def _counts() -> dict[str, int]:
    from amn.models import Change, PublishedReport

    return {
        model.__name__: model.objects.count()
        for model in (Change, PublishedReport, LedgerImport, ImportProfile, Committee)
    }


def test_the_admin_is_for_administrators_and_admin_staff_only(client, users):
    refused = [role for role in ROLES if role != "administrator"]
    for role in refused:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        for name in ADMIN_NAMES:
            if name in ("admin:login", "admin:logout"):
                continue
            url = _admin_url(name)
            response = client.get(url)
            assert response.status_code == 302, (role, url, response.status_code)
            assert response["Location"].startswith("/admin/login/"), (role, url)


def _admin_url(name: str) -> str:
    route = dict(URLS)[name]
    values = {"object_id": "1", "id": "1", "content_type_id": "1", "app_label": "amn", "url": "x/"}
    parameters = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(name, kwargs={parameter: values[parameter] for parameter in parameters})


def test_the_administrator_reaches_every_admin_list(client, users):
    client.force_login(users["administrator"])
    lists = [name for name in ADMIN_NAMES if name.endswith("_changelist")]

    assert len(lists) > 30
    for name in lists:
        assert client.get(reverse(name)).status_code == 200, name


def test_members_of_no_nämnd_see_no_nämnd(client, django_user_model):
    nobody = get_user_model().objects.create_user("ingen-roll", password="x")
    client.force_login(nobody)

    assert client.get(reverse("reports:history", args=["AMN"])).status_code == 404


# Downloads --------------------------------------------------------------------------------

# Text that a spreadsheet would run as a formula, typed where users and administrators
# type names and notes.
FORMULAS = ("=1+2", "+A1*3", "-A1+4", "@SUM(A1:A2)")


@pytest.fixture
def formulas(amn):
    """Every kind of text in the downloads starts as a formula would."""
    from goals.models import CommitteeGoal
    from indicators.models import IndicatorValue

    rows = SummaryRow.objects.filter(committee=amn, year=2023).order_by("position", "pk")
    rows.filter(pk=rows[0].pk).update(label=FORMULAS[0])
    rows.filter(pk=rows[1].pk).update(label=FORMULAS[1])
    Indicator.objects.filter(pk=Indicator.objects.filter(committee=amn).first().pk).update(
        name=FORMULAS[2]
    )
    for number, goal in enumerate(CommitteeGoal.objects.filter(committee=amn)):
        goal.name = f"{FORMULAS[3]}+{number}"
        goal.save(update_fields=["name"])
    IndicatorValue.objects.filter(series__indicator__committee=amn).update(note=FORMULAS[0])
    return FORMULAS


def test_every_downloaded_spreadsheet_keeps_formula_text_as_text(
    client, users, formulas, arguments
):
    client.force_login(users["administrator"])
    seen: set[str] = set()
    workbooks = 0
    for name, route in APPLICATION:
        response = client.get(url_of(name, route, arguments))
        if response.get("Content-Type") != XLSX:
            continue
        workbooks += 1
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str) and cell.value.startswith(tuple("=+-@")):
                        assert cell.data_type == "s", (name, cell.coordinate)
                        seen.add(cell.value)

    round_trip = ("workbook", "values", "targets")
    templates = ("organisation:template", "organisation:template-new")
    expected = [n for n in NAMES if n.endswith("-xlsx")] + list(templates)
    assert workbooks == len(expected) + len(round_trip)
    assert set(formulas[:3]) <= seen
    assert any(text.startswith(formulas[3]) for text in seen)
