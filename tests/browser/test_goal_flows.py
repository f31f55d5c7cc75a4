"""Staff enter indicator values and målbedömningar in the browser; readers see them in the
goal table."""

from goals.models import GoalAssessment
from indicators.models import IndicatorValue

HOUSEHOLDS = "Antal utbetalningshushåll, utfall per sista månad"


def test_staff_enter_a_value_and_the_goal_table_shows_it(page, log_in):
    log_in("staff")
    period = page.locator("tr", has_text="Delårsrapport per den 31 augusti 2023")
    period.locator("text=Mata in värden").click()
    page.wait_for_url("**/indikatorer/mata-in/**")
    row = page.locator("tr", has_text=HOUSEHOLDS).first
    row.locator("input[name^=v-]").fill("2 100")
    page.click("text=Spara alla")

    assert page.locator(".message.success").inner_text().startswith("Sparat: 0 nya, 1 ändrade")
    stored = IndicatorValue.objects.get(
        series__indicator__name=HOUSEHOLDS, series__label="Totalt", year=2023, month=8
    )
    assert stored.value == 2100
    page.click("text=Nämndindikatorer")
    row = page.locator("tr", has_text=HOUSEHOLDS).first
    assert "2\xa0100" in row.inner_text()


def test_a_value_that_is_not_a_number_is_shown_at_its_field_and_nothing_is_saved(page, log_in):
    log_in("staff")
    page.goto("/namnd/AMN/indikatorer/mata-in/2023/8/")
    row = page.locator("tr", has_text=HOUSEHOLDS).first
    row.locator("input[name^=v-]").fill("tvåtusen")
    page.click("text=Spara alla")

    assert "Inget sparades" in page.locator(".message.error").inner_text()
    assert "är inte ett tal" in page.locator("tr.has-error").first.inner_text()
    assert (
        IndicatorValue.objects.get(
            series__indicator__name=HOUSEHOLDS, series__label="Totalt", year=2023, month=8
        ).value
        == 2160
    )


def test_staff_choose_another_level_than_suggested_with_a_reason(page, log_in):
    log_in("controller")
    page.goto("/namnd/AMN/malbedomningar/mata-in/2023/8/")
    goal = page.locator("fieldset", has_text="God ekonomisk styrning")
    goal.locator("select").select_option(label="Uppnås delvis")
    page.click("text=Spara alla")
    goal = page.locator("fieldset", has_text="God ekonomisk styrning")
    assert "skriv varför" in goal.locator(".field-error").inner_text()

    goal.locator("textarea[name^=reason-]").fill("Osäker prognos för hösten.")
    page.click("text=Spara alla")

    assert page.locator(".message.success").is_visible()
    stored = GoalAssessment.objects.get(goal__name="God ekonomisk styrning", period__year=2023)
    assert (stored.level, stored.suggested_level) == ("delvis", "uppnas")
    page.goto("/namnd/AMN/namndindikatorer/2023/8/")
    card = page.locator("article.goal", has_text="God ekonomisk styrning")
    assert card.locator(".level").first.inner_text() == "Uppnås delvis"


def test_a_nämnd_member_is_refused_the_entry_page(page, log_in):
    log_in("member")
    response = page.goto("/namnd/AMN/indikatorer/mata-in/2023/8/")

    assert response.status == 403
