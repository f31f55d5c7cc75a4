"""Who may do what for which nämnd: the one place views ask.

A user with no role in a nämnd gets 404 for its pages (no information leak); a user with
a role that does not allow the action gets 403.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404

from amn.lib.periods import is_valid_month, is_valid_year
from amn.models import Committee, CommitteeMembership, Role

# Live figures and entry forms are drafts: never for nämnd members.
READ_LIVE = frozenset({Role.STAFF, Role.CONTROLLER})
ENTER_FIGURES = frozenset({Role.STAFF, Role.CONTROLLER})
IMPORT_LEDGER = frozenset({Role.CONTROLLER})
# Published reports are for everyone with a role in the nämnd; controllers publish them.
READ_PUBLISHED = frozenset({Role.STAFF, Role.CONTROLLER, Role.MEMBER})
PUBLISH = frozenset({Role.CONTROLLER})
# Controllers adopt and revise the nämnd's internbudget; staff may prepare a draft.
ADOPT_BUDGET = frozenset({Role.CONTROLLER})
# Controllers start a period's report and hand out its sections and deadlines.
PLAN_REPORT = frozenset({Role.CONTROLLER})


def roles_of(user, committee: Committee) -> set[str]:
    """The user's roles in the nämnd, asked once per request and nämnd object."""
    if not user.is_authenticated:
        return set()
    cached = getattr(committee, "_roles_of", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    roles = set(
        CommitteeMembership.objects.filter(user=user, committee=committee).values_list(
            "role", flat=True
        )
    )
    return _remember_roles(user, committee, roles)


def _remember_roles(user, committee: Committee, roles: set[str]) -> set[str]:
    """Keep the roles on the nämnd object, where roles_of finds them for the same user."""
    committee._roles_of = (user.pk, roles)
    return roles


def committee_for_user(user, code: str, allowed: Iterable[str]) -> Committee:
    """The nämnd with `code` if `user` holds one of the `allowed` roles in it (or is an
    administrator); 404 for a nämnd the user has no role in, 403 for a role too weak."""
    if user.is_superuser:
        committee = Committee.objects.select_related("municipality").filter(code=code).first()
        if committee is None:
            raise Http404("Nämnden finns inte.")
        return committee
    # The user's memberships in the nämnd bring the nämnd along: one query on every page.
    memberships = list(
        CommitteeMembership.objects.filter(user=user, committee__code=code).select_related(
            "committee__municipality"
        )
        if user.is_authenticated
        else []
    )
    if not memberships:
        raise Http404("Nämnden finns inte.")
    committee = memberships[0].committee
    roles = _remember_roles(user, committee, {membership.role for membership in memberships})
    if not roles & set(allowed):
        raise PermissionDenied("Din roll i nämnden ger inte behörighet till detta.")
    return committee


def committee_at_period(
    user, code: str, year: int, month: int, allowed: Iterable[str]
) -> Committee:
    """The nämnd as committee_for_user gives it, for a page of `year`-`month`; 404 for a
    month or year that no period can have."""
    committee = committee_for_user(user, code, allowed)
    if not is_valid_month(month) or not is_valid_year(year):
        raise Http404("Perioden finns inte.")
    return committee


def can(user, committee: Committee, allowed: Iterable[str]) -> bool:
    return user.is_superuser or bool(roles_of(user, committee) & set(allowed))


def roles_by_committee(user) -> dict[int, set[str]]:
    """Every nämnd the user has a role in, with the roles: one query."""
    roles: dict[int, set[str]] = {}
    if user.is_authenticated:
        for committee_id, role in CommitteeMembership.objects.filter(user=user).values_list(
            "committee_id", "role"
        ):
            roles.setdefault(committee_id, set()).add(role)
    return roles


def require_administrator(user) -> None:
    """Administrators (superusers) only: anyone else signed in gets 403. Setting up a
    kommun's nämnder is no nämnd role's task."""
    if not user.is_superuser:
        raise PermissionDenied("Bara administratörer får lägga upp och ändra nämnder.")
