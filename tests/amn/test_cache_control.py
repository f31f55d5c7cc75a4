"""What a logged-in user is shown is kept by no cache: drafts, entry pages, the history and
downloads of live figures answer `Cache-Control: private, no-store`. A view that sets its
own header keeps it: a published version's stored PDF is `private, no-cache`."""

import pytest
from django.urls import reverse

from amn.models import ReportingPeriod
from indicators.models import Indicator
from reports.models import PublishedPdf
from reports.services.publishing import publish_report


def period_pk() -> int:
    return ReportingPeriod.objects.get(committee__code="AMN", year=2023, month=8).pk


LIVE_PAGES = [
    ("reports:draft", lambda: ["AMN", period_pk()]),
    ("reports:history", lambda: ["AMN"]),
    ("budget:forecast-entry", lambda: ["AMN", period_pk()]),
    ("indicators:value-entry", lambda: ["AMN", 2023, 8]),
    ("indicators:assessment-entry", lambda: ["AMN", 2023, 8]),
    ("goals:status-entry", lambda: ["AMN", 2023, 8]),
    ("budget:operating-summary", lambda: ["AMN", 2023, 8]),
    ("budget:operating-summary-xlsx", lambda: ["AMN", 2023, 8]),
    ("budget:operating-summary-csv", lambda: ["AMN", 2023, 8]),
    ("budget:investments-csv", lambda: ["AMN", 2023, 8]),
    ("indicators:goal-table-xlsx", lambda: ["AMN", 2023, 8]),
    ("indicators:measures-csv", lambda: ["AMN", 2023, 8]),
    ("indicators:round-trip-values", lambda: ["AMN"]),
    ("indicators:indicator-csv", lambda: ["AMN", Indicator.objects.first().pk]),
    ("amn:start", lambda: []),
]


@pytest.mark.parametrize(("name", "args"), LIVE_PAGES, ids=[name for name, _ in LIVE_PAGES])
def test_a_logged_in_users_pages_and_downloads_are_stored_by_no_cache(
    client, controller, name, args
):
    client.force_login(controller)

    response = client.get(reverse(name, args=args()))

    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_view_that_sets_its_own_cache_control_keeps_it(client, controller, settings, tmp_path):
    settings.CHROMIUM = str(tmp_path / "no-chromium")  # published without printing
    published = publish_report(ReportingPeriod.objects.get(pk=period_pk()), controller, None)
    PublishedPdf.objects.store(published, b"%PDF-1.4 the stored version")
    client.force_login(controller)

    response = client.get(reverse("reports:latest-pdf", args=["AMN", period_pk()]))

    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"private", "no-cache"}  # revalidated by its ETag, not no-store
