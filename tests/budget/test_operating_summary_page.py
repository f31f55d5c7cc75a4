"""The driftsammandrag page and its downloads, checked against the seeds' printed tables."""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db.models import F
from django.urls import reverse
from openpyxl import load_workbook

from amn.lib.money import Unit, in_unit
from budget.models import Measure, MonthlyAmount, SummaryRow
from budget.services.operating_summary import build_operating_summary
from tests.budget.seed_tables import AMN_2021_08_TKR, AMN_2023_08_MNKR

# Session, user, nämnd, the user's roles, the summary's three queries, investments exist.
PAGE_QUERIES = 8
DOWNLOAD_QUERIES = 7


@dataclass
class HtmlCell:
    text: str
    classes: set[str]
    href: str | None = None


@dataclass
class HtmlRow:
    classes: set[str]
    cells: list[HtmlCell] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[HtmlRow]] = []
        self.cell: HtmlCell | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append(HtmlRow(classes))
        elif tag in ("td", "th") and self.tables:
            self.cell = HtmlCell("", classes)
        elif tag == "a" and self.cell is not None:
            self.cell.href = attributes.get("href")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            # Collapse layout whitespace only: figures hold non-breaking spaces.
            self.cell.text = re.sub(r"[ \t\r\n]+", " ", self.cell.text).strip(" \t\r\n")
            self.tables[-1][-1].cells.append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.text += data


def html_tables(content: bytes) -> list[list[HtmlRow]]:
    """Every <table> of a page: its rows with their cells' text, classes and link."""
    parser = _TableParser()
    parser.feed(content.decode())
    return parser.tables


def plain(text: str) -> str:
    """A figure as the seeds print it: no thousands separator, ASCII minus."""
    return text.replace("\u00a0", "").replace("\u2212", "-")


def page(client, year: int = 2023, month: int = 8, unit: str | None = None, name: str = ""):
    url = reverse(f"budget:operating-summary{name}", args=["AMN", year, month])
    return client.get(url + (f"?enhet={unit}" if unit else ""))


def shown_rows(table: list[HtmlRow]) -> list[tuple[str, str]]:
    return [(row.texts[0], " ".join(plain(t) for t in row.texts[1:])) for row in table[1:]]


@pytest.mark.parametrize(
    ("year", "unit", "seed_table"),
    [(2023, "mnkr", AMN_2023_08_MNKR), (2021, None, AMN_2021_08_TKR)],
)
def test_both_tables_show_every_figure_the_seed_prints(client, staff, year, unit, seed_table):
    client.force_login(staff)

    response = page(client, year, unit=unit)

    assert response.status_code == 200
    result, full_year = html_tables(response.content)
    assert shown_rows(result) == [(label, to_date) for label, to_date, _ in seed_table]
    assert shown_rows(full_year) == [(label, full) for label, _, full in seed_table if full]


def test_a_line_left_out_of_the_full_year_table_is_only_in_the_result_table(client, staff):
    client.force_login(staff)

    result, full_year = html_tables(page(client, 2021).content)

    detail = "Varav personalkostnader (inkl AMC)"
    assert detail in [row.texts[0] for row in result]
    assert detail not in [row.texts[0] for row in full_year]


def test_column_headers_and_titles_name_the_months_in_swedish(client, controller):
    client.force_login(controller)

    response = page(client, 2023, 8)

    result, full_year = html_tables(response.content)
    assert result[0].texts == [
        "Verksamhet",
        "Redovisat januari–augusti 2023",
        "Budget januari–augusti 2023",
        "Avvikelse",
        "Redovisat januari–augusti 2022",
    ]
    assert full_year[0].texts == [
        "Verksamhet",
        "Prognos helår 2023",
        "Budget helår 2023",
        "Avvikelse",
        "Bokslut 2022",
    ]
    content = response.content.decode()
    assert "Resultat januari–augusti 2023" in content
    assert "Helårsprognos 2023" in content


def test_a_month_earlier_is_named_and_summed_for_fewer_months(client, staff):
    client.force_login(staff)

    result, _ = html_tables(page(client, 2023, 3, unit="kr").content)

    assert result[0].texts[1] == "Redovisat januari–mars 2023"
    assistance = next(row for row in result if row.texts[0] == "575 - Ekonomiskt bistånd")
    expected = MonthlyAmount.objects.filter(
        row__committee__code="AMN",
        row__year=2023,
        row__label="575 - Ekonomiskt bistånd",
        measure=Measure.ACTUAL,
        month__lte=3,
    ).values_list("amount", flat=True)
    assert plain(assistance.texts[1]) == str(in_unit(sum(expected), Unit.KR))


def test_the_default_unit_is_tkr_and_the_switch_shows_kr_and_mnkr(client, staff):
    client.force_login(staff)

    def assistance(unit: str | None) -> list[str]:
        result, _ = html_tables(page(client, 2021, unit=unit).content)
        return next(row.texts[1:] for row in result if row.texts[0] == "Ekonomiskt bistånd")

    assert assistance(None) == ["198\u00a0714", "179\u00a0492", "\u221219\u00a0222", "184\u00a0122"]
    assert assistance("tkr") == assistance(None)
    assert assistance("kr")[0] == "198\u00a0714\u00a0000"
    assert assistance("mnkr") == ["198,7", "179,5", "\u221219,2", "184,1"]
    assert assistance("miljarder") == assistance(None)  # an unknown unit falls back to tkr
    content = page(client, 2021, unit="mnkr").content.decode()
    assert '<a href="?enhet=kr">kr</a>' in content
    assert '<a href="?enhet=tkr">tkr</a>' in content
    assert '<strong aria-current="true">mnkr</strong>' in content


def test_negative_deviations_are_marked_and_sums_and_varav_lines_styled(client, staff):
    client.force_login(staff)

    result, full_year = html_tables(page(client, 2021).content)
    by_label = {row.texts[0]: row for row in result[1:]}

    assistance = by_label["Ekonomiskt bistånd"]
    assert assistance.texts[3] == "\u221219\u00a0222"
    assert "negative" in assistance.cells[3].classes
    assert "negative" not in assistance.cells[1].classes  # only deviations are marked
    assert "negative" not in by_label["Nämnden"].cells[3].classes  # 380: under budget
    assert "line-sum" in by_label["Summa nettokostnader"].classes
    assert "line-total" in by_label["Summa nettokostnader inkl. kommunal verksamhet"].classes
    assert "line-detail" in by_label["Varav personalkostnader (inkl AMC)"].classes
    assert "line-part" in by_label["varav kostnader"].classes
    assert "line-part" in by_label["varav intäkter"].classes
    assert "line-units" in by_label["Arbetsmarknadscentrum"].classes
    assert "line-row" in by_label["Nämnden"].classes
    assert all("num" in cell.classes for row in full_year for cell in row.cells[1:])


def test_a_deviation_that_rounds_to_zero_is_not_marked(client, staff):
    client.force_login(staff)

    _, full_year = html_tables(page(client, 2023, unit="mnkr").content)
    committee_row = next(row for row in full_year if row.texts[0].startswith("100 - "))

    assert committee_row.texts[3] == "0,0"
    assert "negative" not in committee_row.cells[3].classes


def test_the_css_styles_negative_deviations_sums_and_varav_lines(client, staff, settings):
    client.force_login(staff)
    content = page(client).content.decode()
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")

    assert "css/app.css" in content
    assert ".table.money td.negative { color:" in css
    assert "tr.line-sum td" in css and "font-weight: 700" in css
    assert "tr.line-detail td.label { padding-left:" in css and "font-style: italic" in css


def test_every_actual_figure_of_a_row_links_to_its_ledger_lines(client, amn, staff):
    client.force_login(staff)

    result, full_year = html_tables(page(client, 2021, unit="kr").content)

    rows = {row.label: row.pk for row in SummaryRow.objects.filter(committee=amn, year=2021)}
    linked = {}
    for row in result[1:]:
        label, actual = row.texts[0], row.cells[1]
        assert all(cell.href is None for cell in row.cells[2:])
        if actual.href:
            linked[label] = actual.href
    assert linked == {
        label: reverse("budget:ledger-lines", args=["AMN", 2021, 8, pk]) + "?enhet=kr"
        for label, pk in rows.items()
    }
    assert "Summa nettokostnader" not in linked
    assert all(cell.href is None for row in full_year for cell in row.cells)


def test_the_ledger_link_opens_the_lines_behind_the_figure(client, amn, controller):
    client.force_login(controller)
    result, _ = html_tables(page(client, 2023).content)
    href = next(row.cells[1].href for row in result if row.texts[0].startswith("575"))

    response = client.get(href)

    assert response.status_code == 200
    assert "575 - Ekonomiskt bistånd" in response.content.decode()


def test_the_page_links_to_the_periods_investments_and_social_assistance(client, staff):
    client.force_login(staff)

    content = page(client, 2023, 8).content.decode()
    earlier = page(client, 2023, 6).content.decode()

    assert reverse("budget:investments", args=["AMN", 2023, 8]) in content
    assert reverse("budget:social-assistance", args=["AMN", 2023, 8]) in content
    assert reverse("budget:investments", args=["AMN", 2023, 6]) not in earlier  # none then


# Downloads ----------------------------------------------------------------------------------


def divided(amount: Decimal | None, divisor: Decimal) -> Decimal | None:
    return None if amount is None else amount / divisor


def exact_values(amn, year: int, unit: Unit, columns: list[str], full_year: bool):
    summary = build_operating_summary(amn, year, 8)
    lines = [line for line in summary.lines if line.in_full_year_table or not full_year]
    return [
        [line.label, *(divided(line.values()[name], unit.divisor) for name in columns)]
        for line in lines
    ]


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def test_the_excel_download_holds_both_tables_as_exact_numbers(client, amn, staff):
    client.force_login(staff)

    response = page(client, 2023, unit="mnkr", name="-xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="driftsammandrag-AMN-2023-08-mnkr.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Resultat", "Helårsprognos"]
    for sheet, columns, full_year in [
        ("Resultat", ["actual", "budget", "deviation", "actual_previous_year"], False),
        (
            "Helårsprognos",
            ["forecast", "budget_full_year", "forecast_deviation", "result_previous_year"],
            True,
        ),
    ]:
        ws = book[sheet]
        assert ws.freeze_panes == "A3"
        expected = exact_values(amn, 2023, Unit.MNKR, columns, full_year)
        rows = list(ws.iter_rows(min_row=3, values_only=True))
        assert [row[0] for row in rows] == [row[0] for row in expected]
        for row, wanted in zip(rows, expected, strict=True):
            assert list(row[1:]) == pytest.approx([float(v) for v in wanted[1:]], abs=1e-9)


def test_excel_figures_round_to_the_seeds_and_are_formatted_as_the_unit(client, staff):
    client.force_login(staff)

    ws = workbook(page(client, 2023, unit="mnkr", name="-xlsx"))["Resultat"]

    assert ws["A1"].value.startswith("Arbetsmarknadsnämnden: driftsammandrag resultat")
    assert [c.value for c in ws[2]][1] == "Redovisat januari–augusti 2023"
    for (label, to_date, _), row in zip(AMN_2023_08_MNKR, ws.iter_rows(min_row=3), strict=True):
        assert row[0].value == label
        shown = [in_unit(Decimal(str(c.value)) * 1_000_000, Unit.MNKR) for c in row[1:]]
        assert " ".join(str(v).replace(".", ",") for v in shown) == to_date
        assert all(c.data_type == "n" and c.number_format == "#,##0.0" for c in row[1:])
        assert row[0].font.b == (label.startswith("Summa"))


def test_excel_in_kronor_holds_the_exact_kronor(client, staff):
    client.force_login(staff)

    ws = workbook(page(client, 2021, unit="kr", name="-xlsx"))["Resultat"]
    rows = {row[0].value: row for row in ws.iter_rows(min_row=3)}

    assert rows["Ekonomiskt bistånd"][1].value == 198_714_000
    assert rows["Ekonomiskt bistånd"][1].number_format == "#,##0"
    detail = rows["Varav personalkostnader (inkl AMC)"][0]
    assert detail.alignment.indent == 1 and detail.font.i
    assert rows["varav kostnader"][0].alignment.indent == 1


def test_the_csv_download_parses_back_to_the_shown_figures(client, staff):
    client.force_login(staff)

    response = page(client, 2023, unit="mnkr", name="-csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="driftsammandrag-AMN-2023-08-mnkr.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Verksamhet",
        "Kod",
        "Redovisat januari–augusti 2023",
        "Budget januari–augusti 2023",
        "Avvikelse",
        "Redovisat januari–augusti 2022",
        "Prognos helår 2023",
        "Budget helår 2023",
        "Avvikelse helår",
        "Bokslut 2022",
    ]
    assert [(row[0], " ".join(row[2:6]), " ".join(row[6:])) for row in rows[1:]] == (
        AMN_2023_08_MNKR
    )


def test_the_csv_leaves_full_year_cells_empty_for_a_line_not_in_that_table(client, staff):
    client.force_login(staff)

    content = page(client, 2021, name="-csv").content.decode("utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(content), delimiter=";")}

    assert rows["Varav personalkostnader (inkl AMC)"][2:] == [
        "39473", "46825", "7352", "41407", "", "", "", "",
    ]  # fmt: skip
    assert rows["Ekonomiskt bistånd"][2:6] == ["198714", "179492", "-19222", "184122"]


# Access, queries, 404 -----------------------------------------------------------------------

VIEWS = ["", "-xlsx", "-csv"]


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("controller", 200),
        ("superuser", 200),
        ("member", 403),
        ("outsider", 404),
    ],
)
def test_live_figures_are_for_staff_controllers_and_administrators(
    client, request, name, role, status
):
    client.force_login(request.getfixturevalue(role))

    assert page(client, name=name).status_code == status


@pytest.mark.parametrize("name", VIEWS)
def test_an_anonymous_visitor_is_sent_to_the_login(client, db, name):
    response = page(client, name=name)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize(("year", "month"), [(1999, 8), (2023, 13), (2023, 0), (0, 8), (10**20, 8)])
def test_a_year_without_rows_or_an_impossible_month_is_not_found(client, staff, name, year, month):
    client.force_login(staff)

    assert page(client, year, month, name=name).status_code == 404


def test_an_unknown_nämnd_is_not_found(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("budget:operating-summary", args=["XYZ", 2023, 8]))

    assert response.status_code == 404


def test_a_changed_figure_shows_at_once_although_the_tables_are_remembered(client, amn, staff):
    client.force_login(staff)
    first = html_tables(page(client, unit="kr").content)[0]
    row = SummaryRow.objects.get(committee=amn, year=2023, label="575 - Ekonomiskt bistånd")
    MonthlyAmount.objects.filter(row=row, measure=Measure.ACTUAL, month=8).update(
        amount=F("amount") + Decimal("1234.56")
    )

    again = html_tables(page(client, unit="kr").content)[0]
    unchanged = html_tables(page(client, unit="kr").content)[0]

    def actual(table, label):
        return next(r.texts[1] for r in table if r.texts and r.texts[0] == label)

    before = Decimal(plain(actual(first, row.label)).replace(",", "."))
    after = Decimal(plain(actual(again, row.label)).replace(",", "."))
    assert after - before == Decimal("1235")  # kr, rounded: 1 234,56 more
    assert unchanged == again


@pytest.fixture
def many_rows(amn):
    """Thirty more rows with a full year of actuals and budget each."""
    for position in range(100, 130):
        row = SummaryRow.objects.create(
            committee=amn, year=2023, position=position, label=f"Extra rad {position}"
        )
        MonthlyAmount.objects.bulk_create(
            MonthlyAmount(row=row, measure=measure, month=month, amount=Decimal(1000))
            for measure in (Measure.ACTUAL, Measure.BUDGET)
            for month in range(1, 13)
        )


@pytest.mark.parametrize(("name", "queries"), [("", PAGE_QUERIES), ("-xlsx", DOWNLOAD_QUERIES)])
def test_the_page_and_downloads_cost_the_same_queries_whatever_the_rows(
    client, staff, django_assert_max_num_queries, name, queries, request
):
    client.force_login(staff)
    with django_assert_max_num_queries(queries):
        assert page(client, 2021, name=name).status_code == 200
    with django_assert_max_num_queries(queries):
        assert page(client, 2023, name=name).status_code == 200

    request.getfixturevalue("many_rows")

    with django_assert_max_num_queries(queries):
        response = page(client, 2023, name=name)
    assert response.status_code == 200
    if not name:
        assert "Extra rad 129" in response.content.decode()


def test_the_csv_costs_the_same_queries_whatever_the_rows(
    client, staff, many_rows, django_assert_max_num_queries
):
    client.force_login(staff)

    with django_assert_max_num_queries(DOWNLOAD_QUERIES):
        response = page(client, 2023, name="-csv")

    assert "Extra rad 129" in response.content.decode("utf-8-sig")
