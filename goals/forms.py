"""The goal side's forms: the målbedömning and status grids of a period, and the rules
for suggested målbedömningar. They read and check what was posted; the services in
goals/services/ store it."""

from django import forms

from amn.forms import GridForm
from amn.lib.text import quoted
from goals.models import AssessmentLevel, AssessmentRules, Status
from goals.services.assessment_entry import MAX_POINTS, AssessmentLine, split_points
from goals.services.status_entry import NEEDS_COMMENT, StatusLine

ASSESSMENT_PARTS = ("level", "motivation", "results", "deviations", "reason")


class AssessmentEntryForm(GridForm):
    """Per nämndmål a level, a motivation, results, deviations and the reason for a level
    other than the suggested one. A goal without a level is not assessed this period."""

    def names(self, line: AssessmentLine) -> dict[str, str]:
        return {part: line.name(part) for part in ASSESSMENT_PARTS}

    def check_line(self, line: AssessmentLine, posted: dict[str, str]) -> dict[str, str]:
        for part in ASSESSMENT_PARTS:
            setattr(line, part, posted[part])
        errors: dict[str, str] = {}
        if not line.level:
            return errors  # not assessed this period
        if line.level not in AssessmentLevel.values:
            errors["level"] = f"Okänd bedömning {quoted(line.level)}."
            return errors
        if not line.motivation:
            errors["motivation"] = "Skriv en motivering till bedömningen."
        # A level kept as it was stored stands; choosing one the indicators do not
        # suggest needs a reason.
        changed = line.level != line.stored_level
        if changed and line.level != line.suggestion.level and not line.reason:
            errors["reason"] = (
                f"Bedömningen avviker från förslaget ({line.suggestion_label}): skriv varför."
            )
        for part in ("results", "deviations"):
            if len(split_points(getattr(line, part))) > MAX_POINTS:
                errors[part] = f"Högst {MAX_POINTS} punkter."
        return errors


class StatusEntryForm(GridForm):
    """Per uppdrag, activity and internkontroll point a status and a comment."""

    def names(self, line: StatusLine) -> dict[str, str]:
        return {"status": f"s-{line.field_name}", "comment": f"c-{line.field_name}"}

    def check_line(self, line: StatusLine, posted: dict[str, str]) -> dict[str, str]:
        line.status, line.comment = posted["status"], posted["comment"]
        if line.status and line.status not in Status.values:
            return {"status": f"Okänd status {quoted(line.status)}."}
        if line.status in NEEDS_COMMENT and not line.comment:
            return {"comment": f"Skriv varför ({Status(line.status).label.lower()})."}
        if line.comment and not line.status:
            return {"status": "Välj en status till kommentaren."}
        return {}


class RulesForm(forms.ModelForm):
    class Meta:
        model = AssessmentRules
        fields = ["met_from_percent", "partly_from_percent", "minimum_judged"]

    def clean(self):
        data = super().clean()
        met, partly = data.get("met_from_percent"), data.get("partly_from_percent")
        if met is not None and met > 100:
            self.add_error("met_from_percent", "Högst 100 %.")
        if met is not None and partly is not None and partly > met:
            self.add_error(
                "partly_from_percent", "Gränsen för Uppnås delvis får inte vara över Uppnås."
            )
        if data.get("minimum_judged") == 0:
            self.add_error("minimum_judged", "Minst en indikator måste kunna bedömas.")
        return data
