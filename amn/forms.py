"""What the apps' entry forms share: a grid of inputs, one row of fields per line of an
entry page, named as the page names them ("level-12", "s-u3", "amount-7")."""

from collections.abc import Iterable
from typing import Any

from django import forms


class TypedField(forms.CharField):
    """Text as typed into one input, stripped; empty when the input was left out of the
    post. The form checks it and words its own message, so "12\\x00" is refused as not a
    number rather than with Django's generic message about null characters."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.validators = []


class GridForm(forms.Form):
    """One row of optional text fields per line. `check_line` puts what was posted on the
    line and returns its errors per part; they are added to the form at their inputs and
    handed to `show_errors`, which by default keeps them in `line.errors`, where the page
    shows them beside the inputs.

    A row whose inputs are missing from the post reads as empty, as the pages always
    have: there is no management form to tell a partial post from a cleared row.
    """

    def __init__(self, lines: Iterable[Any], data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            for name in self.names(line).values():
                self.fields[name] = TypedField()

    def names(self, line) -> dict[str, str]:
        """The input name of each part of the line's row."""
        raise NotImplementedError

    def check_line(self, line, posted: dict[str, str]) -> dict[str, str]:
        """Put `posted` (per part) on the line; returns the error messages per part."""
        raise NotImplementedError

    def show_errors(self, line, errors: dict[str, str]) -> None:
        line.errors = errors

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for line in self.lines:
            names = self.names(line)
            posted = {part: cleaned.get(name, "") for part, name in names.items()}
            errors = self.check_line(line, posted)
            for part, message in errors.items():
                self.add_error(names[part], message)
            self.show_errors(line, errors)
        return cleaned
