"""The report layer's forms: the texts of a section, and who writes each section by when.
They read and check what was posted; reports/services/preparation.py stores it."""

import datetime

from amn.forms import GridForm, too_long
from amn.models import ReportText, SectionPlan
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


class AssignForm(GridForm):
    """Per section of the report its responsible writer (one of `writers`, by id) and its
    deadline (ÅÅÅÅ-MM-DD). Each line gets `wanted`: (writer or None, date or None)."""

    def __init__(self, plans, writers: dict[str, object], data=None) -> None:
        self.writers = writers
        self.problems: list[str] = []
        super().__init__(plans, data)

    def names(self, line: SectionPlan) -> dict[str, str]:
        return {"writer": f"r-{line.section}", "deadline": f"d-{line.section}"}

    def check_line(self, line: SectionPlan, posted: dict[str, str]) -> dict[str, str]:
        chosen, typed = posted["writer"], posted["deadline"]
        if chosen and chosen not in self.writers:
            return {"writer": f"användaren ”{chosen}” skriver inte för nämnden."}
        try:
            deadline = datetime.date.fromisoformat(typed) if typed else None
        except ValueError:
            return {"deadline": f"”{typed}” är inget datum (ÅÅÅÅ-MM-DD)."}
        line.wanted = (self.writers.get(chosen), deadline)
        return {}

    def show_errors(self, line: SectionPlan, errors: dict[str, str]) -> None:
        self.problems += [f"{line.get_section_display()}: {error}" for error in errors.values()]
