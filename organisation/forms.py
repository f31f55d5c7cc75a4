"""The forms of the organisation pages: a new nämnd, the sections of a nämnd's setup page
(each a grid of lines with empty lines to add, and "ta bort" to delete) and the upload of
the template.

Every section checks its lines with the same rules as the template
(organisation.services.setup.SetupChecker): a problem found for a line is shown beside
the input of its column.
"""

from dataclasses import dataclass, field

from django import forms

from amn.forms import GridForm, ManifestMixin, TableUploadForm
from amn.lib.text import quoted
from amn.models import MONTH_NAMES, Administration, Committee, Municipality
from amn.services.history import as_text
from budget.models import Operation, OwnUnit, RowKind
from organisation.services import sections
from organisation.services.setup import (
    ADMINISTRATION,
    BUDGET,
    CODE,
    COMMITTEE_CODE,
    COMMITTEE_NAME,
    DAYS,
    FOLLOW_UP,
    FOLLOW_UP_NAMES,
    KIND,
    KIND_NAMES,
    KOLADA_ID,
    LABEL,
    MONTH,
    MUNICIPALITY,
    NAME,
    OPERATION,
    PARENT,
    POSITION,
    PREVIOUS_ACTUAL,
    UNITS,
    YEAR,
    Line,
    Problem,
    SetupChecker,
)

NEW_LINES = 3
DELETE = "delete"
SELECTS = (DELETE, "kind")


@dataclass
class EntryLine:
    """A line of a section: a stored item (`item`) or an empty line to add one."""

    key: str
    item: object | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    label: str = ""

    @property
    def is_new(self) -> bool:
        return self.item is None

    @property
    def deleted(self) -> bool:
        return bool(self.values.get(DELETE))

    @property
    def blank(self) -> bool:
        # A select always posts a choice: a new line with only that is still empty.
        return self.is_new and not any(v for k, v in self.values.items() if k not in SELECTS)


class SectionForm(GridForm):
    """One section of the setup page: stored lines and NEW_LINES empty ones. `columns`
    maps each part of a line to the column name the checks report problems under."""

    prefix_name = ""
    columns: dict[str, str] = {}
    deletable = True

    def __init__(self, committee: Committee, lines: list[EntryLine], data=None) -> None:
        self.committee = committee
        super().__init__(lines, data)

    def names(self, line: EntryLine) -> dict[str, str]:
        parts = list(self.columns)
        if self.deletable and not line.is_new:
            parts.append(DELETE)
        return {part: f"{self.prefix_name}-{line.key}-{part}" for part in parts}

    def checkboxes(self, line) -> set[str]:
        return {DELETE}

    def check_line(self, line: EntryLine, posted: dict[str, str]) -> dict[str, str]:
        line.values.update(posted)
        return {}

    def clean(self):
        cleaned = super().clean()
        if self.incomplete:
            return cleaned
        for line in self.lines:
            if line.deleted:
                refusal = self.in_use(line.item)
                if refusal:
                    self.fail_line(line, DELETE, refusal)
        kept = [line for line in self.lines if not line.deleted and not line.blank]
        checker = SetupChecker("", self.committee)
        checker.plan.municipality = self.committee.municipality
        checker.plan.committee = self.committee
        checker.plan.committee_name = self.committee.name
        self.check(checker, kept)
        self.show_problems(checker.problems)
        return cleaned

    def entry(self, line: EntryLine) -> Line:
        return Line(
            "",
            None,
            {column: line.values.get(part, "") for part, column in self.columns.items()},
            origin=line,
        )

    def show_problems(self, problems: list[Problem]) -> None:
        parts = {column: part for part, column in self.columns.items()}
        for problem in problems:
            line = problem.origin
            part = parts.get(problem.column, next(iter(self.columns)))
            self.fail_line(line, part, problem.message)

    def fail_line(self, line: EntryLine, part: str, message: str) -> None:
        if part not in line.errors:
            line.errors[part] = message
            self.add_error(self.names(line)[part], message)

    def in_use(self, item) -> str:
        return ""

    def check(self, checker: SetupChecker, kept: list[EntryLine]) -> None:
        raise NotImplementedError

    def deleted_items(self) -> list:
        return [line.item for line in self.lines if line.deleted and not line.is_new]


def new_lines(parts) -> list[EntryLine]:
    return [EntryLine(f"ny{n}", None, dict.fromkeys(parts, "")) for n in range(1, NEW_LINES + 1)]


# --- Förvaltningar and verksamheter ----------------------------------------------------------


class CodedForm(SectionForm):
    columns = {"code": CODE, "name": NAME}
    model = Administration

    def check(self, checker: SetupChecker, kept: list[EntryLine]) -> None:
        checker.check_coded([self.entry(line) for line in kept], self.model, "")
        taken = {item.code: item for item in self.others()}
        for line in kept:
            code = line.values["code"].strip()
            if not line.is_new and code in taken and taken[code].pk != line.item.pk:
                self.fail_line(line, "code", f"Koden {quoted(code)} finns redan hos kommunen.")

    def others(self):
        return self.model.objects.filter(municipality=self.committee.municipality)

    def changes(self) -> list[tuple[object | None, str, str]]:
        return [
            (line.item, line.values["code"].strip(), line.values["name"].strip())
            for line in self.lines
            if not line.deleted and not line.blank
        ]


class AdministrationsForm(CodedForm):
    prefix_name = "adm"
    model = Administration

    def in_use(self, item) -> str:
        return sections.administration_in_use(self.committee, item)


class OperationsForm(CodedForm):
    prefix_name = "op"
    model = Operation

    def in_use(self, item) -> str:
        return sections.operation_in_use(item)


def coded_lines(items) -> list[EntryLine]:
    return [
        EntryLine(str(item.pk), item, {"code": item.code, "name": item.name}, label=item.code)
        for item in items
    ] + new_lines(("code", "name"))


# --- Nämndens enheter ------------------------------------------------------------------------


class UnitsForm(SectionForm):
    prefix_name = "enhet"
    columns = {"name": NAME, "administration": ADMINISTRATION}

    def in_use(self, item) -> str:
        return sections.unit_in_use(item)

    def check(self, checker: SetupChecker, kept: list[EntryLine]) -> None:
        checker.check_units([self.entry(line) for line in kept])
        taken = {unit.name: unit for unit in OwnUnit.objects.filter(committee=self.committee)}
        for line in kept:
            name = line.values["name"].strip()
            if name in taken and (line.is_new or taken[name].pk != line.item.pk):
                self.fail_line(line, "name", f"Enheten {quoted(name)} finns redan.")


def unit_lines(units) -> list[EntryLine]:
    return [
        EntryLine(
            str(unit.pk),
            unit,
            {
                "name": unit.name,
                "administration": unit.administration.code if unit.administration else "",
            },
            label=unit.name,
        )
        for unit in units
    ] + new_lines(("name", "administration"))


# --- Årshjul -------------------------------------------------------------------------------


class CycleForm(SectionForm):
    prefix_name = "hjul"
    columns = {"on": FOLLOW_UP, "month": MONTH, "days": DAYS}
    deletable = False

    def names(self, line: EntryLine) -> dict[str, str]:
        return {part: f"{self.prefix_name}-{line.key}-{part}" for part in self.columns}

    def checkboxes(self, line) -> set[str]:
        return {"on"}

    def check(self, checker: SetupChecker, kept: list[EntryLine]) -> None:
        used = [line for line in kept if line.values.get("on")]
        if not used and self.lines:
            self.fail_line(self.lines[0], "on", "Minst en uppföljning behövs i årshjulet.")
            return
        checker.check_cycle(
            [
                Line(
                    "",
                    None,
                    {FOLLOW_UP: line.key, MONTH: line.values["month"], DAYS: line.values["days"]},
                    origin=line,
                )
                for line in used
            ]
        )

    def steps(self) -> list[tuple[str, int, int]]:
        return [
            (line.key, int(line.values["month"]), int(line.values["days"]))
            for line in self.lines
            if line.values.get("on")
        ]

    def switched_off(self) -> list[str]:
        return [line.key for line in self.lines if not line.values.get("on")]


def cycle_lines(committee: Committee, stored, defaults) -> list[EntryLine]:
    """The four follow-ups: the stored ones switched on; with none stored, the defaults."""
    by_kind = {step.kind: step for step in (stored or defaults)}
    lines = []
    for kind, name in FOLLOW_UP_NAMES.items():
        step = by_kind.get(kind)
        fallback = next(s for s in defaults if s.kind == kind)
        lines.append(
            EntryLine(
                kind,
                step,
                {
                    "on": "ja" if step else "",
                    "month": str((step or fallback).month),
                    "days": str((step or fallback).deadline_days),
                },
                label=name,
            )
        )
    return lines


MONTH_CHOICES = [(str(n), name) for n, name in enumerate(MONTH_NAMES, start=1)]


# --- Driftsammandrag -----------------------------------------------------------------------


ROW_PARTS = {
    "position": POSITION,
    "label": LABEL,
    "kind": KIND,
    "operation": OPERATION,
    "parent": PARENT,
    "units": UNITS,
    "previous_actual": PREVIOUS_ACTUAL,
    "budget": BUDGET,
}


class RowsForm(SectionForm):
    """The driftsammandrag rows of one year. An empty amount leaves the stored one."""

    prefix_name = "rad"
    columns = ROW_PARTS

    def __init__(self, committee, lines, year: int, data=None) -> None:
        self.year = year
        super().__init__(committee, lines, data)

    def in_use(self, item) -> str:
        return sections.row_in_use(item)

    def entry(self, line: EntryLine) -> Line:
        entry = super().entry(line)
        entry.cells[YEAR] = self.year
        entry.cells[KIND] = KIND_NAMES.get(line.values["kind"], line.values["kind"])
        return entry

    def check(self, checker: SetupChecker, kept: list[EntryLine]) -> None:
        checker.check_rows(
            [self.entry(line) for line in kept],
            {index: line.item.pk for index, line in enumerate(kept) if not line.is_new},
        )
        self.plan = checker.plan


def row_lines(rows, amounts) -> list[EntryLine]:
    lines = []
    for row in rows:
        previous = amounts.get((row.predecessor_id, "actual")) if row.predecessor_id else None
        lines.append(
            EntryLine(
                str(row.pk),
                row,
                {
                    "position": str(row.position),
                    "label": row.label,
                    "kind": row.kind,
                    "operation": row.code,
                    "parent": row.parent.label if row.parent_id else "",
                    "units": ", ".join(unit.name for unit in row.own_units.all()),
                    "previous_actual": as_text(previous),
                    "budget": as_text(amounts.get((row.pk, "budget"))),
                },
                label=row.label,
            )
        )
    return lines + new_lines(ROW_PARTS)


KIND_CHOICES = [(kind.value, KIND_NAMES[kind]) for kind in RowKind]


# --- A new nämnd ---------------------------------------------------------------------------


class NewCommitteeForm(ManifestMixin, forms.Form):
    """A new nämnd of an existing kommun, or of a new one given by name and Kolada-id."""

    municipality = forms.ChoiceField(label="Kommun", required=False)
    municipality_name = forms.CharField(label="Ny kommun: namn", required=False, strip=True)
    kolada_id = forms.CharField(label="Ny kommun: Kolada-id", required=False, strip=True)
    code = forms.CharField(label="Nämndens kod", required=False, strip=True)
    name = forms.CharField(label="Nämndens namn", required=False, strip=True)

    FIELDS = {
        MUNICIPALITY: "municipality_name",
        KOLADA_ID: "kolada_id",
        COMMITTEE_CODE: "code",
        COMMITTEE_NAME: "name",
    }

    def __init__(self, municipalities: list[Municipality], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipalities = {str(m.pk): m for m in municipalities}
        self.fields["municipality"].choices = [("", "Ny kommun (ange namn och Kolada-id)")] + [
            (str(m.pk), f"{m.name} ({m.kolada_id})") for m in municipalities
        ]

    def clean(self):
        cleaned = super().clean()
        self.check_manifest()
        chosen = self.municipalities.get(cleaned.get("municipality") or "")
        cells = {
            MUNICIPALITY: chosen.name if chosen else cleaned.get("municipality_name", ""),
            KOLADA_ID: chosen.kolada_id if chosen else cleaned.get("kolada_id", ""),
            COMMITTEE_CODE: cleaned.get("code", ""),
            COMMITTEE_NAME: cleaned.get("name", ""),
        }
        checker = SetupChecker()
        checker.check_committee([Line("", None, cells)])
        for problem in checker.problems:
            self.add_error(self.FIELDS.get(problem.column) or None, problem.message)
        if not checker.problems and checker.plan.committee is not None:
            self.add_error("code", f"Nämnden {cells[COMMITTEE_CODE]} finns redan.")
        self.plan = checker.plan
        return cleaned


class UploadForm(TableUploadForm):
    file = forms.FileField(label="Ifylld mall (.xlsx)", allow_empty_file=True)
