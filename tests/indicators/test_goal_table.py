"""The goal tables read as the seeds' "Nämndindikatorer" print them."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from amn.models import ReportingPeriod
from goals.models import GoalAssessment
from indicators.models import Indicator, IndicatorValue, Series, Target
from indicators.services.goal_table import build_goal_table
from indicators.services.suggestions import suggested_assessments


def goal_table_json(year: int, month: int, capsys) -> dict:
    call_command("goal_table", committee="AMN", year=year, month=month, format="json")
    return json.loads(capsys.readouterr().out)


def rows_of(document: dict, goal: str) -> list[dict]:
    return next(g for g in document["goals"] if g["committee_goal"] == goal)["indicators"]


def test_the_2023_table_groups_goals_as_the_seed_prints_them(amn, capsys):
    document = goal_table_json(2023, 8, capsys)

    assert (document["committee"], document["year"], document["month"]) == ("AMN", 2023, 8)
    first = document["goals"][0]
    assert first["area"] == "Medborgare"
    assert first["municipal_goal"] == (
        "Välfärdstjänster med hög kvalitet, tillgänglighet och individen i centrum"
    )
    assert first["committee_goal"] == "Professionellt bemötande och hög tillgänglighet"
    assert first["assessment"] == "delvis"
    # shared/seeds/000_…: the order of the nämndmål in "Nämndindikatorer".
    assert [g["committee_goal"] for g in document["goals"]][5:8] == [
        "Hög avtalstrohet",
        "Kostnadseffektiva arbetsmarknadsåtgärder",
        "God ekonomisk styrning",
    ]


def test_the_2023_rows_hold_the_seed_figures(amn, capsys):
    rows = rows_of(goal_table_json(2023, 8, capsys), "Hög egenförsörjningsgrad")
    subsidised = [r for r in rows if r["name"].endswith("avslutas till arbete med subvention")]

    # shared/seeds/000_…: 44 62 25 100, Kvinnor 19 25 9 50, Män 25 37 16 50.
    assert [(r["series"], r["values"], r["target"]) for r in subsidised] == [
        ("Totalt", {"Helår 2021": 44, "Helår 2022": 62, "Augusti 2023": 25}, 100),
        ("Kvinnor", {"Helår 2021": 19, "Helår 2022": 25, "Augusti 2023": 9}, 50),
        ("Män", {"Helår 2021": 25, "Helår 2022": 37, "Augusti 2023": 16}, 50),
    ]
    assert [r["target_met"] for r in subsidised] == [False, False, False]


def test_iu_and_bounds_print_as_the_seed(amn, capsys):
    document = goal_table_json(2023, 8, capsys)
    survey = rows_of(document, "Professionellt bemötande och hög tillgänglighet")[0]
    budget = rows_of(document, "God ekonomisk styrning")[0]

    assert survey["values"] == {"Helår 2021": 90, "Helår 2022": 88.9, "Augusti 2023": "I.U."}
    assert survey["target_met"] is None
    assert budget["name"] == "Avvikelse mot budget, %"
    assert budget["values"] == {"Helår 2021": -1.6, "Helår 2022": 2.6, "Augusti 2023": 1.1}
    assert (budget["target"], budget["target_met"]) == ("≥ 0", True)


def test_the_2021_table_shows_the_2021_goals_with_their_indicators(amn, capsys):
    document = goal_table_json(2021, 8, capsys)
    names = [g["committee_goal"] for g in document["goals"]]

    assert "Avtalstrohet" in names and "Hög avtalstrohet" not in names
    avtal = rows_of(document, "Avtalstrohet")
    assert avtal[0]["name"] == "E-handelstrohet, %"
    survey = rows_of(document, "Professionellt bemötande och hög tillgänglighet")[0]
    # shared/seeds/001_…: 2019 84,6; 2020 I.U.; aug 2021 I.U.; målvärde 88.
    assert survey["values"] == {"Helår 2019": 84.6, "Helår 2020": "I.U.", "Augusti 2021": "I.U."}
    assert survey["target"] == 88


def test_a_direction_target_is_met_when_the_value_moved_that_way(amn, capsys):
    series = Series.objects.get(
        indicator__name="Antal utbetalningshushåll, utfall per sista månad", label="Totalt"
    )
    Target.objects.filter(series=series, year=2023).update(
        kind="direction", direction="decrease", value=None
    )

    rows = rows_of(goal_table_json(2023, 8, capsys), "Hög egenförsörjningsgrad")
    row = next(r for r in rows if r["name"] == series.indicator.name)

    # 2 160 in August 2023 against 2 385 at the end of 2022: it went down.
    assert (row["target"], row["target_met"]) == ("Ska minska", True)


def test_the_csv_has_a_row_per_indicator_and_series(amn, capsys):
    call_command("goal_table", committee="AMN", year=2023, month=8, format="csv")
    lines = capsys.readouterr().out.splitlines()

    assert lines[1].startswith("Målområde;Kommunövergripande mål;Nämndmål;Mål uppnås")
    assert any(
        ";Andel positiva svar i brukarenkät, %;Totalt;%;90;88,9;I.U.;88;" in line for line in lines
    )


def test_the_command_refuses_an_unknown_nämnd_or_month(amn):
    with pytest.raises(CommandError, match="ingen nämnd"):
        call_command("goal_table", committee="XYZ", year=2023, month=8)
    with pytest.raises(CommandError, match="1–12"):
        call_command("goal_table", committee="AMN", year=2023, month=13)


def test_the_page_shows_goals_in_colour_with_footnotes(client, staff, amn):
    client.force_login(staff)
    response = client.get(reverse("indicators:goal-table", args=["AMN", 2023, 8]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Målområde: Medborgare" in html
    assert 'class="level level-yellow">Uppnås delvis' in html
    assert 'class="level level-green">Uppnås' in html
    assert "Brukarundersökningen genomförs under hösten 2023" in html
    assert "Föreslagen bedömning utifrån indikatorerna" in html


def test_the_page_takes_the_same_queries_with_more_goals_and_indicators(
    client, staff, amn, django_assert_max_num_queries
):
    client.force_login(staff)
    url = reverse("indicators:goal-table", args=["AMN", 2023, 8])
    with django_assert_max_num_queries(12) as before:
        client.get(url)
    goal = GoalAssessment.objects.filter(period__year=2023).first().goal
    for number in range(20):
        indicator = Indicator.objects.create(
            committee=amn, kind="indicator", name=f"Extra {number}", position=100 + number
        )
        indicator.goal_links.create(goal=goal, first_year=2023, last_year=2023)
        series = Series.objects.create(indicator=indicator, label="Totalt")
        IndicatorValue.objects.create(series=series, year=2023, month=8, value=number)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert "Extra 19" in response.content.decode()


def test_the_excel_download_has_real_numbers_and_iu_as_text(client, staff, amn, tmp_path):
    client.force_login(staff)
    response = client.get(reverse("indicators:goal-table-xlsx", args=["AMN", 2023, 8]))
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path).worksheets[0]
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=3)]
    survey = next(r for r in rows if r[4].value == "Andel positiva svar i brukarenkät, %")

    assert response.status_code == 200
    assert [c.value for c in survey[7:11]] == [90, 88.9, "I.U.", 88]
    assert survey[8].number_format == "#,##0.0"
    assert survey[9].data_type == "s"


@pytest.mark.parametrize("user", ["member", "outsider"])
def test_members_and_outsiders_do_not_read_live_goal_tables(client, request, amn, user):
    client.force_login(request.getfixturevalue(user))
    response = client.get(reverse("indicators:goal-table", args=["AMN", 2023, 8]))

    assert response.status_code == {"member": 403, "outsider": 404}[user]


@pytest.mark.parametrize(("year", "month"), [(2021, 8), (2023, 8)])
def test_every_transcribed_figure_of_the_seed_stands_in_the_table(amn, capsys, year, month):
    """Each nämndindikator value and målvärde of the seed's goal tables (as transcribed in
    demo/data) is in the command's table, under its nämndmål, as the seed prints it."""
    from pathlib import Path

    from amn.lib.money import parse_swedish_number
    from indicators.targets import parse_target

    seed = json.loads(
        (Path(__file__).parents[2] / f"demo/data/goals_{year}_{month:02d}.json").read_text()
    )
    document = goal_table_json(year, month, capsys)
    labels = {f"{year - 2}-12": f"Helår {year - 2}", f"{year - 1}-12": f"Helår {year - 1}"}
    labels[f"{year}-{month:02d}"] = f"Augusti {year}"
    table = {
        (goal["committee_goal"], row["group"], row["name"], row["series"]): row
        for goal in document["goals"]
        for row in goal["indicators"]
    }
    checked = 0
    for indicator in seed["indicators"]:
        if indicator["kind"] != "indicator":
            continue
        for series in indicator["series"]:
            key = (indicator["goal"], indicator["group"] or "", indicator["name"], series["label"])
            row = table[key]
            for value in series.get("values", []):
                if value["period"] not in labels or value.get("kind") == "forecast":
                    continue
                printed = value["value"].strip()
                shown = row["values"][labels[value["period"]]]
                if printed.rstrip(".").upper() in {"I.U", "IU"}:
                    assert shown == "I.U.", (row, value)
                else:
                    assert Decimal(str(shown)) == parse_swedish_number(printed), (row, value)
                checked += 1
            for target in series.get("targets", []):
                if target["year"] == year and parse_target(target["target"]).kind == "number":
                    expected = parse_target(target["target"]).value
                    assert Decimal(str(row["target"])) == expected, (row, target)
                    checked += 1
    assert checked > 100


def test_the_suggestions_alone_match_the_table_in_six_queries(amn, django_assert_num_queries):
    period = ReportingPeriod.objects.follow_up_at(amn, 2023, 8)
    period.committee = amn
    table = build_goal_table(amn, 2023, 8)

    with django_assert_num_queries(6):
        suggestions = suggested_assessments(period)

    assert {pk: (s.level, s.explanation) for pk, s in suggestions.items()} == {
        goal.goal.pk: (goal.suggestion.level, goal.suggestion.explanation) for goal in table.goals
    }
