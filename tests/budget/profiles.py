"""Posting the import profile page as a controller's browser does."""

from django.urls import reverse

from budget.models import ImportProfile
from tests.forms import page_form

# A Raindance export: its own headers for period, account, verksamhet and amount.
PROFILE_POST = {
    "name": "Raindance",
    "sie_operation_dimension": "20",
    "sie_responsibility_dimension": "1",
    "column_period": "Per",
    "column_account": "Kto",
    "column_operation": "Vht",
    "column_actual": "Bel SEK",
}


def profile_url(code: str, profile: ImportProfile | None = None) -> str:
    if profile is None:
        return reverse("budget:ledger-profiles", args=[code])
    return reverse("budget:ledger-profile", args=[code, profile.pk])


def post_profile(client, code: str, profile: ImportProfile | None = None, **typed):
    """Post the page's form (a new profile, or `profile`) as shown, with `typed` typed in;
    a ticked box is `only_this_committee="on"`, an unticked one `only_this_committee=""`."""
    url = profile_url(code, profile)
    data = page_form(client.get(url))
    data.update(typed)
    return client.post(url, data)
