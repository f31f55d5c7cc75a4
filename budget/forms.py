"""The money side's forms: the forecast grid of a period (budget/services/forecasts.py
stores it), the ledger upload and the import profiles."""

from django import forms

from amn.forms import CheckField, GridForm, ManifestMixin, TypedField, too_large
from amn.lib.money import Unit, parse_swedish_number
from amn.lib.text import quoted
from amn.models import Committee
from budget.models import Forecast, ImportProfile, PeriodisationKey
from budget.services.forecasts import ForecastLine, comment_rule_message
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
