"""The målbedömning overview, the volymmått and personal tables and the indicator page."""

from decimal import Decimal

from django.urls import reverse

from indicators.models import Indicator, IndicatorValue, Series


def test_the_overview_counts_målbedömningar_per_level_and_area(client, staff, amn):
    client.force_login(staff)
    response = client.get(reverse("indicators:assessment-overview", args=["AMN", 2023, 8]))
    table = response.context["table"]

    # shared/seeds/000_…: 5 Ja, 7 Delvis among the twelve nämndmål of 2023.
    assert (table.count("uppnas"), table.count("delvis"), table.count("ej")) == (5, 7, 0)
    medarbetare = next(a for a in table.areas if a.area.name == "Medarbetare")
    assert (medarbetare.count("uppnas"), medarbetare.count("delvis")) == (2, 1)


def test_the_overview_downloads_as_csv_with_a_sum_row(client, staff, amn):
    client.force_login(staff)
    response = client.get(reverse("indicators:assessment-overview-csv", args=["AMN", 2023, 8]))
    lines = response.content.decode("utf-8-sig").splitlines()

    assert lines[-1] == "Summa;5;7;0;0;0"


def test_volymmått_show_outcome_and_forecast_as_the_seed(client, staff, amn):
    client.force_login(staff)
    response = client.get(reverse("indicators:measures", args=["AMN", 2023, 8]))
    volume, personnel = response.context["tables"]
    households = next(r for r in volume.rows if r.label.startswith("Antal hushåll med insats"))

    # shared/seeds/000_…: Helår 2022 2917, Augusti 2023 2527, Prognos 2023 2500.
    assert volume.column_labels == ["Helår 2022", "Augusti 2023", "Prognos 2023"]
    shown = dict(zip(volume.column_labels, [c.text for c in households.cells], strict=True))
    assert (shown["Helår 2022"], shown["Augusti 2023"], shown["Prognos 2023"]) == (
        "2\xa0917",
        "2\xa0527",
        "2\xa0500",
    )
    sick_leave = [r for r in personnel.rows if r.indicator.name == "Total sjukfrånvaro (%)"]
    assert [(r.label, r.target.text) for r in sick_leave if r.series] == [
        ("IAF", "6,5"),
        ("UTB (vux)", "5,2"),
    ]


def test_the_measures_page_takes_fixed_queries(client, staff, amn, django_assert_max_num_queries):
    client.force_login(staff)
    # Session, user, nämnd, roles, then indicators, series and values per table.
    with django_assert_max_num_queries(12):
        client.get(reverse("indicators:measures", args=["AMN", 2023, 8]))


def test_the_indicator_page_shows_every_year_and_a_chart(client, staff, amn):
    indicator = Indicator.objects.get(name="Andel positiva svar i brukarenkät, %")
    client.force_login(staff)
    response = client.get(reverse("indicators:indicator", args=["AMN", indicator.pk]))
    history = response.context["history"]

    assert response.status_code == 200
    assert [c.label for c in history.columns] == [
        "Helår 2019",
        "Helår 2020",
        "Augusti 2021",
        "Helår 2021",
        "Helår 2022",
        "Augusti 2023",
    ]
    assert "<svg" in response.content.decode()
    assert history.chart.lines[0].label == "Totalt"


def test_the_indicator_page_takes_fixed_queries(client, staff, amn, django_assert_max_num_queries):
    indicator = Indicator.objects.get(name="Andel positiva svar i brukarenkät, %")
    series = Series.objects.get(indicator=indicator, label="Totalt")
    client.force_login(staff)
    url = reverse("indicators:indicator", args=["AMN", indicator.pk])
    with django_assert_max_num_queries(10) as before:
        client.get(url)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(series=series, year=2000 + n, month=12, value=n) for n in range(10)
    )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_a_person_based_indicator_without_women_and_men_is_flagged(client, staff, amn):
    indicator = Indicator.objects.get(name="Andel positiva svar i brukarenkät, %")
    indicator.person_based = True
    indicator.save()
    client.force_login(staff)
    response = client.get(reverse("indicators:indicator", args=["AMN", indicator.pk]))

    assert "saknar värden för kvinnor och män" in response.content.decode()


def test_another_nämnds_indicator_is_not_found(client, outsider, amn):
    indicator = Indicator.objects.filter(committee=amn).first()
    client.force_login(outsider)

    assert (
        client.get(reverse("indicators:indicator", args=["AMN", indicator.pk])).status_code == 404
    )


def test_the_indicator_page_compares_with_peers_and_riket_from_stored_kolada_values(
    client, staff, amn
):
    from indicators.models import KoladaValue

    indicator = Indicator.objects.get(name__startswith="Elever på SFI som klarat minst två")
    indicator.kolada_kpi = "N18409"
    indicator.save()
    for municipality, value in (("0580", "33.4"), ("0581", "30.1"), ("0000", "35.2")):
        KoladaValue.objects.create(
            kpi="N18409", municipality=municipality, year=2022, gender="T", value=value
        )
    client.force_login(staff)
    response = client.get(
        reverse("indicators:indicator", args=["AMN", indicator.pk]), {"jamfor": "0581,abc"}
    )
    rows = response.context["comparison"].rows

    assert [(r.kolada_id, r.values_by_year[2022]) for r in rows] == [
        ("0580", Decimal("33.4")),
        ("0581", Decimal("30.1")),
        ("0000", Decimal("35.2")),
    ]
    assert "Inte giltiga Kolada-id" in response.content.decode()
    assert "Hämta från Kolada" in response.content.decode()
