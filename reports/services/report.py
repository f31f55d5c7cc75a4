"""A period's report: the sections of the seeds in their order, from the live figures.

The report ties the apps together: texts (amn), the driftsammandrag, investeringar and
ekonomiskt bistånd (budget), målbedömningar, uppdrag and internkontroll (goals), volymtal,
personal and the goal tables (indicators). `build_report` gathers them; the page, the
workbook and the open data of a draft are made from it, and publishing stores all three
(reports.services.publishing).

A section without anything to show is left out, so an internbudget or an early delår
prints only what it holds.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string

from amn.lib.money import Unit
from amn.lib.spreadsheet import Sheet
from amn.models import PeriodKind, ReportingPeriod, ReportText, Section
from budget import tables as money_tables
from budget.services.internal_budget import (
    build_internal_budget,
    frame_adjustment_sheet,
    internal_budget_sheet,
)
from budget.services.investments import build_investment_summary
from budget.services.operating_summary import build_operating_summary
from budget.services.social_assistance import build_social_assistance, charts
from goals.models import AssessmentLevel, AssignmentStatus, InternalControlStatus
from indicators.models import IndicatorKind
from indicators.services.exports import goal_table_sheet, measure_sheet, overview_sheet
from indicators.services.goal_table import build_goal_table
from indicators.services.measure_tables import build_measure_table

REPORT_UNIT = Unit.MNKR
KIND_NAMES = {
    PeriodKind.BUDGET: "Internbudget",
    PeriodKind.ANNUAL: "Verksamhetsberättelse",
}

# The seeds' order: texts first, then Ekonomi, Mål, uppdrag, volymtal, personal and the
# nämndindikatorer; text sections without a place of their own follow at the end.
OPENING = [Section.MISSION, Section.SUMMARY, Section.ASSESSMENT, Section.EVENTS, Section.OUTLOOK]
CLOSING = [
    Section.PREMISES,
    Section.PROCUREMENT,
    Section.PRIVATE_PROVIDERS,
    Section.COMPETENCE,
    Section.IT_PLAN,
]


def report_name(period: ReportingPeriod) -> str:
    return KIND_NAMES.get(period.kind, "Delårsrapport")


@dataclass
class ReportSection:
    key: str
    title: str
    texts: list[ReportText] = field(default_factory=list)
    parts: dict = field(default_factory=dict)  # what the section's template shows

    @property
    def empty(self) -> bool:
        return not self.texts and not any(self.parts.values())


@dataclass
class Report:
    period: ReportingPeriod
    sections: list[ReportSection]
    sheets: list[Sheet]
    unit: Unit = REPORT_UNIT

    @property
    def committee(self):
        return self.period.committee

    @property
    def title(self) -> str:
        name, title = report_name(self.period), self.period.title
        # "Delårsrapport per den 31 augusti 2023" names itself already.
        return title if title.lower().startswith(name.lower()) else f"{name}: {title}"


def build_report(period: ReportingPeriod) -> Report:
    committee, year, month = period.committee, period.year, period.month
    texts: dict[str, list[ReportText]] = defaultdict(list)
    for text in ReportText.objects.filter(period=period).order_by("position"):
        texts[text.section].append(text)

    def section(key: str, title: str, text_keys=(), **parts) -> ReportSection:
        return ReportSection(key, title, [t for k in text_keys for t in texts[k]], parts)

    follow_up = period.kind != PeriodKind.BUDGET
    summary = build_operating_summary(committee, year, month)
    has_summary = follow_up and any(line.row_id for line in summary.lines)
    investments = build_investment_summary(committee, year, month) if follow_up else None
    assistance = build_social_assistance(committee, year, month) if follow_up else None
    goals = build_goal_table(committee, year, month)
    volume = build_measure_table(committee, IndicatorKind.VOLUME, year, month)
    personnel = build_measure_table(committee, IndicatorKind.PERSONNEL, year, month)
    assignments = list(
        AssignmentStatus.objects.filter(period=period)
        .select_related("assignment")
        .order_by("assignment__scope", "assignment__position")
    )
    controls = list(
        InternalControlStatus.objects.filter(period=period)
        .select_related("point")
        .order_by("point__position")
    )
    internal_budget = None if follow_up else build_internal_budget(committee, year, period=period)
    result_table = full_year_table = None
    if has_summary:
        result_table, full_year_table = money_tables.operating_summary_tables(summary, REPORT_UNIT)
    sections = [
        *(section(key, Section(key).label, [key]) for key in OPENING),
        section(
            "ekonomi",
            "Ekonomi",
            [Section.ECONOMY],
            result_table=result_table,
            full_year_table=full_year_table,
            result_title=money_tables.result_title(year, month),
            full_year_title=money_tables.full_year_title(year),
            internal_budget=internal_budget,
        ),
        section(
            "investeringar",
            "Investeringar",
            [Section.INVESTMENTS],
            investment_table=money_tables.investment_table(investments, REPORT_UNIT)
            if investments
            else None,
        ),
        section(
            "ekonomiskt_bistand",
            "Ekonomiskt bistånd",
            charts=charts(assistance) if assistance and assistance.has_data else None,
        ),
        section(
            "mal",
            "Mål",
            [Section.GOALS],
            goal_overview=goals if goals.goals else None,
            assessed=[g for g in goals.goals if g.assessment],
        ),
        section(
            "utvecklingsuppdrag",
            "Strategiska utvecklingsuppdrag",
            [Section.ASSIGNMENTS],
            assignments=assignments,
        ),
        section("internkontroll", "Internkontroll", [Section.INTERNAL_CONTROL], controls=controls),
        section("volymtal", "Volymutveckling", [Section.VOLUMES], table=_rows_or_none(volume)),
        section("personal", "Personal", [Section.PERSONNEL], table=_rows_or_none(personnel)),
        section("namndindikatorer", "Nämndindikatorer", goal_table=goals if goals.rows else None),
        *(section(key, Section(key).label, [key]) for key in CLOSING),
    ]
    sheets: list[Sheet] = []
    if internal_budget:
        sheets.append(internal_budget_sheet(internal_budget))
        if internal_budget.adjustments:
            sheets.append(frame_adjustment_sheet(internal_budget))
    if has_summary:
        sheets += money_tables.operating_summary_sheets(summary, REPORT_UNIT)
    if investments:
        sheets.append(money_tables.investment_sheet(investments, REPORT_UNIT))
    if goals.goals:
        sheets.append(overview_sheet(goals))
    sheets += [measure_sheet(table) for table in (volume, personnel) if table.rows]
    if goals.rows:
        sheets.append(goal_table_sheet(goals))
    if assignments:
        sheets.append(_assignment_sheet(assignments))
    # The målredovisning lists each målbedömning's results and deviations: one query.
    prefetch_related_objects([goal.assessment for goal in goals.goals if goal.assessment], "points")
    return Report(period, [s for s in sections if not s.empty], sheets)


def render_report_body(report: Report, request) -> str:
    """The report as HTML, the same for a draft page and a published version."""
    return render_to_string(
        "reports/_body.html",
        {"report": report, "levels": list(AssessmentLevel)},
        request=request,
    )


def _rows_or_none(table):
    return table if table.rows else None


def _assignment_sheet(statuses: list[AssignmentStatus]) -> Sheet:
    return Sheet(
        title="Utvecklingsuppdrag",
        headers=["Typ", "Uppdrag", "Status", "Kommentar"],
        rows=[
            [
                status.assignment.get_scope_display(),
                status.assignment.title,
                status.get_status_display(),
                status.comment,
            ]
            for status in statuses
        ],
    )
