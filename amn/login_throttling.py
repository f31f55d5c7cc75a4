"""Login throttling: django-axes' database handler with three limits instead of one.

django-axes counts one kind of key against one limit. Here the key axes counts is the pair
of username and address (AXES_LOCKOUT_PARAMETERS [["username", "ip_address"]]): after
AXES_FAILURE_LIMIT wrong passwords that username is refused from that address, and a
successful login clears only the pair's own failures, so logging in as oneself never gives
back guesses spent on another account. Two wider limits are added on top:

- LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever the usernames, lock the
  address (one password tried on many accounts);
- LOGIN_USERNAME_FAILURE_LIMIT failures of one username from all addresses together lock
  the username everywhere (guessing spread over many addresses). Each address counts at
  most AXES_FAILURE_LIMIT of them, so a single address never locks anyone out but itself:
  it takes failures from several addresses (ten, with 50 and 5).

An address is what amn.client_address counts: an IPv6 /64 is one address.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


class LoginThrottlingHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._wider_limit_reached(
            request, credentials
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:
            return
        if self._wider_limit_reached(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def _wider_limit_reached(self, request, credentials: dict | None) -> bool:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = recent.filter(ip_address=request.axes_ip_address).aggregate(
            failures=Sum("failures_since_start")
        )["failures"]
        if (from_address or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return True
        username = get_client_username(request, credentials)
        if username is None:
            return False
        per_address = (
            recent.filter(username=username)
            .order_by()
            .values("ip_address")
            .annotate(failures=Sum("failures_since_start"))
            .values_list("failures", flat=True)
        )
        counted = sum(min(failures, settings.AXES_FAILURE_LIMIT) for failures in per_address)
        return counted >= settings.LOGIN_USERNAME_FAILURE_LIMIT
