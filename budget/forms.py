"""The money side's forms: the forecast grid of a period (budget/services/forecasts.py
stores it), the ledger upload, the import profiles, and the internbudget work pages."""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms

from amn.forms import CheckField, GridForm, ManifestMixin, TypedField, too_big, too_large, too_long
from amn.lib.money import Unit, parse_swedish_number
from amn.lib.periods import is_valid_year
from amn.lib.text import quoted
from amn.models import MONTH_NAMES, Committee
from budget.models import (
    Forecast,
    FrameAdjustment,
    ImportProfile,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetColumn,
    InternalBudgetRow,
    Operation,
    PeriodisationKey,
    SummaryRow,
)
from budget.services.forecasts import ForecastLine, comment_rule_message
from budget.services.internal_budget_work import (
    MAX_PLAN_YEARS,
    WORK_UNIT,
    AdjustmentEdit,
    BudgetEdit,
    ChangeLineEdit,
    ColumnEdit,
    PostEdit,
)
from budget.services.ledger_tabular import FIELD_HEADERS, FIELD_NAMES


class ForecastForm(GridForm):
    """Per row the full-year forecast, typed in `unit`, and its comment; and the analysis
    text of the Ekonomi section. A row left empty has no forecast. The unit the amounts
    were typed in (`enhet`) must come with them."""

    analysis = TypedField()
    enhet = TypedField()

    def __init__(self, lines, committee: Committee, unit: Unit, data=None) -> None:
        self.committee, self.unit = committee, unit
        super().__init__(lines, data)

    def names(self, line: ForecastLine) -> dict[str, str]:
        return {"amount": f"amount-{line.row.pk}", "comment": f"comment-{line.row.pk}"}

    def check_line(self, line: ForecastLine, posted: dict[str, str]) -> dict[str, str]:
        line.text, line.comment = posted["amount"], posted["comment"]
        line.prefilled = False
        line.amount = None
        if line.text:
            try:
                amount = parse_swedish_number(line.text) * self.unit.divisor
            except ValueError:
                return {"amount": f"{quoted(line.text)} är inte ett belopp i {self.unit.code}."}
            if too_large(Forecast, "amount", amount):
                return {"amount": too_large(Forecast, "amount", amount)}
            line.amount = amount.quantize(Unit.KR.divisor / 100)
        rule = comment_rule_message(self.committee, line, self.unit)
        return {"comment": rule} if rule else {}

    def show_errors(self, line: ForecastLine, errors: dict[str, str]) -> None:
        line.amount_error = errors.get("amount", "")
        line.comment_error = errors.get("comment", "")


class UploadForm(forms.Form):
    """A ledger file and, if the ledger system needs one, one of the nämnd's import
    profiles. (budget.services.ledger_import.import_upload refuses it while the nämnd or
    the user has as many files being read as LEDGER_READS_IN_PROGRESS allows.)"""

    file = forms.FileField(
        label="Fil från ekonomisystemet",
        help_text="Excel (.xlsx), CSV (semikolon eller komma) eller SIE (typ 2, 3 och 4).",
        # An empty file is refused by the import like any other bad file, with its name.
        allow_empty_file=True,
    )
    profile = forms.ModelChoiceField(
        ImportProfile.objects.none(),
        required=False,
        label="Importprofil",
        empty_label="Standard (svenska kolumnrubriker)",
    )

    def __init__(self, committee: Committee, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.committee = committee
        profile = self.fields["profile"]
        profile.queryset = ImportProfile.objects.for_committee(committee)
        profile.error_messages["invalid_choice"] = (
            f"Importprofilen %(value)s finns inte bland profilerna för {committee.name}."
        )


class ProfileForm(ManifestMixin, forms.ModelForm):
    """An import profile of the nämnd's kommun (or of the nämnd alone), with one text field
    per column the ledger system names its own way. The page carries a manifest: a post
    missing any field is refused whole, and the box unticked is an explicit "shared by the
    kommun". Only a new profile or the nämnd's own may be moved between shared and own: a
    shared profile cannot be taken by one nämnd."""

    only_this_committee = CheckField(label="Bara för den här nämnden")

    class Meta:
        model = ImportProfile
        fields = ["name", "description", "sie_operation_dimension", "sie_responsibility_dimension"]

    def __init__(self, committee: Committee, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.committee = committee
        self.fields["only_this_committee"].initial = "ja" if self.instance.committee_id else ""
        for name, label in FIELD_NAMES.items():
            self.fields[f"column_{name}"] = forms.CharField(
                label=f"Rubrik för {label}",
                required=False,
                max_length=100,
                initial=(self.instance.columns or {}).get(name, ""),
                help_text=f"Standard: {', '.join(FIELD_HEADERS[name][:3])} …",
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        municipality = self.committee.municipality
        taken = ImportProfile.objects.filter(municipality=municipality, name=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"{municipality} har redan en importprofil som heter {quoted(name)}."
            )
        return name

    def clean_only_this_committee(self) -> bool:
        own = bool(self.cleaned_data["only_this_committee"])
        shared = self.instance.pk is not None and self.instance.committee_id is None
        if own and shared:
            raise forms.ValidationError(
                f"{self.instance.name} delas av alla nämnder i {self.committee.municipality} "
                f"och kan inte göras till en profil bara för {self.committee.name}. Skapa en ny "
                "profil för nämnden i stället."
            )
        return own

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_manifest()
        named = {name for name in FIELD_NAMES if (cleaned.get(f"column_{name}") or "").strip()}
        if len(named & {"debit", "credit"}) == 1:
            missing = "credit" if "debit" in named else "debit"
            self.add_error(
                f"column_{missing}",
                "Ange både Debet och Kredit: beloppet är debet minus kredit.",
            )
        return cleaned

    def save(self, commit: bool = False) -> ImportProfile:
        """The profile, not stored: budget.services.import_profiles.save_profile stores it
        and records the change."""
        profile = super().save(commit=False)
        profile.municipality = self.committee.municipality
        profile.committee = self.committee if self.cleaned_data["only_this_committee"] else None
        profile.columns = {
            name: self.cleaned_data[f"column_{name}"].strip()
            for name in FIELD_NAMES
            if self.cleaned_data[f"column_{name}"].strip()
        }
        return profile


KEY_CHOICES = [
    (PeriodisationKey.EVEN, PeriodisationKey.EVEN.label),
    (PeriodisationKey.PREVIOUS_YEAR, PeriodisationKey.PREVIOUS_YEAR.label),
    (PeriodisationKey.UPLOADED, "Nyckel ur Excel-fil (laddas upp nedan)"),
]


class StartYearForm(ManifestMixin, forms.Form):
    """Start the year: the key for every row, and the file when the key is uploaded."""

    key = forms.ChoiceField(label="Periodiseringsnyckel för alla rader", choices=KEY_CHOICES)
    key_file = forms.FileField(
        label="Nyckel ur Excel-fil",
        required=False,
        allow_empty_file=True,
        help_text="Första kolumnen Rad (verksamhetskod, radens namn eller Alla rader), sedan "
        "januari–december. Bara proportionerna räknas.",
    )

    def shown_names(self) -> list[str]:
        return ["key"]

    def required_names(self) -> set[str]:
        return {"key"}

    def clean(self):
        self.check_manifest()
        data = super().clean()
        if data.get("key") == PeriodisationKey.UPLOADED and not data.get("key_file"):
            self.add_error("key_file", "Välj filen med nyckeln.")
        if too_big(data.get("key_file")):
            self.add_error("key_file", too_big(data.get("key_file")))
        return data


class KeysForm(ManifestMixin, forms.Form):
    """A new key per row ("" leaves the row as it is), or one for all rows."""

    def __init__(self, rows, data=None, files=None) -> None:
        super().__init__(data, files)
        self.rows = rows
        choices = [("", "Oförändrad"), *[(k.value, k.label) for k in PeriodisationKey]]
        self.fields["all"] = forms.ChoiceField(label="Alla rader", choices=choices, required=False)
        for row in rows:
            self.fields[f"key-{row.pk}"] = forms.ChoiceField(
                label=f"Nyckel för {row.label}", choices=choices, required=False
            )
        self.fields["key_file"] = forms.FileField(
            label="Nyckel ur Excel-fil", required=False, allow_empty_file=True
        )

    def shown_names(self) -> list[str]:
        return [name for name in self.fields if name != "key_file"]

    def required_names(self) -> set[str]:
        return set(self.shown_names())

    def clean(self):
        self.check_manifest()
        data = super().clean()
        chosen = self.chosen()
        if not chosen:
            raise forms.ValidationError("Välj en nyckel för minst en rad eller för alla rader.")
        if PeriodisationKey.UPLOADED in chosen.values() and not data.get("key_file"):
            self.add_error("key_file", "Välj filen med nyckeln.")
        if too_big(data.get("key_file")):
            self.add_error("key_file", too_big(data.get("key_file")))
        return data

    def chosen(self) -> dict[int, str]:
        data = self.cleaned_data
        every = data.get("all") or ""
        chosen = {}
        for row in self.rows:
            key = data.get(f"key-{row.pk}") or every
            if key:
                chosen[row.pk] = key
        return chosen

    def row_fields(self):
        return [(row, self[f"key-{row.pk}"]) for row in self.rows]


# Internbudget work (budget/services/internal_budget_work.py stores what these forms post) -


class CompanionSelectMultiple(forms.SelectMultiple):
    """A multiple select posted after a hidden input of the same name, so the post carries
    the name even with nothing selected: none selected is an explicit "none", not a lost
    field. The value is the selected values joined by spaces."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return " ".join(str(v) for v in values if v not in (None, ""))


class ChoicesField(TypedField):
    widget = CompanionSelectMultiple


@dataclass
class WorkLine:
    """One line of the version page's grid: a post, a change line, a column's frame and
    split, a frame change, or the empty line that adds one of them. `texts` holds what the
    page shows in each input and, after a post, what was posted."""

    key: str
    kind: str  # post, change, new-post, new-change, column, adjustment, new-adjustment
    texts: dict[str, str]
    row: InternalBudgetRow | None = None
    column: InternalBudgetColumn | None = None
    adjustment: FrameAdjustment | None = None
    predecessors: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    hints: list = field(default_factory=list)
    label: str = ""  # how the page names the line in messages and labels
    columns: list = field(default_factory=list)  # the version's columns, for amount cells

    def name(self, part: str) -> str:
        return f"{part}-{self.key}"

    @property
    def chosen(self) -> set[int]:
        """The rows of the year before selected for the post, as shown or posted."""
        return {int(text) for text in self.texts.get("pred", "").split() if text.isdigit()}

    @property
    def cells(self) -> list[dict]:
        """Each amount input of the line: its column, name, text and error."""
        return [
            {
                "column": column,
                "name": self.name(f"a{column.pk}"),
                "text": self.texts.get(f"a{column.pk}", ""),
                "error": self.errors.get(f"a{column.pk}", ""),
                "hint": next((h for h in self.hints if h.year == column.year), None),
            }
            for column in self.columns
        ]


AMOUNT_KINDS = {"post", "change", "new-post", "new-change"}
POST_KINDS = {"post", "new-post"}
COLUMN_PARTS = ("frame", "revenues", "costs")


class InternalBudgetForm(GridForm):
    """The draft version page: every post (label, verksamhetskod, the rows of the year
    before it continues, an amount per column, delete), every change line (label, amounts,
    delete), a new post and a new change line, the KF frame and split per column, the frame
    changes, and the frame decision text. Amounts are typed in tkr and stored as exact
    kronor; a post lacking any input the page showed is refused whole."""

    frame_decision = TypedField()

    def __init__(
        self,
        lines,
        columns: list[InternalBudgetColumn],
        operations: dict[str, Operation],
        rows_before: dict[int, SummaryRow],
        posts: dict[int, InternalBudgetRow],
        data=None,
    ) -> None:
        self.columns, self.operations = columns, operations
        self.rows_before, self.posts = rows_before, posts
        self.unit = WORK_UNIT
        super().__init__(lines, data)
        for line in self.lines:
            if line.kind in POST_KINDS:
                self.fields[line.name("pred")] = ChoicesField()

    def names(self, line: WorkLine) -> dict[str, str]:
        parts: list[str] = []
        if line.kind in AMOUNT_KINDS:
            parts.append("label")
            parts += [f"a{column.pk}" for column in self.columns]
        if line.kind in POST_KINDS:
            parts += ["op", "pred"]
        if line.kind == "new-change":
            parts.append("parent")
        if line.kind in ("post", "change", "adjustment"):
            parts.append("del")
        if line.kind == "column":
            parts += [p for p in COLUMN_PARTS if p != "frame" or line.column.kind != "outcome"]
        if line.kind in ("adjustment", "new-adjustment"):
            parts += ["group", "label", "amount"]
        return {part: line.name(part) for part in parts}

    def checkboxes(self, line: WorkLine) -> set[str]:
        return {"del"}

    def amount(self, text: str, errors: dict, part: str, model=InternalBudgetAmount):
        if not text:
            return None
        try:
            value = parse_swedish_number(text) * self.unit.divisor
        except ValueError:
            errors[part] = f"{quoted(text)} är inte ett belopp i {self.unit.code}."
            return None
        value = value.quantize(Decimal("0.01"))
        if too_large(model, "amount", value):
            errors[part] = too_large(model, "amount", value)
            return None
        return value

    def check_line(self, line: WorkLine, posted: dict[str, str]) -> dict[str, str]:
        line.texts.update(posted)
        errors: dict[str, str] = {}
        line.values = {}
        line.delete = posted.get("del") == "ja"
        if line.delete:
            return errors
        if line.kind == "column":
            for part in COLUMN_PARTS:
                if part in posted:
                    line.values[part] = self.amount(posted[part], errors, part)
            return errors
        if line.kind in ("adjustment", "new-adjustment"):
            group, label = posted["group"], posted["label"]
            amount = self.amount(posted["amount"], errors, "amount", FrameAdjustment)
            if line.kind == "new-adjustment" and not (group or label or posted["amount"]):
                line.delete = True  # nothing typed on the empty line
                return errors
            for part, text in (("group", group), ("label", label)):
                if not text:
                    errors[part] = "Fyll i."
                elif too_long(FrameAdjustment, part, text):
                    errors[part] = too_long(FrameAdjustment, part, text)
            if amount is None and "amount" not in errors:
                errors["amount"] = "Ange beloppet."
            line.values = {"group": group, "label": label, "amount": amount}
            return errors
        amounts = {
            column.pk: self.amount(posted[f"a{column.pk}"], errors, f"a{column.pk}")
            for column in self.columns
        }
        typed = any(text for part, text in posted.items() if part != "pred" and part != "parent")
        if line.kind.startswith("new-") and not typed:
            line.delete = True  # the empty line left empty adds nothing
            return errors
        label = posted["label"]
        if not label:
            errors["label"] = "Ange en benämning."
        elif too_long(InternalBudgetRow, "label", label):
            errors["label"] = too_long(InternalBudgetRow, "label", label)
        line.values = {"label": label, "amounts": amounts}
        if line.kind in POST_KINDS:
            code = posted["op"]
            if code and code not in self.operations:
                errors["op"] = f"Verksamhetskoden {quoted(code)} finns inte i kommunen."
            chosen = []
            for text in posted["pred"].split():
                if not text.isdigit() or int(text) not in self.rows_before:
                    errors["pred"] = "Välj bland raderna i föregående års driftsammandrag."
                    break
                chosen.append(int(text))
            line.values.update(operation_code=code, predecessors=chosen)
        if line.kind == "new-change":
            parent = posted["parent"]
            if not parent.isdigit() or int(parent) not in self.posts:
                errors["parent"] = "Välj vilken budgetpost förändringen förklarar."
            else:
                line.values["parent"] = self.posts[int(parent)]
        return errors

    def show_errors(self, line: WorkLine, errors: dict[str, str]) -> None:
        line.errors = errors

    def budget_edit(self) -> BudgetEdit:
        edit = BudgetEdit(frame_decision=self.cleaned_data["frame_decision"])
        for line in self.lines:
            values = getattr(line, "values", {})
            if line.kind in POST_KINDS:
                if line.delete and line.kind == "new-post":
                    continue
                edit.posts.append(
                    PostEdit(
                        line.row,
                        values.get("label", ""),
                        values.get("operation_code", ""),
                        values.get("predecessors", []),
                        values.get("amounts", {}),
                        delete=line.delete,
                    )
                )
            elif line.kind in ("change", "new-change"):
                if line.delete and line.kind == "new-change":
                    continue
                edit.changes.append(
                    ChangeLineEdit(
                        line.row,
                        values.get("parent"),
                        values.get("label", ""),
                        values.get("amounts", {}),
                        delete=line.delete,
                    )
                )
            elif line.kind == "column":
                edit.columns.append(ColumnEdit(line.column, values))
            elif line.kind in ("adjustment", "new-adjustment"):
                if line.delete and line.kind == "new-adjustment":
                    continue
                edit.adjustments.append(
                    AdjustmentEdit(
                        line.adjustment,
                        values.get("group", ""),
                        values.get("label", ""),
                        values.get("amount"),
                        delete=line.delete,
                    )
                )
        return edit

    def clean_frame_decision(self) -> str:
        text = self.cleaned_data["frame_decision"]
        message = too_long(InternalBudget, "frame_decision", text)
        if message:
            raise forms.ValidationError(message)
        return text


class StartInternalBudgetForm(forms.Form):
    year = forms.IntegerField(label="Budgetår")
    plan_years = forms.IntegerField(label="Antal planår", min_value=0, max_value=MAX_PLAN_YEARS)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not is_valid_year(year):
            raise forms.ValidationError(f"{year} är inte ett budgetår som kan användas.")
        return year


class AdoptForm(forms.Form):
    decision = forms.CharField(label="Beslut", help_text="T.ex. AN 2019-03-20 § 23.")
    decision_date = forms.DateField(
        label="Beslutsdatum",
        required=False,
        help_text="ÅÅÅÅ-MM-DD. Tomt: datumet i beslutet.",
    )
    frame_difference_note = forms.CharField(
        label="Förklaring till avvikelse mot ramen",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Krävs bara om summan inte är lika med ramen.",
    )
    from_month = forms.TypedChoiceField(
        label="Gäller i uppföljningen från månad",
        coerce=int,
        choices=[(m, f"{m} – {name}") for m, name in enumerate(MONTH_NAMES, start=1)],
        required=False,
    )

    def clean_decision(self) -> str:
        decision = self.cleaned_data["decision"].strip()
        if too_long(InternalBudget, "decision", decision):
            raise forms.ValidationError(too_long(InternalBudget, "decision", decision))
        return decision

    def __init__(self, budget: InternalBudget, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if budget.revises_id:
            self.fields["from_month"].required = True
        else:
            del self.fields["from_month"]
