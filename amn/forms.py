"""What the apps' entry forms share: a grid of inputs, one row of fields per line of an
entry page, named as the page names them ("level-12", "s-u3", "amount-7"), and the
manifest that tells a whole post from a partial one."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model
from django.utils.html import format_html

MANIFEST = "manifest"
NOTHING_SAVED = "Inget sparades. Rätta fälten som är markerade nedan."
INCOMPLETE = "Formuläret kom inte fram helt – inget har sparats. Ladda om sidan och försök igen."


def too_long(model: type[Model], field: str, text: str) -> str:
    """Why `text` does not fit the model's field ("Högst 300 tecken (du skrev 412)."), or
    "": the limit is the field's own max_length, so the check and the column agree."""
    limit = model._meta.get_field(field).max_length
    if limit is None or len(text) <= limit:
        return ""
    return f"Högst {limit} tecken (du skrev {len(text)})."


def too_large(model: type[Model], field: str, number: Decimal) -> str:
    """Why `number` does not fit the model's decimal field, or ""."""
    model_field = model._meta.get_field(field)
    digits = model_field.max_digits - model_field.decimal_places
    if abs(number) < Decimal(10) ** digits:
        return ""
    return f"Talet är för stort: högst {digits} siffror före decimalkommat."


def too_big(upload) -> str:
    """Why an uploaded table file (a workbook or CSV) is refused before anything reads it,
    or "": the limit is INDICATOR_IMPORT_MAX_BYTES, which every table upload shares."""
    limit = settings.INDICATOR_IMPORT_MAX_BYTES
    if upload is None or upload.size <= limit:
        return ""
    return f"Filen är {upload.size / 1_000_000:.1f} MB; gränsen är {limit / 1_000_000:.0f} MB."


class TableUploadForm(forms.Form):
    """One uploaded table file; a subclass names the field as its page asks for it."""

    # An empty file is refused by the reader like any other bad file, with its name.
    file = forms.FileField(label="Fil", allow_empty_file=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if too_big(upload):
            raise forms.ValidationError(too_big(upload))
        return upload


class TypedField(forms.CharField):
    """Text as typed into one input, stripped. The form checks it and words its own
    message, so "12\\x00" is refused as not a number rather than with Django's generic
    message about null characters. The manifest makes sure it was posted at all."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.validators = []


class CompanionCheckbox(forms.CheckboxInput):
    """A checkbox with a hidden input of the same name before it, so the post carries the
    name whether the box is ticked or not: unticked is an explicit "no", not a lost field."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html(
            '<input type="hidden" name="{}" value="">{}',
            name,
            super().render(name, value, attrs, renderer),
        )

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return "ja" if any(v not in (None, "") for v in values) else ""


class CheckField(TypedField):
    """A ticked box ("ja") or not (""), posted through a `CompanionCheckbox`."""

    widget = CompanionCheckbox


class ManifestMixin:
    """A form whose page carries a manifest (`manifest_input`): the name of every input it
    showed. A post without it, or without any input it names, or without one of the
    `required_names`, is refused whole (`incomplete`), so a lost or cut-off post never
    reads as emptied fields; an input posted empty is an explicit empty value. The form's
    `clean` calls `check_manifest` first."""

    def shown_names(self) -> list[str]:
        """Every input the page shows."""
        return list(self.fields)

    def required_names(self) -> set[str]:
        """The inputs a post must list in its manifest."""
        return set(self.fields)

    @property
    def manifest_input(self) -> str:
        return format_html(
            '<input type="hidden" name="{}" value="{}">', MANIFEST, " ".join(self.shown_names())
        )

    @property
    def incomplete(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, code="incomplete")

    def refusal(self, otherwise: str) -> str:
        """The message for a refused post: the incomplete post's, or `otherwise`."""
        return INCOMPLETE if self.incomplete else otherwise

    def _listed(self) -> set[str] | None:
        if not self.is_bound or MANIFEST not in self.data:
            return None
        return set(self.data[MANIFEST].split())

    def check_manifest(self) -> None:
        listed = self._listed()
        if (
            listed is None
            or not self.required_names() <= listed
            or any(name not in self.data for name in listed)
        ):
            raise ValidationError(INCOMPLETE, code="incomplete")


class GridForm(ManifestMixin, forms.Form):
    """One row of optional text fields per line. `check_line` puts what was posted on the
    line and returns its errors per part; they are added to the form at their inputs and
    handed to `show_errors`, which by default keeps them in `line.errors`, where the page
    shows them beside the inputs.

    The page carries a manifest (`ManifestMixin`) naming the form's own fields and every
    line's inputs. Lines whose inputs the manifest does not name (added since the page was
    loaded) are left out of `lines` and stay as they are.
    """

    def __init__(self, lines: Iterable[Any], data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.all_lines = list(lines)
        listed = self._listed() or set()
        self.lines = [
            line
            for line in self.all_lines
            if not self.is_bound or set(self.names(line).values()) <= listed
        ]
        for line in self.lines:
            for part, name in self.names(line).items():
                self.fields[name] = CheckField() if part in self.checkboxes(line) else TypedField()

    def names(self, line) -> dict[str, str]:
        """The input name of each part of the line's row, as the page shows them."""
        raise NotImplementedError

    def checkboxes(self, line) -> set[str]:
        """The parts of the line shown as checkboxes (a `CompanionCheckbox` each)."""
        return set()

    def check_line(self, line, posted: dict[str, str]) -> dict[str, str]:
        """Put `posted` (per part) on the line; returns the error messages per part."""
        raise NotImplementedError

    def show_errors(self, line, errors: dict[str, str]) -> None:
        line.errors = errors

    def shown_names(self) -> list[str]:
        """Every input the page shows: the form's own fields and every line's."""
        names = list(self.base_fields)
        for line in self.all_lines:
            names += self.names(line).values()
        return names

    def required_names(self) -> set[str]:
        return set(self.base_fields)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.check_manifest()
        for line in self.lines:
            names = self.names(line)
            posted = {part: cleaned.get(name, "") for part, name in names.items()}
            errors = self.check_line(line, posted)
            for part, message in errors.items():
                self.add_error(names[part], message)
            self.show_errors(line, errors)
        return cleaned
