"""The report layer's forms: the texts of a section. They read and check what was posted;
reports/services/preparation.py stores it."""

from amn.forms import GridForm, too_long
from amn.models import ReportText
from reports.services.preparation import TextDraft, check_texts

TEXT_PARTS = ("title", "body")


class SectionTextsForm(GridForm):
    """Per text of the section its heading and body, named by the stored text ("body-12")
    or, for a new one, by its slot ("body-ny0"). A text emptied is removed; a text added
    since the page was loaded is not in the post and stays as it is."""

    def names(self, line: TextDraft) -> dict[str, str]:
        return {part: f"{part}-{line.key}" for part in TEXT_PARTS}

    def check_line(self, line: TextDraft, posted: dict[str, str]) -> dict[str, str]:
        line.title, line.body = posted["title"], posted["body"]
        error = too_long(ReportText, "title", line.title)
        return {"title": error} if error else {}

    def clean(self):
        cleaned = super().clean()
        for message in check_texts(self.all_lines):
            self.add_error(None, message)
        return cleaned
