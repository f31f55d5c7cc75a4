"""The money pages of a nämnd and their downloads: driftsammandrag, investeringar and
ekonomiskt bistånd month by month.

Live figures are drafts: staff, controllers and administrators read them, nämnd members do
not (403), users without a role in the nämnd do not see it exists (404).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from amn.lib.money import Unit, unit_or_default
from amn.lib.spreadsheet import csv_response, xlsx_response
from amn.models import Committee, PeriodKind, months_span
from amn.permissions import READ_LIVE, committee_at_period
from budget import tables
from budget.models import InvestmentFollowUp
from budget.services.investments import InvestmentSummary, build_investment_summary
from budget.services.operating_summary import (
    OperatingSummary,
    SummaryLine,
    build_operating_summary,
)
from budget.services.social_assistance import (
    OPERATION_CODE,
    SocialAssistanceSeries,
    build_social_assistance,
    charts,
)

UNITS = list(Unit)


def _unit(request: HttpRequest, default: Unit) -> Unit:
    return unit_or_default(request.GET.get("enhet"), default)


def _committee(request: HttpRequest, code: str, year: int, month: int) -> Committee:
    return committee_at_period(request.user, code, year, month, READ_LIVE)


def _downloads(name: str, code: str, year: int, month: int, unit: Unit) -> dict[str, str]:
    args = [code, year, month]
    return {
        "xlsx": f"{reverse(f'budget:{name}-xlsx', args=args)}?enhet={unit.code}",
        "csv": f"{reverse(f'budget:{name}-csv', args=args)}?enhet={unit.code}",
    }


def _file_name(what: str, committee: Committee, year: int, month: int, unit: Unit) -> str:
    return f"{what}-{committee.code}-{year}-{month:02d}-{unit.code}"


# Driftsammandrag -----------------------------------------------------------------------------


def _operating_summary(request: HttpRequest, code: str, year: int, month: int) -> OperatingSummary:
    committee = _committee(request, code, year, month)
    summary = build_operating_summary(committee, year, month)
    if not any(line.row_id for line in summary.lines):
        raise Http404(f"Nämnden har inget driftsammandrag för {year}.")
    return summary


@login_required
def operating_summary(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    summary = _operating_summary(request, code, year, month)
    committee, unit = summary.committee, _unit(request, Unit.TKR)

    def ledger_link(line: SummaryLine) -> str:
        url = reverse(
            "budget:ledger-lines",
            kwargs={"code": committee.code, "year": year, "month": month, "row": line.row_id},
        )
        return f"{url}?enhet={unit.code}"

    result_table, full_year_table = tables.rendered_operating_summary_tables(
        request, summary, unit, ledger_link
    )
    has_investments = (
        InvestmentFollowUp.objects.filter(
            period__committee=committee, period__year=year, period__month=month
        )
        .exclude(period__kind=PeriodKind.BUDGET)
        .exists()
    )
    return render(
        request,
        "budget/operating_summary.html",
        {
            "committee": committee,
            "summary": summary,
            "year": year,
            "month": month,
            "span": months_span(year, month),
            "unit": unit,
            "units": UNITS,
            "result_title": tables.result_title(year, month),
            "full_year_title": tables.full_year_title(year),
            "result_table": result_table,
            "full_year_table": full_year_table,
            "downloads": _downloads("operating-summary", committee.code, year, month, unit),
            "has_investments": has_investments,
            "has_social_assistance": any(line.code == OPERATION_CODE for line in summary.lines),
        },
    )


@login_required
def operating_summary_xlsx(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    summary = _operating_summary(request, code, year, month)
    unit = _unit(request, Unit.TKR)
    return xlsx_response(
        tables.operating_summary_sheets(summary, unit),
        _file_name("driftsammandrag", summary.committee, year, month, unit) + ".xlsx",
    )


@login_required
def operating_summary_csv(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    summary = _operating_summary(request, code, year, month)
    unit = _unit(request, Unit.TKR)
    return csv_response(
        tables.operating_summary_csv_sheet(summary, unit),
        _file_name("driftsammandrag", summary.committee, year, month, unit) + ".csv",
    )


# Investeringar -------------------------------------------------------------------------------


def _investments(request: HttpRequest, code: str, year: int, month: int) -> InvestmentSummary:
    committee = _committee(request, code, year, month)
    summary = build_investment_summary(committee, year, month)
    if summary is None:
        raise Http404(f"Ingen uppföljning av investeringar för {months_span(year, month)}.")
    return summary


@login_required
def investments(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    summary = _investments(request, code, year, month)
    committee, unit = summary.committee, _unit(request, Unit.TKR)
    return render(
        request,
        "budget/investments.html",
        {
            "committee": committee,
            "summary": summary,
            "year": year,
            "month": month,
            "span": months_span(year, month),
            "unit": unit,
            "units": UNITS,
            "table": tables.investment_table(summary, unit),
            "downloads": _downloads("investments", committee.code, year, month, unit),
        },
    )


@login_required
def investments_xlsx(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    summary = _investments(request, code, year, month)
    unit = _unit(request, Unit.TKR)
    return xlsx_response(
        [tables.investment_sheet(summary, unit)],
        _file_name("investeringar", summary.committee, year, month, unit) + ".xlsx",
    )


@login_required
def investments_csv(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    summary = _investments(request, code, year, month)
    unit = _unit(request, Unit.TKR)
    return csv_response(
        tables.investment_sheet(summary, unit, for_csv=True),
        _file_name("investeringar", summary.committee, year, month, unit) + ".csv",
    )


# Ekonomiskt bistånd --------------------------------------------------------------------------


def _social_assistance(
    request: HttpRequest, code: str, year: int, month: int
) -> SocialAssistanceSeries:
    committee = _committee(request, code, year, month)
    series = build_social_assistance(committee, year, month)
    if not series.has_data:
        raise Http404("Inga redovisade belopp för ekonomiskt bistånd under perioden.")
    return series


@login_required
def social_assistance(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    series = _social_assistance(request, code, year, month)
    unit = _unit(request, Unit.MNKR)
    return render(
        request,
        "budget/social_assistance.html",
        {
            "committee": series.committee,
            "series": series,
            "year": year,
            "month": month,
            "unit": unit,
            "units": UNITS,
            "first": series.points[0],
            "last": series.points[-1],
            "table": tables.social_assistance_table(series, unit),
            "charts": charts(series),
        },
    )


urlpatterns = [
    path(
        "driftsammandrag/<int:year>/<int:month>/",
        operating_summary,
        name="operating-summary",
    ),
    path(
        "driftsammandrag/<int:year>/<int:month>/excel/",
        operating_summary_xlsx,
        name="operating-summary-xlsx",
    ),
    path(
        "driftsammandrag/<int:year>/<int:month>/csv/",
        operating_summary_csv,
        name="operating-summary-csv",
    ),
    path("investeringar/<int:year>/<int:month>/", investments, name="investments"),
    path("investeringar/<int:year>/<int:month>/excel/", investments_xlsx, name="investments-xlsx"),
    path("investeringar/<int:year>/<int:month>/csv/", investments_csv, name="investments-csv"),
    path(
        "ekonomiskt-bistand/<int:year>/<int:month>/",
        social_assistance,
        name="social-assistance",
    ),
]
