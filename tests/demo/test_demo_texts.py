"""The demo delårsrapporter keep every prose section of the seeds, in printed order."""

import pytest

from amn.models import ReportText, Section


def texts_of(amn, year: int, month: int) -> list[ReportText]:
    return list(
        ReportText.objects.filter(period__committee=amn, period__year=year, period__month=month)
    )


# The sections' codes as the seeds print them, top to bottom.
PRINTED_ORDER = {
    2021: (
        "uppdrag bedomning personal handelser utveckling ekonomi investeringar malredovisning "
        "utvecklingsuppdrag upphandling internkontroll kompetensforsorjning objektsplan "
        "malredovisning malredovisning"
    ),
    2023: (
        "uppdrag bedomning handelser utveckling ekonomi investeringar malredovisning "
        "utvecklingsuppdrag lokalforsorjning internkontroll privata_utforare "
        "kompetensforsorjning objektsplan volymer personal"
    ),
}


@pytest.mark.parametrize("year", PRINTED_ORDER)
def test_a_delårsrapport_holds_its_sections_in_the_order_printed(amn, year):
    assert [text.section for text in texts_of(amn, year, 8)] == PRINTED_ORDER[year].split()


def test_wrapped_seed_lines_are_joined_into_words(amn):
    """The 2021 seed breaks words at line ends ("kom-/petenshöjande"); the text must not."""
    mission = ReportText.objects.get(period__year=2021, section=Section.MISSION)

    assert "kompetenshöjande" in mission.body
    assert "kom-" not in mission.body


def test_the_internkontroll_text_is_the_prose_and_the_points_are_kept_apart(amn):
    text = ReportText.objects.get(period__year=2023, section=Section.INTERNAL_CONTROL)

    assert text.body.startswith("Internkontrollarbetet 2023 har pågått enligt plan")
    assert "Kontroll av att klienter anger korrekta uppgifter" not in text.body


def test_the_målområde_medarbetare_comment_of_2021_is_kept_with_its_title(amn):
    comment = ReportText.objects.get(
        period__year=2021, section=Section.GOALS, title="Kommentar – Målområde Medarbetare"
    )

    assert "Antal arbetsmarknadsplatser har minskat" in comment.body
