"""What must hold before a period's report is published: the driftsammandrag agrees with
the ledger, every required comment is written and every section is marked ready.

`publishing_problems` lists everything that does not hold, in Swedish, grouped by area;
publishing is refused while the list is not empty, and the draft page shows it, so the
controller sees what is left before pressing the button.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from amn.lib.money import Unit, format_swedish
from amn.models import (
    MONTH_NAMES,
    PeriodKind,
    ReportingPeriod,
    Section,
    SectionPlan,
    months_span,
)
from budget.models import Measure
from budget.services.forecasts import comment_rule_message, forecast_sheet
from budget.services.ledger_lines import current_lines
from budget.services.operating_summary import build_operating_summary
from goals.models import (
    ActivityStatus,
    AssignmentStatus,
    GoalAssessment,
    InternalControlStatus,
    Status,
)

LEDGER = "Driftsammandraget mot huvudboken"
FORECAST = "Helårsprognos"
GOALS = "Målbedömningar"
STATUSES = "Uppdrag, aktiviteter och internkontroll"
SECTIONS = "Avsnitt"

NEEDS_COMMENT = (Status.DELAYED, Status.CANCELLED)
FORECAST_KINDS = (PeriodKind.INTERIM_1, PeriodKind.INTERIM_2, PeriodKind.OCTOBER)


@dataclass(frozen=True)
class Problem:
    area: str
    text: str


def publishing_problems(period: ReportingPeriod) -> list[Problem]:
    problems: list[Problem] = []
    if period.kind != PeriodKind.BUDGET:
        problems += ledger_problems(period)
    if period.kind in FORECAST_KINDS:
        problems += forecast_problems(period)
    problems += assessment_problems(period)
    problems += status_problems(period)
    problems += section_problems(period)
    return problems


def ledger_problems(period: ReportingPeriod) -> list[Problem]:
    """The driftsammandrag's total to date equals the sum of the imported ledger lines
    of the nämnd for the same months, and every month is imported."""
    year, month = period.year, period.month
    lines = current_lines(period.committee_id).filter(
        year=year, month__lte=month, measure=Measure.ACTUAL
    )
    by_month = dict(lines.values_list("month").annotate(total=Sum("amount")))
    problems = []
    absent = [MONTH_NAMES[m - 1] for m in range(1, month + 1) if m not in by_month]
    if absent:
        months = absent[0] if len(absent) == 1 else f"{', '.join(absent[:-1])} och {absent[-1]}"
        problems.append(
            Problem(
                LEDGER,
                f"Utfallet för {months} {year} kommer inte från någon importerad huvudbok: "
                "importera huvudboken för "
                + ("månaden." if len(absent) == 1 else f"de {len(absent)} månaderna."),
            )
        )
    summary = build_operating_summary(period.committee, year, month)
    total = summary.lines[-1].figures.actual or Decimal(0)
    ledger = sum(by_month.values(), Decimal(0))
    if by_month and total != ledger:
        problems.append(
            Problem(
                LEDGER,
                f"Driftsammandragets utfall {months_span(year, month)}, {_kr(total)}, är "
                f"inte lika med summan av huvudboksraderna, {_kr(ledger)} (skillnad "
                f"{_kr(total - ledger)}).",
            )
        )
    return problems


def _kr(amount: Decimal) -> str:
    # To the öre: a difference of one öre is a difference.
    return f"{format_swedish(amount, 2)} kr"


def forecast_problems(period: ReportingPeriod) -> list[Problem]:
    sheet = forecast_sheet(period)
    stored = [line for line in sheet.lines if line.amount is not None and not line.prefilled]
    if not stored:
        return [Problem(FORECAST, f"Ingen helårsprognos är sparad för {period.title}.")]
    return [
        Problem(FORECAST, f"{line.row.label}: {message}")
        for line in stored
        if (message := comment_rule_message(period.committee, line, Unit.TKR))
    ]


def assessment_problems(period: ReportingPeriod) -> list[Problem]:
    # A level chosen against the suggestion has its reason checked where it is chosen
    # (goals.services.assessment_entry): a level the nämnd set before a suggestion
    # changed stands without one.
    return [
        Problem(GOALS, f"{assessment.goal.name}: motivering saknas.")
        for assessment in GoalAssessment.objects.filter(period=period, motivation__regex=r"^\s*$")
        .select_related("goal")
        .order_by("goal__position")
    ]


def status_problems(period: ReportingPeriod) -> list[Problem]:
    problems = []
    for model, link in (
        (AssignmentStatus, "assignment"),
        (ActivityStatus, "activity"),
        (InternalControlStatus, "point"),
    ):
        for status in model.objects.filter(
            period=period, status__in=NEEDS_COMMENT, comment=""
        ).select_related(link):
            problems.append(
                Problem(
                    STATUSES,
                    f"{getattr(status, link)}: status {status.get_status_display().lower()} "
                    "men kommentar saknas.",
                )
            )
    return problems


def section_problems(period: ReportingPeriod) -> list[Problem]:
    plans = SectionPlan.objects.filter(period=period, ready_at__isnull=True).select_related(
        "responsible"
    )
    return [
        Problem(SECTIONS, f"{plan.get_section_display()} är inte markerat klart{_by(plan)}.")
        for plan in sorted(plans, key=lambda plan: Section.values.index(plan.section))
    ]


def _by(plan: SectionPlan) -> str:
    parts = []
    if plan.responsible:
        parts.append(f"ansvarig {plan.responsible.get_full_name() or plan.responsible.username}")
    if plan.deadline:
        parts.append(f"klart senast {plan.deadline.isoformat()}")
    return f" ({', '.join(parts)})" if parts else ""
