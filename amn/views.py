from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from amn.models import Committee, ReportingPeriod


@login_required
def start(request: HttpRequest) -> HttpResponse:
    committees = (
        Committee.objects.for_user(request.user)
        .select_related("municipality")
        .prefetch_related(
            Prefetch("periods", queryset=ReportingPeriod.objects.order_by("-year", "-month"))
        )
    )
    return render(request, "amn/start.html", {"committees": committees})
