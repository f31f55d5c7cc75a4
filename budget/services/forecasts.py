"""Full-year forecasts per reporting period: the entry sheet, the comment rule, saving,
and how accurate each period's forecast turned out against the bokslut."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum

from amn.lib.money import Unit, deviation, format_amount
from amn.models import Committee, PeriodKind, ReportingPeriod, ReportText, Section
from amn.services.history import Edit, edits_between, record_period_changes
from budget.models import Forecast, Measure, MonthlyAmount, RowKind, SummaryRow


@dataclass
class ForecastLine:
    row: SummaryRow
    budget_full_year: Decimal | None = None
    actual_to_date: Decimal | None = None
    amount: Decimal | None = None
    comment: str = ""
    prefilled: bool = False
    text: str = ""  # what the user typed, kept when the form is shown again
    amount_error: str = ""
    comment_error: str = ""

    @property
    def deviation(self) -> Decimal | None:
        return deviation(self.budget_full_year, self.amount)


@dataclass
class ForecastSheet:
    period: ReportingPeriod
    lines: list[ForecastLine] = field(default_factory=list)
    analysis: str = ""
    prefilled_from: ReportingPeriod | None = None

    @property
    def has_errors(self) -> bool:
        return any(line.amount_error or line.comment_error for line in self.lines)


def forecast_periods(committee: Committee, year: int):
    return ReportingPeriod.objects.filter(committee=committee, year=year).exclude(
        kind=PeriodKind.BUDGET
    )


def forecast_sheet(period: ReportingPeriod) -> ForecastSheet:
    """Every row of the period's year with its budget, actual to date and forecast; rows
    without a forecast yet start from the latest earlier period's forecast and comment."""
    rows = list(
        SummaryRow.objects.filter(
            committee_id=period.committee_id,
            year=period.year,
            kind__in=[RowKind.ROW, RowKind.UNITS],
            in_full_year_table=True,
        ).order_by("position")
    )
    figures = {
        (item["row_id"], item["measure"]): item
        for item in MonthlyAmount.objects.filter(row__in=rows)
        .values("row_id", "measure")
        .annotate(full=Sum("amount"), to_date=Sum("amount", filter=Q(month__lte=period.month)))
    }
    earlier = (
        forecast_periods(period.committee, period.year)
        .filter(month__lt=period.month, forecasts__isnull=False)
        .order_by("-month")
        .first()
    )
    forecasts = {
        (f.period_id, f.row_id): f
        for f in Forecast.objects.filter(
            row__in=rows, period_id__in=[period.pk] + ([earlier.pk] if earlier else [])
        )
    }
    sheet = ForecastSheet(period)
    for row in rows:
        line = ForecastLine(
            row,
            budget_full_year=figures.get((row.pk, Measure.BUDGET), {}).get("full"),
            actual_to_date=figures.get((row.pk, Measure.ACTUAL), {}).get("to_date"),
        )
        stored = forecasts.get((period.pk, row.pk))
        previous = forecasts.get((earlier.pk, row.pk)) if earlier else None
        if stored is not None:
            line.amount, line.comment = stored.amount, stored.comment
        elif previous is not None:
            line.amount, line.comment, line.prefilled = previous.amount, previous.comment, True
            sheet.prefilled_from = earlier
        sheet.lines.append(line)
    texts = {
        text.period_id: text.body
        for text in ReportText.objects.filter(
            period_id__in=[period.pk] + ([earlier.pk] if earlier else []),
            section=Section.ECONOMY,
            title="",
        )
    }
    sheet.analysis = texts.get(period.pk) or (texts.get(earlier.pk, "") if earlier else "")
    if period.pk not in texts and earlier and earlier.pk in texts:
        sheet.prefilled_from = earlier
    return sheet


def comment_rule_message(committee: Committee, line: ForecastLine, unit: Unit) -> str:
    """Why this line needs a comment (its deviation passes the nämnd's threshold), or ""."""
    gap = line.deviation
    if gap is None or line.comment.strip():
        return ""
    limits = []
    if committee.comment_threshold_amount is not None:
        limits.append(committee.comment_threshold_amount)
    if committee.comment_threshold_percent is not None and line.budget_full_year:
        limits.append(abs(line.budget_full_year) * committee.comment_threshold_percent / 100)
    passed = [limit for limit in limits if abs(gap) > limit]
    if not passed:
        return ""
    return (
        f"Avvikelsen {format_amount(gap, unit)} {unit.code} är större än nämndens gräns "
        f"{format_amount(min(passed), unit)} {unit.code}: skriv en kommentar."
    )


def save_forecasts(
    sheet: ForecastSheet, lines: list[ForecastLine], analysis: str, user=None
) -> int:
    """Store the forecast and comment of every row of `lines` (those the post accounted
    for; other rows stay as they are) and the analysis text, all or nothing, and keep what
    changed in the history. A row without an amount has no forecast: returns how many
    stored forecasts were removed so."""
    period = sheet.period
    with transaction.atomic():
        before = {
            forecast.row_id: {"amount": forecast.amount, "comment": forecast.comment}
            for forecast in Forecast.objects.filter(period=period)
        }
        old_analysis = (
            ReportText.objects.filter(period=period, section=Section.ECONOMY, title="")
            .values_list("body", flat=True)
            .first()
        )
        keep = [line for line in lines if line.amount is not None]
        removed, _ = (
            Forecast.objects.filter(period=period, row__in=[line.row for line in lines])
            .exclude(row__in=[line.row for line in keep])
            .delete()
        )
        Forecast.objects.bulk_create(
            [
                Forecast(row=line.row, period=period, amount=line.amount, comment=line.comment)
                for line in keep
            ],
            update_conflicts=True,
            unique_fields=["row", "period"],
            update_fields=["amount", "comment"],
        )
        ReportText.objects.update_or_create(
            period=period,
            section=Section.ECONOMY,
            title="",
            defaults={"body": analysis, "position": 0},
        )
        labels = {line.row.pk: line.row.label for line in lines}
        after = {line.row.pk: {"amount": line.amount, "comment": line.comment} for line in keep}
        edits = list(
            edits_between(
                lambda row_id: f"Prognos: {labels.get(row_id, row_id)}",
                {"amount": "prognos helår (kr)", "comment": "kommentar"},
                {row_id: values for row_id, values in before.items() if row_id in labels},
                after,
            )
        )
        edits.append(Edit(Section.ECONOMY.label, "text", old_analysis, analysis))
        record_period_changes(period, user, edits)
    return removed


@dataclass
class AccuracyLine:
    label: str
    kind: str  # row, units, sum
    bokslut: Decimal | None
    forecasts: list[Decimal | None]

    @property
    def cells(self) -> list[tuple[Decimal | None, tuple[Decimal | None, Decimal | None]]]:
        return list(zip(self.forecasts, self.differences(), strict=True))

    def differences(self) -> list[tuple[Decimal | None, Decimal | None]]:
        """Per forecast: forecast − bokslut, and that as a percentage of the bokslut."""
        result = []
        for forecast in self.forecasts:
            if forecast is None or self.bokslut is None:
                result.append((None, None))
                continue
            gap = forecast - self.bokslut
            share = gap / abs(self.bokslut) * 100 if self.bokslut else None
            result.append((gap, share))
        return result


@dataclass
class ForecastAccuracy:
    year: int
    periods: list[ReportingPeriod]
    lines: list[AccuracyLine]
    closed: bool


def forecast_accuracy(committee: Committee, year: int) -> ForecastAccuracy:
    """Each period's forecast against the year's bokslut, per row: four queries."""
    periods = list(forecast_periods(committee, year).order_by("month"))
    rows = list(
        SummaryRow.objects.filter(
            committee=committee, year=year, parent__isnull=True, in_full_year_table=True
        ).order_by("position")
    )
    actuals = {
        item["row_id"]: item
        for item in MonthlyAmount.objects.filter(row__in=rows, measure=Measure.ACTUAL)
        .values("row_id")
        .annotate(total=Sum("amount"), months=Count("month", distinct=True))
    }
    forecasts = {
        (f.row_id, f.period_id): f.amount
        for f in Forecast.objects.filter(row__in=rows, period__in=periods)
    }
    lines = []
    closed = bool(rows)
    total_bokslut: Decimal | None = Decimal(0)
    totals: list[Decimal | None] = [Decimal(0)] * len(periods)
    for row in rows:
        actual = actuals.get(row.pk)
        bokslut = actual["total"] if actual and actual["months"] == 12 else None
        closed &= bokslut is not None
        values = [forecasts.get((row.pk, period.pk)) for period in periods]
        lines.append(AccuracyLine(row.label, row.kind, bokslut, values))
        total_bokslut = (
            None if bokslut is None or total_bokslut is None else total_bokslut + bokslut
        )
        totals = [
            None if value is None or total is None else total + value
            for total, value in zip(totals, values, strict=True)
        ]
    lines.append(AccuracyLine("Summa", "sum", total_bokslut, totals))
    return ForecastAccuracy(year, periods, lines, closed)
