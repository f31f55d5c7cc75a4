"""The goal tables (nämndindikatorer), the målbedömning overview, the volymmått and personal
tables and the indicator page, with their Excel and CSV downloads.

Live figures are drafts: staff, controllers and administrators read them; nämnd members
read published reports (403 here), users without a role in the nämnd get 404.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from amn.lib.spreadsheet import Sheet, csv_response, xlsx_response
from amn.models import Committee
from amn.permissions import ENTER_FIGURES, READ_LIVE, can, committee_at_period, committee_for_user
from goals.models import AssessmentLevel
from indicators.models import Indicator, IndicatorKind
from indicators.services.exports import (
    footnote_sheet,
    goal_table_sheet,
    history_sheet,
    measure_sheet,
    overview_sheet,
)
from indicators.services.goal_table import GoalTable, build_goal_table
from indicators.services.indicator_history import build_indicator_history
from indicators.services.indicator_rows import period_label
from indicators.services.kolada_peers import peer_comparison
from indicators.services.measure_tables import build_measure_table


def _committee(request: HttpRequest, code: str, year: int, month: int) -> Committee:
    return committee_at_period(request.user, code, year, month, READ_LIVE)


def _goal_table(
    request: HttpRequest, code: str, year: int, month: int, *, with_indicators: bool = True
) -> GoalTable:
    committee = _committee(request, code, year, month)
    table = build_goal_table(committee, year, month, with_indicators=with_indicators)
    if not table.goals:
        raise Http404(f"Nämnden har inga nämndmål för {year}.")
    return table


def _downloads(name: str, code: str, year: int, month: int) -> dict[str, str]:
    return {
        kind: reverse(f"indicators:{name}-{kind}", args=[code, year, month])
        for kind in ("xlsx", "csv")
    }


def _file_name(what: str, committee: Committee, year: int, month: int) -> str:
    return f"{what}-{committee.code}-{year}-{month:02d}"


def _spreadsheet(kind: str, sheets: list[Sheet], name: str) -> HttpResponse:
    if kind == "xlsx":
        return xlsx_response(sheets, f"{name}.xlsx")
    return csv_response(sheets[0], f"{name}.csv")


# Nämndindikatorer ----------------------------------------------------------------------------


@login_required
def goal_table(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    table = _goal_table(request, code, year, month)
    return render(
        request,
        "indicators/goal_table.html",
        {
            "committee": table.committee,
            "table": table,
            "year": year,
            "month": month,
            "label": period_label(year, month),
            "downloads": _downloads("goal-table", code, year, month),
            "may_enter": can(request.user, table.committee, ENTER_FIGURES),
        },
    )


def goal_table_download(kind: str):
    @login_required
    def download(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
        table = _goal_table(request, code, year, month)
        return _spreadsheet(
            kind,
            [goal_table_sheet(table), footnote_sheet(table)],
            _file_name("namndindikatorer", table.committee, year, month),
        )

    return download


# Målbedömningar ------------------------------------------------------------------------------


@login_required
def assessment_overview(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    table = _goal_table(request, code, year, month, with_indicators=False)
    return render(
        request,
        "indicators/assessment_overview.html",
        {
            "committee": table.committee,
            "table": table,
            "year": year,
            "month": month,
            "label": period_label(year, month),
            "levels": list(AssessmentLevel),
            "downloads": _downloads("assessment-overview", code, year, month),
        },
    )


def assessment_overview_download(kind: str):
    @login_required
    def download(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
        table = _goal_table(request, code, year, month, with_indicators=False)
        return _spreadsheet(
            kind,
            [overview_sheet(table)],
            _file_name("malbedomningar", table.committee, year, month),
        )

    return download


# Volymmått och personal ----------------------------------------------------------------------


def _measure_tables(request: HttpRequest, code: str, year: int, month: int):
    committee = _committee(request, code, year, month)
    tables = [
        build_measure_table(committee, kind, year, month)
        for kind in (IndicatorKind.VOLUME, IndicatorKind.PERSONNEL)
    ]
    if not any(table.rows for table in tables):
        raise Http404(f"Inga volymmått eller personaltal för {period_label(year, month)}.")
    return committee, tables


@login_required
def measures(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    committee, tables = _measure_tables(request, code, year, month)
    return render(
        request,
        "indicators/measures.html",
        {
            "committee": committee,
            "tables": [table for table in tables if table.rows],
            "year": year,
            "month": month,
            "label": period_label(year, month),
            "downloads": _downloads("measures", code, year, month),
        },
    )


def measures_download(kind: str):
    @login_required
    def download(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
        committee, tables = _measure_tables(request, code, year, month)
        sheets = [measure_sheet(table) for table in tables if table.rows]
        if kind == "csv" and request.GET.get("tabell") == "personal" and len(sheets) > 1:
            sheets = sheets[1:]
        return _spreadsheet(kind, sheets, _file_name("volymtal", committee, year, month))

    return download


# Indikator -----------------------------------------------------------------------------------


def _indicator(request: HttpRequest, code: str, pk: int) -> Indicator:
    committee = committee_for_user(request.user, code, READ_LIVE)
    return get_object_or_404(Indicator, pk=pk, committee=committee)


@login_required
def indicator(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    shown = _indicator(request, code, pk)
    history = build_indicator_history(shown)
    context = {
        "committee": shown.committee,
        "indicator": shown,
        "history": history,
        "downloads": {
            kind: reverse(f"indicators:indicator-{kind}", args=[code, pk])
            for kind in ("xlsx", "csv")
        },
        "may_enter": can(request.user, shown.committee, ENTER_FIGURES),
    }
    context.update(peer_context(request, shown, history))
    return render(request, "indicators/indicator.html", context)


def peer_context(request: HttpRequest, shown: Indicator, history) -> dict:
    """The comparison with peer municipalities and Riket, when the indicator is in Kolada:
    read from what was fetched, never waiting on Kolada."""
    if not shown.kolada_kpi:
        return {}
    latest = max((c.year for c in history.columns), default=date.today().year - 1)
    chosen = request.GET.get("jamfor", "").strip()
    comparison = peer_comparison(shown, range(latest - 4, latest + 1), peers=chosen or None)
    return {"comparison": comparison, "chosen_peers": chosen, "kolada_year": latest}


def indicator_download(kind: str):
    @login_required
    def download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
        shown = _indicator(request, code, pk)
        return _spreadsheet(
            kind,
            [history_sheet(build_indicator_history(shown))],
            f"indikator-{shown.committee.code}-{shown.pk}",
        )

    return download


def _with_downloads(route: str, view, name: str, download) -> list:
    return [
        path(route, view, name=name),
        path(f"{route}excel/", download("xlsx"), name=f"{name}-xlsx"),
        path(f"{route}csv/", download("csv"), name=f"{name}-csv"),
    ]


urlpatterns = [
    *_with_downloads(
        "namndindikatorer/<int:year>/<int:month>/", goal_table, "goal-table", goal_table_download
    ),
    *_with_downloads(
        "malbedomningar/<int:year>/<int:month>/",
        assessment_overview,
        "assessment-overview",
        assessment_overview_download,
    ),
    *_with_downloads("volymtal/<int:year>/<int:month>/", measures, "measures", measures_download),
    *_with_downloads("indikatorer/<int:pk>/", indicator, "indicator", indicator_download),
]
