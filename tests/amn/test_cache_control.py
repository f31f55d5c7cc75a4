"""What a logged-in user is shown is kept by no cache: drafts, entry pages, the history and
downloads of live figures answer `Cache-Control: private, no-store`."""

import pytest
from django.urls import reverse

from amn.models import ReportingPeriod
from indicators.models import Indicator


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


def test_a_view_that_sets_its_own_cache_control_keeps_it(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("admin:index"))

    assert "must-revalidate" in response["Cache-Control"]  # Django's never_cache
