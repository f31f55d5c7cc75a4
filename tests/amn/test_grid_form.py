"""The grid every entry form is built on: a checkbox posts an explicit "no" through its
hidden companion, so an unticked box is never mistaken for a lost field."""

from dataclasses import dataclass, field

from django.http import QueryDict

from amn.forms import MANIFEST, GridForm


@dataclass
class Point:
    pk: int
    done: str = "ja"
    errors: dict = field(default_factory=dict)


class DoneForm(GridForm):
    def names(self, line: Point) -> dict[str, str]:
        return {"done": f"done-{line.pk}"}

    def checkboxes(self, line: Point) -> set[str]:
        return {"done"}

    def check_line(self, line: Point, posted: dict[str, str]) -> dict[str, str]:
        line.done = posted["done"]
        return {}


def posted(query: str) -> QueryDict:
    return QueryDict(f"{MANIFEST}=done-1&{query}")


def test_a_checkbox_is_rendered_with_a_hidden_companion_of_the_same_name():
    rendered = str(DoneForm([Point(1)])["done-1"])

    assert '<input type="hidden" name="done-1" value="">' in rendered
    assert 'type="checkbox" name="done-1"' in rendered


def test_a_ticked_box_reads_yes():
    point = Point(1, done="")

    assert DoneForm([point], posted("done-1=&done-1=on")).is_valid()
    assert point.done == "ja"


def test_an_unticked_box_posts_its_companion_and_reads_an_explicit_no():
    point = Point(1)

    assert DoneForm([point], posted("done-1=")).is_valid()
    assert point.done == ""


def test_a_box_missing_from_the_post_altogether_refuses_it_and_leaves_the_line_alone():
    point = Point(1)
    form = DoneForm([point], posted(""))

    assert not form.is_valid() and form.incomplete
    assert point.done == "ja"
