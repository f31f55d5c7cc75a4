"""The investments of a nämnd at a follow-up: redovisat, prognos, budget and avvikelse.

One query, whatever the number of investments.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from amn.lib.money import deviation
from amn.models import Committee, PeriodKind, ReportingPeriod
from budget.models import InvestmentFollowUp

SUM_LABEL = "Summa investeringar"


@dataclass
class InvestmentLine:
    """One investment, or the sum of them all (kind "sum"); net = utgifter − inkomster."""

    label: str
    code: str
    kind: str  # investment, sum
    actual_expenditure: Decimal = Decimal(0)
    actual_income: Decimal = Decimal(0)
    forecast_expenditure: Decimal = Decimal(0)
    forecast_income: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)

    @property
    def actual(self) -> Decimal:
        return self.actual_expenditure - self.actual_income

    @property
    def forecast(self) -> Decimal:
        return self.forecast_expenditure - self.forecast_income

    @property
    def deviation(self) -> Decimal | None:
        """Avvikelse = budget (investeringsram) − prognos: positive is under the frame."""
        return deviation(self.budget, self.forecast)

    def add(self, other: "InvestmentLine") -> None:
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


AMOUNTS = (
    "actual_expenditure",
    "actual_income",
    "forecast_expenditure",
    "forecast_income",
    "budget",
)


@dataclass
class InvestmentSummary:
    committee: Committee
    period: ReportingPeriod
    lines: list[InvestmentLine] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def month(self) -> int:
        return self.period.month

    @property
    def investments(self) -> list[InvestmentLine]:
        return [line for line in self.lines if line.kind == "investment"]

    @property
    def total(self) -> InvestmentLine:
        return self.lines[-1]

    @property
    def has_income(self) -> bool:
        """Whether any inkomster are recorded: then utgifter and inkomster are shown apart."""
        return any(line.actual_income or line.forecast_income for line in self.investments)


def build_investment_summary(
    committee: Committee, year: int, month: int
) -> InvestmentSummary | None:
    """The follow-up of every investment at the nämnd's reporting period of year/month, or
    None when no follow-up was made then. Internbudget periods are plans, not follow-ups."""
    follow_ups = list(
        InvestmentFollowUp.objects.filter(
            period__committee=committee, period__year=year, period__month=month
        )
        .exclude(period__kind=PeriodKind.BUDGET)
        .select_related("investment", "period")
        .order_by("period_id", "investment__code", "investment__name")
    )
    if not follow_ups:
        return None
    # Two follow-up kinds never end in the same month in practice; if they did, the first
    # recorded period wins rather than adding one period's figures to another's.
    period = follow_ups[0].period
    summary = InvestmentSummary(committee=committee, period=period)
    total = InvestmentLine(SUM_LABEL, "", "sum")
    for follow_up in follow_ups:
        if follow_up.period_id != period.pk:
            continue
        investment = follow_up.investment
        line = InvestmentLine(
            str(investment),
            investment.code,
            "investment",
            **{name: getattr(follow_up, name) for name in AMOUNTS},
        )
        summary.lines.append(line)
        total.add(line)
    summary.lines.append(total)
    return summary
