"""What the goal entry pages share: the follow-up period a user may enter figures for,
and the message after a post."""

from django.contrib import messages
from django.http import Http404, HttpRequest

from amn.models import ReportingPeriod
from amn.permissions import ENTER_FIGURES, committee_at_period


def follow_up_for_user(request: HttpRequest, code: str, year: int, month: int) -> ReportingPeriod:
    """The nämnd's follow-up at `year`-`month` for staff and controllers, or 403/404."""
    committee = committee_at_period(request.user, code, year, month, ENTER_FIGURES)
    period = ReportingPeriod.objects.follow_up_at(committee, year, month)
    if period is None:
        raise Http404("Nämnden har ingen uppföljning för perioden.")
    period.committee = committee
    return period


def report_saved(request: HttpRequest, counts: tuple[int, int], what: str) -> None:
    """(saved, removed) items of `what` were stored and removed."""
    saved, removed = counts
    messages.success(request, f"Sparat: {saved} {what}. Borttagna: {removed}.")
