"""amn.lib.uploads.csv_rows: a quoted field may span lines, but a quote still open at the
end of the file is refused naming row and column, instead of folding every later line into
one field."""

import pytest

from amn.lib.uploads import FileRefused, csv_rows


def rows(text: str) -> list[list[str]]:
    return list(csv_rows(text, "fil.csv", ";"))


def test_a_quoted_field_may_span_lines():
    assert rows('a;"två\nrader"\nx;y\n') == [["a", "två\nrader"], ["x", "y"]]
    assert rows('a;"slut utan radbrytning"') == [["a", "slut utan radbrytning"]]


@pytest.mark.parametrize(("text", "row"), [('a;"abc\nx;y\n', 1), ('a;b\nc;"abc', 2)])
def test_a_quote_open_at_the_end_of_the_file_is_refused(text, row):
    with pytest.raises(FileRefused) as refused:
        rows(text)

    assert refused.value.message == (
        f'fil.csv, rad {row}, kolumn 2, värde ”abc…”: fältets citattecken (") stängs aldrig, '
        "så resten av filen blir ett enda fält; rätta eller ta bort citattecknet."
    )
    assert (refused.value.row, refused.value.column) == (row, "2")
