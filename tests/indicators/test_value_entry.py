"""Staff enter a period's indicator values and the year's målvärden on one page."""

from decimal import Decimal

from django.urls import reverse

from indicators.models import IndicatorValue, Series, Target
from tests.forms import page_form

URL = ("indicators:value-entry", ["AMN", 2023, 8])
SURVEY = "Andel positiva svar i brukarenkät, %"


def page(client, user):
    client.force_login(user)
    return client.get(reverse(URL[0], args=URL[1]))


def posted(response) -> dict[str, str]:
    """What the form posts back when nothing is touched."""
    return page_form(response)


def survey_series() -> Series:
    return Series.objects.get(indicator__name=SURVEY, label="Totalt")


def test_every_series_stands_with_earlier_values_and_its_target(client, staff, amn):
    response = page(client, staff)
    line = next(x for x in response.context["entry"].lines if x.series == survey_series())

    assert [c.label for c in response.context["entry"].previous_columns] == [
        "Helår 2021",
        "Helår 2022",
        "Augusti 2022",
    ]
    assert line.previous[:2] == ["90", "88,9"]
    assert (line.value, line.note, line.target) == (
        "I.U.",
        "Brukarundersökningen genomförs under hösten 2023",
        "88",
    )


def test_posting_the_page_unchanged_changes_nothing(client, staff, amn):
    response = page(client, staff)
    before = list(IndicatorValue.objects.order_by("pk").values())

    saved = client.post(reverse(URL[0], args=URL[1]), posted(response), follow=True)

    assert "Sparat: 0 nya, 0 ändrade och 0 borttagna" in saved.content.decode()
    assert list(IndicatorValue.objects.order_by("pk").values()) == before


def test_a_value_in_swedish_format_is_stored_exactly_with_its_decimals(client, staff, amn):
    data = posted(page(client, staff))
    pk = survey_series().pk
    data[f"v-{pk}"], data[f"n-{pk}"] = "87,50", ""

    client.post(reverse(URL[0], args=URL[1]), data)
    stored = IndicatorValue.objects.get(series_id=pk, year=2023, month=8)

    assert (stored.value, stored.decimals, stored.missing, stored.origin) == (
        Decimal("87.5"),
        2,
        False,
        "manual",
    )
    assert stored.display == "87,50"


def test_iu_without_a_footnote_is_refused_and_nothing_is_saved(client, staff, amn):
    data = posted(page(client, staff))
    pk = survey_series().pk
    other = Series.objects.get(
        indicator__name="Antal utbetalningshushåll, utfall per sista månad", label="Totalt"
    )
    data[f"n-{pk}"] = ""
    data[f"v-{other.pk}"] = "2100"
    before = list(IndicatorValue.objects.order_by("pk").values())

    response = client.post(reverse(URL[0], args=URL[1]), data)

    assert response.status_code == 400
    assert "Skriv i fotnoten varför uppgift saknas (I.U.)." in response.content.decode()
    assert list(IndicatorValue.objects.order_by("pk").values()) == before


def test_a_value_that_is_not_a_number_is_named_next_to_its_field(client, staff, amn):
    data = posted(page(client, staff))
    pk = survey_series().pk
    data[f"v-{pk}"] = "åttio"

    response = client.post(reverse(URL[0], args=URL[1]), data)

    assert response.status_code == 400
    assert "”åttio” är inte ett tal" in response.content.decode()


def test_a_target_is_edited_for_the_year_and_parsed(client, staff, amn):
    data = posted(page(client, staff))
    pk = survey_series().pk
    data[f"t-{pk}"] = "≥ 90"

    client.post(reverse(URL[0], args=URL[1]), data)
    target = Target.objects.get(series_id=pk, year=2023)

    assert (target.kind, target.comparison, target.value) == ("bound", ">=", 90)
    assert Target.objects.get(series_id=pk, year=2021).display == "88"


def test_a_new_years_targets_are_prefilled_from_the_year_before(client, staff, amn):
    Target.objects.filter(series=survey_series(), year=2024).delete()
    client.force_login(staff)
    response = client.get(reverse("indicators:value-entry", args=["AMN", 2024, 4]))
    line = next(x for x in response.context["entry"].lines if x.series == survey_series())

    assert (line.target_prefilled, line.target) == (True, "88")
    assert "från 2023" in response.content.decode()


def test_the_entry_page_takes_fixed_queries(client, staff, amn, django_assert_max_num_queries):
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        client.get(reverse(URL[0], args=URL[1]))


def test_nämnd_members_cannot_enter_values(client, member, amn):
    assert page(client, member).status_code == 403
