"""A period's report: the draft for staff, publishing by controllers, published versions
that never change for everyone in the nämnd, revisions that say what changed."""

import json
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from amn.models import PublishedReport, ReportingPeriod
from budget.services.internal_budget import build_internal_budget
from goals.models import GoalAssessment
from indicators.models import Indicator, IndicatorValue, Series

HOUSEHOLDS = "Antal utbetalningshushåll, utfall per sista månad"


@pytest.fixture
def period(amn) -> ReportingPeriod:
    return ReportingPeriod.objects.get(committee=amn, year=2023, month=8)


def url(name: str, period: ReportingPeriod, *args) -> str:
    return reverse(f"reports:{name}", args=["AMN", period.pk, *args])


def publish(client, controller, period, note: str = ""):
    client.force_login(controller)
    return client.post(url("publish", period), {"note": note}, follow=True)


def test_the_draft_has_the_seeds_sections_in_order(client, staff, period):
    client.force_login(staff)
    html = client.get(url("draft", period)).content.decode()

    sections = [
        "Förvaltningschefens bedömning och analys",
        'id="ekonomi"',
        'id="investeringar"',
        'id="ekonomiskt_bistand"',
        'id="mal"',
        'id="utvecklingsuppdrag"',
        'id="volymtal"',
        'id="personal"',
        'id="namndindikatorer"',
    ]
    body = html[html.index('<div class="report">') :]
    positions = [body.index(marker) for marker in sections]
    assert positions == sorted(positions)
    assert "Utkast" in html
    assert "Summa nettokostnader inkl. kommunal verksamhet" in html


def test_the_draft_takes_a_fixed_number_of_queries(
    client, staff, period, django_assert_max_num_queries
):
    client.force_login(staff)
    with django_assert_max_num_queries(55) as before:
        client.get(url("draft", period))
    goal = GoalAssessment.objects.filter(period=period).first().goal
    for number in range(10):
        indicator = Indicator.objects.create(
            committee=period.committee, kind="indicator", name=f"Extra {number}"
        )
        indicator.goal_links.create(goal=goal, first_year=2023, last_year=2023)
        series = Series.objects.create(indicator=indicator, label="Totalt")
        IndicatorValue.objects.create(series=series, year=2023, month=8, value=number)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url("draft", period))
    assert "Extra 9" in response.content.decode()


def test_nämnd_members_never_see_the_draft(client, member, period):
    client.force_login(member)

    assert client.get(url("draft", period)).status_code == 403


def test_staff_cannot_publish(client, staff, period):
    client.force_login(staff)

    assert client.post(url("publish", period)).status_code == 403
    assert not PublishedReport.objects.exists()


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_published_report_keeps_showing_what_was_published(client, controller, member, period):
    response = publish(client, controller, period)
    assert "Publicerad som version 1." in response.content.decode()
    IndicatorValue.objects.filter(
        series__indicator__name=HOUSEHOLDS, series__label="Totalt", year=2023, month=8
    ).update(value=Decimal(9999))

    client.force_login(member)
    html = client.get(url("latest", period), follow=True).content.decode()

    assert "Version 1" in html
    assert "2\xa0160" in html and "9\xa0999" not in html


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_change_after_publishing_is_a_new_revised_version(client, controller, period):
    publish(client, controller, period)
    refused = publish(client, controller, period)
    assert "skriv vad som ändrats" in refused.content.decode()
    assert PublishedReport.objects.filter(period=period).count() == 1

    publish(client, controller, period, note="Rättat antal hushåll.")
    versions = PublishedReport.objects.filter(period=period).order_by("version")

    assert [(v.version, v.is_revision, v.change_note) for v in versions] == [
        (1, False, ""),
        (2, True, "Rättat antal hushåll."),
    ]
    first = client.get(url("version", period, 1)).content.decode()
    assert "Det finns en senare version" in first
    latest = client.get(url("version", period, 2)).content.decode()
    assert "(reviderad)" in latest and "Rättat antal hushåll." in latest


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_stored_version_is_never_changed(client, controller, period):
    publish(client, controller, period)
    published = PublishedReport.objects.get(period=period)
    published.html = "ändrad"

    with pytest.raises(ValueError, match="ändras aldrig"):
        published.save()
    with pytest.raises(ValueError, match="tas aldrig bort"):
        published.delete()


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_members_download_the_whole_report_as_one_workbook(client, controller, member, period):
    publish(client, controller, period)
    client.force_login(member)
    response = client.get(url("latest-xlsx", period))
    workbook = load_workbook(BytesIO(response.content))

    assert response.status_code == 200
    assert len(workbook.sheetnames) >= 6
    assert any(name.startswith("Nämndindikatorer") for name in workbook.sheetnames)


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_open_data_has_every_table_with_exact_numbers(client, controller, member, period):
    publish(client, controller, period)
    client.force_login(member)
    document = json.loads(client.get(url("latest-json", period)).content)

    assert (document["committee"], document["period"], document["version"]) == (
        "AMN",
        "2023-08",
        1,
    )
    titles = [table["title"] for table in document["tables"]]
    assert "Nämndindikatorer 2023-08" in titles
    goal_table = next(t for t in document["tables"] if t["title"] == "Nämndindikatorer 2023-08")
    row = next(r for r in goal_table["rows"] if r[4] == HOUSEHOLDS)
    assert row[7:11] == [{"value": v, "decimals": 0} for v in (2535, 2385, 2160, 2200)]


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_open_data_numbers_are_json_numbers_with_their_unit_and_shown_decimals(
    client, controller, member, period
):
    publish(client, controller, period)
    client.force_login(member)
    text = client.get(url("latest-json", period)).content.decode()
    document = json.loads(text, parse_float=Decimal)

    summary = next(t for t in document["tables"] if t["title"] == "Resultat")
    total = next(r for r in summary["rows"] if r[0] == "Summa nettokostnader")
    assert summary["unit"] == "mnkr"
    assert total[1]["decimals"] == 1
    # The exact amount, not the rounded one: whole kronor and öre in mnkr.
    exact = Decimal(total[1]["value"])
    assert exact != exact.quantize(Decimal("0.1"))
    assert (exact * 1_000_000) == (exact * 1_000_000).quantize(Decimal("0.01"))
    assert '"value": "' not in text


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_outsiders_do_not_find_published_reports(client, controller, outsider, period):
    publish(client, controller, period)
    client.force_login(outsider)

    assert client.get(url("version", period, 1)).status_code == 404


def test_an_unpublished_report_is_not_found_for_members(client, member, period):
    client.force_login(member)

    assert client.get(url("latest", period)).status_code == 404


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_members_download_the_published_report_as_pdf(client, controller, member, period):
    publish(client, controller, period)
    client.force_login(member)

    response = client.get(url("latest-pdf", period))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 20_000
    assert "rapport-AMN-2023-08-v1.pdf" in response["Content-Disposition"]


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_without_chromium_the_report_is_published_and_the_pdf_link_says_why_in_swedish(
    client, controller, member, period, settings
):
    settings.CHROMIUM = "/saknas/chromium"
    publish(client, controller, period)
    client.force_login(member)

    response = client.get(url("latest-pdf", period))

    assert PublishedReport.objects.filter(period=period, version=1).exists()
    assert response.status_code == 503
    assert "PDF kunde inte skapas" in response.content.decode()


@pytest.mark.parametrize(("year", "version"), [(2019, 1), (2019, 2), (2024, 1)])
def test_the_internbudget_report_holds_the_budget_table_with_the_printed_sums(
    client, staff, amn, year, version
):
    """Each adopted version has a period of its own whose report prints that version: the
    2019 original and its revision both."""
    from demo.loader import DATA_DIR

    document = json.loads(
        next(DATA_DIR.glob(f"money_{year}_internbudget.json")).read_text(encoding="utf-8")
    )
    printed = next(b for b in document["internal_budgets"] if b["version"] == version)
    period = ReportingPeriod.objects.get(
        committee=amn, year=year, kind="internbudget", internal_budget__version=version
    )
    table = build_internal_budget(amn, year, period=period)
    assert table.budget.version == version
    sums = next(line for line in table.lines if line.kind == "sum").amounts
    factor = Decimal(1_000_000 if printed["unit"] == "mnkr" else 1_000)

    # The printed sum of each year column; the 2019 report prints only the KF frame,
    # which the posts add up to.
    compared = [
        (total, Decimal(printed_total.replace(",", ".").replace(" ", "")) * factor)
        for column, total in zip(printed["columns"], sums, strict=False)
        if (printed_total := column.get("printed_sum") or column.get("frame"))
    ]
    assert compared and all(total == expected for total, expected in compared)
    client.force_login(staff)
    html = client.get(url("draft", period)).content.decode()
    assert printed["title"] in html
    assert "Budgetram enligt KF" in html


@pytest.mark.usefixtures("ledger_to_august_2023")
def test_a_published_version_reads_in_a_fixed_number_of_queries(
    client, controller, member, period, django_assert_max_num_queries
):
    publish(client, controller, period)
    publish(client, controller, period, note="Andra versionen.")
    client.force_login(member)

    with django_assert_max_num_queries(9):
        response = client.get(url("version", period, 2))

    assert response.status_code == 200
    assert "Ändrat sedan version 1" in response.content.decode()


@pytest.mark.usefixtures("ledger_to_august_2023")
@pytest.mark.parametrize(
    "name, args",
    [
        ("latest-xlsx", ()),
        ("latest-json", ()),
        ("latest-csv", ("namndindikatorer-2023-08",)),
        ("version-xlsx", (1,)),
        ("version-json", (1,)),
        ("version-csv", (1, "namndindikatorer-2023-08")),
    ],
)
def test_downloads_of_a_published_report_take_a_fixed_number_of_queries(
    client, controller, member, period, name, args, django_assert_max_num_queries
):
    publish(client, controller, period)
    client.force_login(member)

    with django_assert_max_num_queries(6):
        response = client.get(url(name, period, *args))

    assert response.status_code == 200
    assert len(response.content) > 100
