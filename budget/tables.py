"""How the money tables are laid out: on the page (django-tables2) and in the downloads
(amn.lib.spreadsheet). Headers are written once here and used by both.

Figures are shown in the unit the reader chose through amn.lib.money; negative deviations
carry the class "negative", lines carry "line-<kind>" (row, detail, sum, part, units, total,
investment, month) for the style of sums and "varav" lines.
"""

import hashlib
from collections.abc import Callable
from decimal import Decimal

import django_tables2 as tables
from django.core.cache import cache
from django.utils.html import format_html

from amn.lib.money import Unit, format_amount, in_unit
from amn.lib.spreadsheet import Sheet, number_format
from amn.models import months_span
from budget.services.investments import InvestmentLine, InvestmentSummary
from budget.services.operating_summary import OperatingSummary, SummaryLine
from budget.services.social_assistance import SocialAssistanceSeries

SUM_KINDS = frozenset({"sum", "total"})
INDENTED_KINDS = frozenset({"detail", "part"})
# The lines whose actual figure comes from the ledger: they link to its lines.
LEDGER_KINDS = frozenset({"row", "detail", "units"})
# Rendered driftsammandrag tables are kept this long after they were rendered.
RENDERED_TABLES_SECONDS = 3600


def _cell_class(deviation: bool) -> Callable:
    def cell_class(table, bound_column, record=None) -> str:
        classes = "num"
        if deviation and record is not None:
            shown = in_unit(bound_column.accessor.resolve(record, quiet=True), table.unit)
            if shown is not None and shown < 0:
                classes += " negative"
        return classes

    return cell_class


class FigureColumn(tables.Column):
    """An amount in the table's unit, Swedish format; a deviation is marked when negative."""

    def __init__(self, *, deviation: bool = False, linked: bool = False, **kwargs) -> None:
        attrs = {"th": {"class": "num"}, "td": {"class": _cell_class(deviation)}}
        super().__init__(attrs=attrs, orderable=False, **kwargs)
        self.linked = linked

    def render(self, value: Decimal, record, table) -> str:
        text = format_amount(value, table.unit)
        url = table.figure_link(record) if self.linked else None
        return format_html('<a href="{}">{}</a>', url, text) if url else text


class MoneyTable(tables.Table):
    """Amounts in the reader's unit; `headers` name the columns for this year and month."""

    def __init__(
        self,
        data,
        *,
        unit: Unit,
        headers: dict[str, str] | None = None,
        figure_link: Callable[[object], str | None] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(data, **kwargs)
        self.unit = unit
        self._figure_link = figure_link
        for name, header in (headers or {}).items():
            self.columns[name].column.verbose_name = header

    def figure_link(self, record) -> str | None:
        return self._figure_link(record) if self._figure_link else None

    class Meta:
        orderable = False
        default = "–"
        attrs = {"class": "table money"}
        row_attrs = {"class": lambda record: f"line-{record.kind}"}


# Driftsammandrag -----------------------------------------------------------------------------


def result_headers(year: int, month: int) -> dict[str, str]:
    return {
        "actual": f"Redovisat {months_span(year, month)}",
        "budget": f"Budget {months_span(year, month)}",
        "deviation": "Avvikelse",
        "actual_previous_year": f"Redovisat {months_span(year - 1, month)}",
    }


def full_year_headers(year: int) -> dict[str, str]:
    return {
        "forecast": f"Prognos helår {year}",
        "budget_full_year": f"Budget helår {year}",
        "forecast_deviation": "Avvikelse",
        "result_previous_year": f"Bokslut {year - 1}",
    }


def result_title(year: int, month: int) -> str:
    return f"Resultat {months_span(year, month)}"


def full_year_title(year: int) -> str:
    return f"Helårsprognos {year}"


class ResultTable(MoneyTable):
    """Result to date: actual, periodised budget, deviation, actual a year before."""

    label = tables.Column("Verksamhet", orderable=False, attrs={"td": {"class": "label"}})
    actual = FigureColumn(accessor="figures__actual", linked=True)
    budget = FigureColumn(accessor="figures__budget")
    deviation = FigureColumn(deviation=True)
    actual_previous_year = FigureColumn(accessor="figures__actual_previous_year")

    class Meta(MoneyTable.Meta):
        pass


class FullYearTable(MoneyTable):
    """Full year: forecast, budget, deviation, bokslut of the year before."""

    label = tables.Column("Verksamhet", orderable=False, attrs={"td": {"class": "label"}})
    forecast = FigureColumn(accessor="figures__forecast")
    budget_full_year = FigureColumn(accessor="figures__budget_full_year")
    forecast_deviation = FigureColumn(deviation=True)
    result_previous_year = FigureColumn(accessor="figures__result_previous_year")

    class Meta(MoneyTable.Meta):
        pass


def full_year_lines(summary: OperatingSummary) -> list[SummaryLine]:
    return [line for line in summary.lines if line.in_full_year_table]


def operating_summary_tables(
    summary: OperatingSummary,
    unit: Unit,
    ledger_link: Callable[[SummaryLine], str | None] | None = None,
) -> tuple[ResultTable, FullYearTable]:
    def figure_link(line: SummaryLine) -> str | None:
        if ledger_link is None or line.kind not in LEDGER_KINDS or line.row_id is None:
            return None
        return ledger_link(line)

    return (
        ResultTable(
            summary.lines,
            unit=unit,
            headers=result_headers(summary.year, summary.month),
            figure_link=figure_link,
        ),
        FullYearTable(full_year_lines(summary), unit=unit, headers=full_year_headers(summary.year)),
    )


def rendered_operating_summary_tables(
    request, summary: OperatingSummary, unit: Unit, ledger_link: Callable[[SummaryLine], str]
) -> tuple[str, str]:
    """Both tables as HTML, remembered by their content.

    Rendering the tables costs several times more than building the summary from the
    database. The summary is built for every request and the HTML is kept under a digest
    of everything it shows (its lines with every figure, the unit, the nämnd and period
    the ledger links point at), so a changed figure is a new key: never a stale table.
    """
    shown = (summary.committee.code, summary.year, summary.month, unit.code, summary.lines)
    key = "operating-summary:" + hashlib.sha256(repr(shown).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        result_table, full_year_table = operating_summary_tables(summary, unit, ledger_link)
        html = (result_table.as_html(request), full_year_table.as_html(request))
        cache.set(key, html, RENDERED_TABLES_SECONDS)
    return html


def exact(amount: Decimal | None, unit: Unit) -> Decimal | None:
    """The exact amount in the unit, unrounded: Excel rounds it only for display."""
    return None if amount is None else amount / unit.divisor


def _summary_sheet(
    title: str, heading: str, lines: list[SummaryLine], headers: dict[str, str], unit: Unit
) -> Sheet:
    return Sheet(
        title=title,
        heading=heading,
        headers=["Verksamhet", *headers.values()],
        rows=[
            [line.label, *(exact(line.values()[name], unit) for name in headers)] for line in lines
        ],
        sum_rows={i for i, line in enumerate(lines) if line.kind in SUM_KINDS},
        indented_rows={i for i, line in enumerate(lines) if line.kind in INDENTED_KINDS},
        italic_rows={i for i, line in enumerate(lines) if line.kind == "detail"},
        number_formats=number_format(unit.decimals),
        unit=unit.code,
    )


def _heading(summary: OperatingSummary, what: str, unit: Unit) -> str:
    return f"{summary.committee.name}: {what}, belopp {unit.code}"


def operating_summary_sheets(summary: OperatingSummary, unit: Unit) -> list[Sheet]:
    """Both tables of the driftsammandrag, a worksheet each, with exact amounts."""
    year, month = summary.year, summary.month
    return [
        _summary_sheet(
            "Resultat",
            _heading(summary, f"driftsammandrag {result_title(year, month).lower()}", unit),
            summary.lines,
            result_headers(year, month),
            unit,
        ),
        _summary_sheet(
            "Helårsprognos",
            _heading(summary, f"driftsammandrag, {full_year_title(year).lower()}", unit),
            full_year_lines(summary),
            full_year_headers(year),
            unit,
        ),
    ]


def operating_summary_csv_sheet(summary: OperatingSummary, unit: Unit) -> Sheet:
    """Both tables side by side, one line per row, rounded to the unit as shown.

    Figures of a line left out of the full-year table are empty.
    """
    result = result_headers(summary.year, summary.month)
    full_year = full_year_headers(summary.year)
    rows = []
    for line in summary.lines:
        values = line.values()
        shown = [in_unit(values[name], unit) for name in result]
        shown += [
            in_unit(values[name], unit) if line.in_full_year_table else None for name in full_year
        ]
        rows.append([line.label, line.code, *shown])
    return Sheet(
        title="Driftsammandrag",
        headers=[
            "Verksamhet",
            "Kod",
            *result.values(),
            *(f"{h} helår" if h == "Avvikelse" else h for h in full_year.values()),
        ],
        rows=rows,
    )


# Investeringar ---------------------------------------------------------------------------------


def investment_headers(summary: InvestmentSummary) -> dict[str, str]:
    span = months_span(summary.year, summary.month)
    headers = {}
    if summary.has_income:
        headers |= {
            "actual_expenditure": f"Redovisat {span}, utgifter",
            "actual_income": f"Redovisat {span}, inkomster",
        }
    headers["actual"] = f"Redovisat {span}"
    if summary.has_income:
        headers |= {
            "forecast_expenditure": f"Prognos {summary.year}, utgifter",
            "forecast_income": f"Prognos {summary.year}, inkomster",
        }
    headers |= {
        "forecast": f"Prognos {summary.year}",
        "budget": f"Budget (investeringsram) {summary.year}",
        "deviation": "Avvikelse",
    }
    return headers


class InvestmentTable(MoneyTable):
    label = tables.Column("Investering", orderable=False, attrs={"td": {"class": "label"}})
    actual_expenditure = FigureColumn()
    actual_income = FigureColumn()
    actual = FigureColumn()
    forecast_expenditure = FigureColumn()
    forecast_income = FigureColumn()
    forecast = FigureColumn()
    budget = FigureColumn()
    deviation = FigureColumn(deviation=True)

    class Meta(MoneyTable.Meta):
        pass


def investment_table(summary: InvestmentSummary, unit: Unit) -> InvestmentTable:
    headers = investment_headers(summary)
    hidden = [name for name in InvestmentTable.base_columns if name not in {"label", *headers}]
    return InvestmentTable(summary.lines, unit=unit, headers=headers, exclude=hidden)


def investment_sheet(summary: InvestmentSummary, unit: Unit, *, for_csv: bool = False) -> Sheet:
    """The investments with their sum: exact amounts under a heading for Excel, amounts
    rounded to the unit and no heading for CSV."""
    headers = investment_headers(summary)

    def value(line: InvestmentLine, name: str) -> Decimal | None:
        amount = getattr(line, name)
        return in_unit(amount, unit) if for_csv else exact(amount, unit)

    span = months_span(summary.year, summary.month)
    return Sheet(
        title="Investeringar",
        heading=None
        if for_csv
        else f"{summary.committee.name}: investeringar {span}, belopp {unit.code}",
        headers=["Investering", *headers.values()],
        rows=[[line.label, *(value(line, name) for name in headers)] for line in summary.lines],
        sum_rows={len(summary.lines) - 1},
        number_formats=number_format(unit.decimals),
        unit=unit.code,
    )


# Ekonomiskt bistånd ----------------------------------------------------------------------------


class SocialAssistanceTable(MoneyTable):
    label = tables.Column("Månad", orderable=False, attrs={"td": {"class": "label"}})
    amount = FigureColumn()
    rolling = FigureColumn()

    class Meta(MoneyTable.Meta):
        row_attrs = {"class": "line-month"}


def social_assistance_table(series: SocialAssistanceSeries, unit: Unit) -> SocialAssistanceTable:
    return SocialAssistanceTable(
        series.points,
        unit=unit,
        headers={
            "amount": f"Nettokostnad för månaden ({unit.code})",
            "rolling": f"Kostnad de senaste 12 månaderna ({unit.code})",
        },
    )
