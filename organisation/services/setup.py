"""A nämnd set up from nothing or brought up to date: kommun, nämnd, förvaltningar,
verksamheter, the nämnd's own units, its årshjul and the driftsammandrag rows of its years
with last year's bokslut and the budget per row.

The same rules hold whether the lines come from the setup page or from the Excel template
(organisation.services.template): each line is checked cell by cell (`SetupChecker`), every
problem is kept with its place (sheet, Excel row, column, value), and only a plan without
problems is stored (`store_plan`), all of it in one transaction. Storing never deletes:
what a plan does not name stays as it is.

Amounts are full-year figures in exact kronor, stored as `YearAmount`s: the budget on the
row of the year, the bokslut on the row of the year before (created or found, and linked
as the row's `predecessor`). No monthly amount is ever made up. A row whose figure already
comes from months (a ledger import, a periodised budget) keeps it: a different full-year
figure for it is refused, since the driftsammandrag would never show it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum

from amn.forms import too_large, too_long
from amn.lib.money import parse_swedish_number
from amn.lib.periods import FIRST_YEAR, LAST_YEAR
from amn.lib.text import quoted
from amn.lib.uploads import UploadProblem
from amn.lib.uploads import cell_text as uploaded_cell_text
from amn.models import (
    MONTH_NAMES,
    Administration,
    AnnualCycleStep,
    ChangeSource,
    Committee,
    Municipality,
    PeriodKind,
    default_annual_cycle,
)
from amn.services.history import Edit, record_changes
from budget.models import (
    Measure,
    MonthlyAmount,
    Operation,
    OwnUnit,
    RowKind,
    SummaryRow,
    YearAmount,
)

# The sheets of the template and their columns, in order. The column names are also the
# names under which the setup page's row form reports its problems.
COMMITTEE_SHEET = "Nämnd"
ADMINISTRATIONS_SHEET = "Förvaltningar"
OPERATIONS_SHEET = "Verksamheter"
UNITS_SHEET = "Enheter"
CYCLE_SHEET = "Årshjul"
ROWS_SHEET = "Driftsammandrag"

MUNICIPALITY = "Kommun"
KOLADA_ID = "Kolada-id"
COMMITTEE_CODE = "Nämnd kod"
COMMITTEE_NAME = "Nämnd namn"
CODE = "Kod"
NAME = "Namn"
ADMINISTRATION = "Förvaltning"
FOLLOW_UP = "Uppföljning"
MONTH = "Till och med månad"
DAYS = "Klar dagar efter månadens slut"
YEAR = "År"
POSITION = "Ordning"
LABEL = "Rad"
KIND = "Typ"
OPERATION = "Verksamhetskod"
PARENT = "Varav under"
UNITS = "Enheter"
PREVIOUS_ACTUAL = "Bokslut föregående år (kr)"
BUDGET = "Budget (kr)"

HEADERS: dict[str, tuple[str, ...]] = {
    COMMITTEE_SHEET: (MUNICIPALITY, KOLADA_ID, COMMITTEE_CODE, COMMITTEE_NAME),
    ADMINISTRATIONS_SHEET: (CODE, NAME),
    OPERATIONS_SHEET: (CODE, NAME),
    UNITS_SHEET: (NAME, ADMINISTRATION),
    CYCLE_SHEET: (FOLLOW_UP, MONTH, DAYS),
    ROWS_SHEET: (
        YEAR,
        POSITION,
        LABEL,
        KIND,
        OPERATION,
        PARENT,
        UNITS,
        PREVIOUS_ACTUAL,
        BUDGET,
    ),
}

# How the template and the page name a row's kind, and the årshjul's follow-ups.
KIND_NAMES = {RowKind.ROW: "rad", RowKind.UNITS: "resultat nämndens enheter"}
FOLLOW_UP_NAMES = {
    PeriodKind.INTERIM_1: "Delår 1",
    PeriodKind.INTERIM_2: "Delår 2",
    PeriodKind.OCTOBER: "Oktoberuppföljning",
    PeriodKind.ANNUAL: "Bokslut",
}
MAX_POSITION = 32767
MAX_DEADLINE_DAYS = 365


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


_KINDS = {_key(name): kind for kind, name in KIND_NAMES.items()} | {
    _key(kind.value): kind for kind in RowKind
}
_FOLLOW_UPS = {_key(name): kind for kind, name in FOLLOW_UP_NAMES.items()} | {
    _key(kind.value): kind for kind in FOLLOW_UP_NAMES
}


def kind_of(text: str) -> str | None:
    """The row kind a cell names ("rad", "Resultat nämndens enheter"), an empty cell being
    an ordinary row; None for anything else."""
    return RowKind.ROW if not text.strip() else _KINDS.get(_key(text))


def follow_up_of(text: str) -> str | None:
    return _FOLLOW_UPS.get(_key(text))


# --- Cells -----------------------------------------------------------------------------------


def cell_text(cell: object) -> str:
    """A cell as text (amn.lib.uploads.cell_text), a yes/no cell as "ja"/"nej" and a
    fraction as Python writes it."""
    if isinstance(cell, bool):
        return "ja" if cell else "nej"
    if isinstance(cell, float) and not cell.is_integer():
        return repr(cell)
    return uploaded_cell_text(cell)


def shown(cell: object) -> str:
    """A cell as a message quotes it."""
    text = cell_text(cell)
    return text if len(text) <= 80 else text[:77] + "…"


NOT_AN_AMOUNT = "Inte ett belopp: ange kronor, t.ex. 1 234 567,50 eller -93 200 000."


class CellProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def amount_of(cell: object) -> Decimal | None:
    """An amount in kronor: a number cell, or text in Swedish format ("1 234 567,50",
    "-93 200 000"); None for an empty cell. At most two decimals (öre)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool):
        raise CellProblem(NOT_AN_AMOUNT)
    if isinstance(cell, int | float | Decimal):
        value = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
    else:
        try:
            value = parse_swedish_number(str(cell))
        except ValueError:
            raise CellProblem(NOT_AN_AMOUNT) from None
    if not value.is_finite():
        raise CellProblem(NOT_AN_AMOUNT)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise CellProblem("Beloppet har fler än två decimaler: ange kronor med högst öre.")
    message = too_large(YearAmount, "amount", value)
    if message:
        raise CellProblem(message)
    return value.quantize(Decimal("0.01"))


def whole_of(cell: object, low: int, high: int, what: str) -> int:
    text = cell_text(cell)
    if isinstance(cell, bool) or not text.lstrip("-").isdigit():
        raise CellProblem(f"Ange {what}: ett heltal {low}–{high}.")
    number = int(text)
    if not low <= number <= high:
        raise CellProblem(f"Ange {what}: ett heltal {low}–{high}.")
    return number


# --- Problems ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem(UploadProblem):
    """A bad cell: where it is and what is wrong. `origin` is what the cell's line came
    from on the setup page (its line object), None in a file."""

    origin: object = field(default=None, compare=False)


@dataclass
class Line:
    """One line of a sheet or of a page's grid: its cells by column name."""

    sheet: str
    number: int | None  # the Excel row
    cells: dict[str, object]
    origin: object = None  # the page's line, or None

    def text(self, column: str) -> str:
        return cell_text(self.cells.get(column))


# --- What a plan holds -------------------------------------------------------------------------


@dataclass
class RowPlan:
    line: Line
    year: int
    position: int
    label: str
    kind: str
    operation_code: str
    parent_label: str
    unit_names: list[str]
    previous_actual: Decimal | None
    budget: Decimal | None
    pk: int | None = None  # the page's row; an upload finds its row by label


@dataclass
class SetupPlan:
    municipality: Municipality | None = None
    new_municipality: tuple[str, str] | None = None  # (name, Kolada-id)
    committee: Committee | None = None
    committee_code: str = ""
    committee_name: str = ""
    administrations: list[tuple[str, str]] = field(default_factory=list)
    operations: list[tuple[str, str]] = field(default_factory=list)
    units: list[tuple[str, str]] = field(default_factory=list)  # (name, förvaltning code)
    cycle: list[tuple[str, int, int]] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)


# --- Checking ----------------------------------------------------------------------------------


class SetupChecker:
    """Checks the lines of every sheet and builds the plan, keeping every problem."""

    def __init__(self, file_name: str = "", committee: Committee | None = None) -> None:
        self.file_name = file_name
        self.committee = committee  # the nämnd the upload is for; None: named in the file
        self.problems: list[Problem] = []
        self.plan = SetupPlan()

    def fail(self, line: Line, column: str, message: str, value: object = None) -> None:
        cell = line.cells.get(column) if value is None else value
        self.problems.append(
            Problem(
                self.file_name,
                line.sheet,
                line.number,
                column,
                shown(cell),
                message,
                origin=line.origin,
            )
        )

    def fail_sheet(self, sheet: str, message: str) -> None:
        self.problems.append(Problem(self.file_name, sheet, None, "", "", message))

    def text(self, line: Line, column: str, model, model_field: str, required: bool = True):
        text = line.text(column)
        if not text:
            if required:
                self.fail(line, column, "Fältet får inte vara tomt.")
            return None
        message = too_long(model, model_field, text)
        if message:
            self.fail(line, column, message)
            return None
        return text

    def unique(self, seen: dict, key, line: Line, column: str, what: str) -> bool:
        if key in seen:
            where = f" på rad {seen[key]}" if seen[key] is not None else " på en annan rad"
            self.fail(line, column, f"{what} finns redan{where}.")
            return False
        seen[key] = line.number
        return True

    # The nämnd --------------------------------------------------------------------------------

    def check_committee(self, lines: list[Line]) -> None:
        if len(lines) != 1:
            self.fail_sheet(
                COMMITTEE_SHEET,
                f"Bladet ska ha exakt en rad under rubrikraden, inte {len(lines)}.",
            )
            return
        line = lines[0]
        name = self.text(line, MUNICIPALITY, Municipality, "name")
        kolada_id = self.text(line, KOLADA_ID, Municipality, "kolada_id")
        code = self.text(line, COMMITTEE_CODE, Committee, "code")
        committee_name = self.text(line, COMMITTEE_NAME, Committee, "name")
        if kolada_id and not (kolada_id.isdigit() and len(kolada_id) == 4):
            self.fail(line, KOLADA_ID, "Kolada-id är fyra siffror, t.ex. 0580.")
            kolada_id = None
        municipality = None
        if name and kolada_id:
            municipality = Municipality.objects.filter(kolada_id=kolada_id).first()
            named = Municipality.objects.filter(name=name).first()
            if municipality is not None and municipality.name != name:
                self.fail(line, KOLADA_ID, f"Kolada-id {kolada_id} hör till {municipality.name}.")
                return
            if municipality is None and named is not None:
                self.fail(
                    line, MUNICIPALITY, f"{name} finns redan med Kolada-id {named.kolada_id}."
                )
                return
            if municipality is None:
                self.plan.new_municipality = (name, kolada_id)
            self.plan.municipality = municipality
        if code:
            existing = Committee.objects.select_related("municipality").filter(code=code).first()
            if self.committee is not None and code != self.committee.code:
                self.fail(
                    line,
                    COMMITTEE_CODE,
                    f"Filen gäller nämnden {code}, men laddas upp för {self.committee.code}.",
                )
            elif existing is not None and (
                municipality is None or existing.municipality_id != municipality.pk
            ):
                self.fail(
                    line,
                    COMMITTEE_CODE,
                    f"Nämndkoden {code} används redan av {existing.name} i "
                    f"{existing.municipality.name}.",
                )
            else:
                self.plan.committee = existing
        self.plan.committee_code = code or ""
        self.plan.committee_name = committee_name or ""

    # Förvaltningar, verksamheter, enheter, årshjul -------------------------------------------

    def check_coded(self, lines: list[Line], model, what: str) -> list[tuple[str, str]]:
        found, seen = [], {}
        for line in lines:
            code = self.text(line, CODE, model, "code")
            name = self.text(line, NAME, model, "name")
            if code and not self.unique(seen, code, line, CODE, f"Koden {quoted(code)}"):
                continue
            if code and name:
                found.append((code, name))
        return found

    def check_administrations(self, lines: list[Line]) -> None:
        self.plan.administrations = self.check_coded(lines, Administration, "förvaltning")

    def check_operations(self, lines: list[Line]) -> None:
        self.plan.operations = self.check_coded(lines, Operation, "verksamhet")

    def known_administrations(self) -> set[str]:
        codes = {code for code, _ in self.plan.administrations}
        municipality = self.plan.municipality
        if municipality is not None:
            codes |= set(municipality.administrations.values_list("code", flat=True))
        return codes

    def check_units(self, lines: list[Line]) -> None:
        known = self.known_administrations()
        seen: dict = {}
        for line in lines:
            name = self.text(line, NAME, OwnUnit, "name")
            administration = line.text(ADMINISTRATION)
            if name and not self.unique(seen, name, line, NAME, f"Enheten {quoted(name)}"):
                continue
            if administration and administration not in known:
                self.fail(
                    line,
                    ADMINISTRATION,
                    f"Förvaltningen {quoted(administration)} finns inte i fliken "
                    "Förvaltningar eller hos kommunen.",
                )
                continue
            if name:
                self.plan.units.append((name, administration))

    def check_cycle(self, lines: list[Line]) -> None:
        seen: dict = {}
        for line in lines:
            kind = follow_up_of(line.text(FOLLOW_UP))
            if kind is None:
                names = ", ".join(FOLLOW_UP_NAMES.values())
                self.fail(line, FOLLOW_UP, f"Okänd uppföljning; ange en av {names}.")
            elif not self.unique(seen, kind, line, FOLLOW_UP, f"{FOLLOW_UP_NAMES[kind]}"):
                kind = None
            month = self.whole(line, MONTH, 1, 12, "en månad")
            days = self.whole(line, DAYS, 0, MAX_DEADLINE_DAYS, "ett antal dagar")
            if kind is not None and month is not None and days is not None:
                self.plan.cycle.append((kind, month, days))

    def whole(self, line: Line, column: str, low: int, high: int, what: str) -> int | None:
        try:
            return whole_of(line.cells.get(column), low, high, what)
        except CellProblem as problem:
            self.fail(line, column, problem.message)
            return None

    def amount(self, line: Line, column: str) -> Decimal | None:
        try:
            return amount_of(line.cells.get(column))
        except CellProblem as problem:
            self.fail(line, column, problem.message)
            return None

    # Driftsammandrag ---------------------------------------------------------------------------

    def check_rows(self, lines: list[Line], pks: dict[int, int] | None = None) -> None:
        """The rows of one or more years. `pks` (page only) names the stored row of a line
        by the line's position in `lines`; in a file a row is found by its year and label."""
        operations = {code for code, _ in self.plan.operations}
        units = {name for name, _ in self.plan.units}
        committee = self.plan.committee or self.committee
        if self.plan.municipality is not None:
            operations |= set(
                Operation.objects.filter(municipality=self.plan.municipality).values_list(
                    "code", flat=True
                )
            )
        if committee is not None:
            units |= set(OwnUnit.objects.filter(committee=committee).values_list("name", flat=True))
        parsed: list[tuple[Line, dict]] = []
        labels: dict = {}
        positions: dict = {}
        for index, line in enumerate(lines):
            values = {
                "pk": (pks or {}).get(index),
                "year": self.whole(line, YEAR, FIRST_YEAR, LAST_YEAR, "ett år"),
                "position": self.whole(line, POSITION, 1, MAX_POSITION, "en ordning"),
                "label": self.text(line, LABEL, SummaryRow, "label"),
                "kind": kind_of(line.text(KIND)),
                "operation": line.text(OPERATION),
                "parent": line.text(PARENT),
                "units": [part.strip() for part in line.text(UNITS).split(",") if part.strip()],
                "previous_actual": self.amount(line, PREVIOUS_ACTUAL),
                "budget": self.amount(line, BUDGET),
            }
            year, label, position = values["year"], values["label"], values["position"]
            if values["kind"] is None:
                names = " eller ".join(quoted(name) for name in KIND_NAMES.values())
                self.fail(line, KIND, f"Okänd typ; ange {names}.")
            if year is not None and label:
                self.unique(labels, (year, label), line, LABEL, f"Raden {quoted(label)} {year}")
            if year is not None and position is not None:
                self.unique(
                    positions, (year, position), line, POSITION, f"Ordning {position} år {year}"
                )
            if values["operation"] and values["operation"] not in operations:
                self.fail(
                    line,
                    OPERATION,
                    f"Verksamheten {quoted(values['operation'])} finns inte i fliken "
                    "Verksamheter eller hos kommunen.",
                )
            for name in values["units"]:
                if name not in units:
                    self.fail(
                        line,
                        UNITS,
                        f"Enheten {quoted(name)} finns inte i fliken Enheter eller hos nämnden.",
                    )
            if values["kind"] == RowKind.UNITS and not values["units"]:
                self.fail(line, UNITS, "Raden Resultat nämndens enheter behöver minst en enhet.")
            if values["kind"] == RowKind.ROW and values["units"]:
                self.fail(line, UNITS, "Enheter anges bara på raden Resultat nämndens enheter.")
            parsed.append((line, values))
        self._check_parents(parsed, committee)
        self._check_stored_positions(parsed, committee)
        for line, values in parsed:
            self.plan.rows.append(
                RowPlan(
                    line,
                    values["year"],
                    values["position"],
                    values["label"],
                    values["kind"],
                    values["operation"],
                    values["parent"],
                    values["units"],
                    values["previous_actual"],
                    values["budget"],
                    pk=values["pk"],
                )
            )

    def _stored_rows(self, committee, years) -> list[SummaryRow]:
        if committee is None or not years:
            return []
        return list(
            SummaryRow.objects.filter(committee=committee, year__in=years).only(
                "pk", "year", "label", "position", "parent_id"
            )
        )

    def _check_parents(self, parsed, committee) -> None:
        years = {values["year"] for _, values in parsed if values["year"]}
        given = {(v["year"], v["label"]): v for _, v in parsed if v["year"] and v["label"]}
        given_pks = {v["pk"] for _, v in parsed if v["pk"]}
        stored = {
            (row.year, row.label): row
            for row in self._stored_rows(committee, years)
            if row.pk not in given_pks
        }
        for line, values in parsed:
            parent, year = values["parent"], values["year"]
            if not parent or year is None:
                continue
            if parent == values["label"]:
                self.fail(line, PARENT, "En rad kan inte vara varav-rad under sig själv.")
            elif (year, parent) in given:
                if given[(year, parent)]["parent"]:
                    self.fail(
                        line,
                        PARENT,
                        f"Raden {quoted(parent)} är själv en varav-rad; varav-rader står bara "
                        "under vanliga rader.",
                    )
            elif (year, parent) in stored:
                if stored[(year, parent)].parent_id:
                    self.fail(
                        line,
                        PARENT,
                        f"Raden {quoted(parent)} är själv en varav-rad; varav-rader står bara "
                        "under vanliga rader.",
                    )
            else:
                self.fail(line, PARENT, f"Raden {quoted(parent)} finns inte år {year}.")

    def _check_stored_positions(self, parsed, committee) -> None:
        """A position held by a stored row the lines leave as it is."""
        years = {values["year"] for _, values in parsed if values["year"]}
        given_pks = {v["pk"] for _, v in parsed if v["pk"]}
        given_labels = {(v["year"], v["label"]) for _, v in parsed if v["pk"] is None}
        held = {
            (row.year, row.position): row.label
            for row in self._stored_rows(committee, years)
            if row.pk not in given_pks and (row.year, row.label) not in given_labels
        }
        for line, values in parsed:
            key = (values["year"], values["position"])
            if key in held:
                self.fail(
                    line,
                    POSITION,
                    f"Ordning {values['position']} år {values['year']} har redan raden "
                    f"{quoted(held[key])}.",
                )


# --- Storing ---------------------------------------------------------------------------------


@dataclass
class StoreOutcome:
    """What storing did, line by line in Swedish, and the problems found while storing
    (figures that come from months); with problems nothing was stored."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    committee: Committee | None = None

    @property
    def summary(self) -> str:
        return f"{len(self.created)} nya och {len(self.updated)} ändrade uppgifter"


class _Store:
    def __init__(self, plan: SetupPlan, user, source: str, file_name: str) -> None:
        self.plan, self.user, self.source, self.file_name = plan, user, source, file_name
        self.outcome = StoreOutcome()
        self.edits: list[Edit] = []

    def note(self, created: bool, what: str) -> None:
        (self.outcome.created if created else self.outcome.updated).append(what)

    def run(self) -> StoreOutcome:
        municipality = self.municipality()
        committee = self.committee(municipality)
        self.outcome.committee = committee
        self.administrations(municipality, committee)
        self.operations(municipality)
        self.units(committee)
        self.cycle(committee)
        self.rows(committee, municipality)
        return self.outcome

    def municipality(self) -> Municipality:
        if self.plan.municipality is not None:
            return self.plan.municipality
        name, kolada_id = self.plan.new_municipality
        municipality = Municipality.objects.create(name=name, kolada_id=kolada_id)
        self.note(True, f"kommunen {name} ({kolada_id})")
        return municipality

    def committee(self, municipality: Municipality) -> Committee:
        committee = self.plan.committee
        if committee is None:
            committee = Committee.objects.create(
                municipality=municipality,
                code=self.plan.committee_code,
                name=self.plan.committee_name,
            )
            self.note(True, f"nämnden {committee.code} – {committee.name}")
        elif committee.name != self.plan.committee_name:
            committee.name = self.plan.committee_name
            committee.save(update_fields=["name"])
            self.note(False, f"nämnden {committee.code}: namnet {committee.name}")
        return committee

    def _coded(self, model, lines, **scope) -> dict[str, object]:
        stored = {item.code: item for item in model.objects.filter(**scope)}
        for code, name in lines:
            item = stored.get(code)
            what = f"{model._meta.verbose_name}en {code} – {name}"
            if item is None:
                stored[code] = model.objects.create(code=code, name=name, **scope)
                self.note(True, what)
            elif item.name != name:
                item.name = name
                item.save(update_fields=["name"])
                self.note(False, what)
        return stored

    def administrations(self, municipality: Municipality, committee: Committee) -> None:
        stored = self._coded(Administration, self.plan.administrations, municipality=municipality)
        serving = set(committee.administrations.values_list("code", flat=True))
        added = [stored[code] for code, _ in self.plan.administrations if code not in serving]
        if added:
            committee.administrations.add(*added)
            for administration in added:
                self.note(False, f"förvaltningen {administration.code} betjänar nämnden")
        self.administration_by_code = stored

    def operations(self, municipality: Municipality) -> None:
        self.operation_by_code = self._coded(
            Operation, self.plan.operations, municipality=municipality
        )

    def units(self, committee: Committee) -> None:
        stored = {unit.name: unit for unit in OwnUnit.objects.filter(committee=committee)}
        for name, code in self.plan.units:
            administration = self.administration_by_code.get(code) if code else None
            unit = stored.get(name)
            if unit is None:
                stored[name] = OwnUnit.objects.create(
                    committee=committee, name=name, administration=administration
                )
                self.note(True, f"enheten {name}")
            elif unit.administration_id != (administration.pk if administration else None):
                unit.administration = administration
                unit.save(update_fields=["administration"])
                self.note(False, f"enheten {name}: förvaltning {code or '(ingen)'}")
        self.unit_by_name = stored

    def cycle(self, committee: Committee) -> None:
        stored = {step.kind: step for step in committee.annual_cycle.all()}
        for kind, month, days in self.plan.cycle:
            step = stored.get(kind)
            what = (
                f"årshjulet: {FOLLOW_UP_NAMES[kind]} t.o.m. {MONTH_NAMES[month - 1]}, {days} dagar"
            )
            if step is None:
                AnnualCycleStep.objects.create(
                    committee=committee, kind=kind, month=month, deadline_days=days
                )
                self.note(True, what)
            elif (step.month, step.deadline_days) != (month, days):
                step.month, step.deadline_days = month, days
                step.save(update_fields=["month", "deadline_days"])
                self.note(False, what)

    # Rows -----------------------------------------------------------------------------------

    def rows(self, committee: Committee, municipality: Municipality) -> None:
        if not self.plan.rows:
            return
        years = sorted({row.year for row in self.plan.rows})
        self.stored = {
            (row.year, row.label): row
            for row in SummaryRow.objects.filter(
                committee=committee, year__in=[*years, *(y - 1 for y in years)]
            ).prefetch_related("own_units")
        }
        by_pk = {row.pk: row for row in self.stored.values()}
        operations = dict(self.operation_by_code)
        for year in years:
            plans = [plan for plan in self.plan.rows if plan.year == year]
            rows = self._rows_of_year(committee, year, plans, by_pk, operations)
            for plan, row in zip(plans, rows, strict=True):
                self._amounts(committee, plan, row)
        record_changes(
            committee=committee, period=None, user=self.user, source=self.source, edits=self.edits
        )

    def _rows_of_year(self, committee, year, plans, by_pk, operations) -> list[SummaryRow]:
        rows: list[SummaryRow] = []
        # Positions may swap between rows: the rows that move step aside first.
        moving = []
        for plan in plans:
            row = by_pk.get(plan.pk) if plan.pk else self.stored.get((year, plan.label))
            if row is not None and row.position != plan.position:
                moving.append(row)
        for offset, row in enumerate(moving):
            SummaryRow.objects.filter(pk=row.pk).update(position=MAX_POSITION - offset)
        for plan in plans:
            row = by_pk.get(plan.pk) if plan.pk else self.stored.get((year, plan.label))
            operation = operations.get(plan.operation_code) if plan.operation_code else None
            fields = {
                "position": plan.position,
                "label": plan.label,
                "kind": plan.kind,
                "operation": operation,
            }
            if row is None:
                row = SummaryRow.objects.create(committee=committee, year=year, **fields)
                self.note(True, f"raden {plan.label} {year}")
                self.edits.append(Edit(f"Driftsammandrag {year}: {plan.label}", "rad", "", "ny"))
                row._units = set()
            else:
                old = (row.position, row.label, row.kind, row.operation_id)
                for name, value in fields.items():
                    setattr(row, name, value)
                if old != (row.position, row.label, row.kind, row.operation_id) or row in moving:
                    row.save(update_fields=["position", "label", "kind", "operation"])
                    self.note(False, f"raden {plan.label} {year}")
                row._units = {unit.name for unit in row.own_units.all()}
            self.stored[(year, plan.label)] = row
            rows.append(row)
        for plan, row in zip(plans, rows, strict=True):
            parent = self.stored[(year, plan.parent_label)] if plan.parent_label else None
            if row.parent_id != (parent.pk if parent else None):
                row.parent = parent
                row.save(update_fields=["parent"])
                self.note(False, f"raden {plan.label} {year}: varav under {plan.parent_label}")
            if set(plan.unit_names) != row._units:
                row.own_units.set([self.unit_by_name[name] for name in plan.unit_names])
                self.note(False, f"raden {plan.label} {year}: enheter")
        return rows

    def _amounts(self, committee: Committee, plan: RowPlan, row: SummaryRow) -> None:
        if plan.budget is not None:
            self._year_amount(plan, row, Measure.BUDGET, plan.budget, BUDGET)
        if plan.previous_actual is not None:
            previous = self._predecessor(committee, plan, row)
            self._year_amount(plan, previous, Measure.ACTUAL, plan.previous_actual, PREVIOUS_ACTUAL)

    def _predecessor(self, committee: Committee, plan: RowPlan, row: SummaryRow) -> SummaryRow:
        if row.predecessor_id:
            return SummaryRow.objects.get(pk=row.predecessor_id)
        year = row.year - 1
        previous = self.stored.get((year, row.label))
        if previous is None:
            taken = SummaryRow.objects.filter(committee=committee, year=year)
            position = row.position
            if taken.filter(position=position).exists():
                position = (taken.aggregate(last=Max("position"))["last"] or 0) + 1
            previous = SummaryRow.objects.create(
                committee=committee,
                year=year,
                position=position,
                label=row.label,
                kind=row.kind,
                operation=row.operation,
            )
            previous.own_units.set(row.own_units.all())
            self.stored[(year, row.label)] = previous
            self.note(True, f"raden {row.label} {year} (för bokslutet)")
        row.predecessor = previous
        row.save(update_fields=["predecessor"])
        return previous

    def _year_amount(self, plan, row: SummaryRow, measure: str, amount: Decimal, column) -> None:
        stored = YearAmount.objects.filter(row=row, measure=measure).first()
        months = MonthlyAmount.objects.filter(row=row, measure=measure).aggregate(
            total=Sum("amount")
        )["total"]
        # As the driftsammandrag takes it: the months where there are months.
        current = months if months is not None else stored.amount if stored else None
        if current == amount:
            return
        if months is not None:
            self.outcome.problems.append(
                Problem(
                    self.file_name,
                    plan.line.sheet,
                    plan.line.number,
                    column,
                    cell_text(plan.line.cells.get(column)),
                    f"Raden {row.label} {row.year} har redan månadsbelopp som summerar till "
                    f"{months} kr; helårsbeloppet kan inte sättas till något annat.",
                    origin=plan.line.origin,
                )
            )
            return
        what = "budget helår (kr)" if measure == Measure.BUDGET else "bokslut (kr)"
        if stored is None:
            YearAmount.objects.create(row=row, measure=measure, amount=amount)
            self.note(True, f"{what} {row.label} {row.year}")
        else:
            stored.amount = amount
            stored.save(update_fields=["amount"])
            self.note(False, f"{what} {row.label} {row.year}")
        self.edits.append(Edit(f"Driftsammandrag {row.year}: {row.label}", what, current, amount))


def store_plan(plan: SetupPlan, user, *, source: str = ChangeSource.FORM, file_name: str = ""):
    """Store a checked plan in one transaction; a problem found while storing (a figure
    that comes from months) and nothing is stored."""
    with transaction.atomic():
        outcome = _Store(plan, user, source, file_name).run()
        if outcome.problems:
            transaction.set_rollback(True)
    return outcome


# --- The nämnd's data as lines (the template, the page) ------------------------------------


def committee_lines(committee: Committee) -> dict[str, list[list[object]]]:
    """The nämnd's data, one list of cells per line of each sheet, as the template holds
    it: a fixed number of queries however many rows."""
    municipality = committee.municipality
    administrations = list(committee.administrations.order_by("code"))
    operations = list(Operation.objects.filter(municipality=municipality).order_by("code"))
    units = list(OwnUnit.objects.filter(committee=committee).select_related("administration"))
    steps = list(committee.annual_cycle.order_by("month", "kind")) or default_annual_cycle(
        committee
    )
    rows = list(
        SummaryRow.objects.filter(committee=committee)
        .select_related("operation", "parent")
        .prefetch_related("own_units")
        .order_by("year", "position")
    )
    amounts = full_year_amounts(rows)
    return {
        COMMITTEE_SHEET: [
            [municipality.name, municipality.kolada_id, committee.code, committee.name]
        ],
        ADMINISTRATIONS_SHEET: [[a.code, a.name] for a in administrations],
        OPERATIONS_SHEET: [[o.code, o.name] for o in operations],
        UNITS_SHEET: [[u.name, u.administration.code if u.administration else None] for u in units],
        CYCLE_SHEET: [[FOLLOW_UP_NAMES[s.kind], s.month, s.deadline_days] for s in steps],
        ROWS_SHEET: [
            [
                row.year,
                row.position,
                row.label,
                KIND_NAMES[row.kind],
                row.code or None,
                row.parent.label if row.parent_id else None,
                ", ".join(unit.name for unit in row.own_units.all()) or None,
                amounts.get((row.predecessor_id, Measure.ACTUAL)) if row.predecessor_id else None,
                amounts.get((row.pk, Measure.BUDGET)),
            ]
            for row in rows
        ],
    }


def full_year_amounts(rows: Iterable[SummaryRow]) -> dict[tuple[int, str], Decimal]:
    """The full-year figure of each row and measure, as the driftsammandrag takes it: the
    sum of its months where there are months, else its YearAmount. Two queries."""
    ids = set()
    for row in rows:
        ids.add(row.pk)
        if row.predecessor_id:
            ids.add(row.predecessor_id)
    found: dict[tuple[int, str], Decimal] = {}
    for row_id, measure, amount in YearAmount.objects.filter(row__in=ids).values_list(
        "row_id", "measure", "amount"
    ):
        found[(row_id, measure)] = amount
    months = (
        MonthlyAmount.objects.filter(row__in=ids)
        .values("row_id", "measure")
        .annotate(total=Sum("amount"))
    )
    for item in months:
        found[(item["row_id"], item["measure"])] = item["total"]
    return found


def rows_by_year(committee: Committee) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for year in SummaryRow.objects.filter(committee=committee).values_list("year", flat=True):
        counts[year] += 1
    return dict(counts)
