from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from amn.models import Committee, PublishedReport, ReportingPeriod
from amn.permissions import ENTER_FIGURES, IMPORT_LEDGER, READ_LIVE, roles_by_committee


@login_required
def start(request: HttpRequest) -> HttpResponse:
    committees = list(
        Committee.objects.for_user(request.user)
        .select_related("municipality")
        .prefetch_related(
            Prefetch("periods", queryset=ReportingPeriod.objects.order_by("-year", "-month")),
            Prefetch(
                "periods__publications",
                queryset=PublishedReport.objects.defer("html", "data", "workbook").newest_first(),
            ),
        )
    )
    roles = roles_by_committee(request.user)
    for committee in committees:
        # Links only to what the user may open: nämnd members never see live figures.
        mine = roles.get(committee.pk, set())
        committee.may_read_live = request.user.is_superuser or bool(mine & READ_LIVE)
        committee.may_enter = request.user.is_superuser or bool(mine & ENTER_FIGURES)
        committee.may_import = request.user.is_superuser or bool(mine & IMPORT_LEDGER)
        committee.years = sorted({period.year for period in committee.periods.all()}, reverse=True)
    return render(request, "amn/start.html", {"committees": committees})
