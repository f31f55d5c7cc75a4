"""The indicator side's forms: the grid of a period's values, forecasts and målvärden. They
read and check what was posted; indicators/services/value_entry.py stores it."""

from amn.forms import GridForm, too_long
from amn.lib.text import quoted
from indicators.models import Target
from indicators.services.value_entry import EntryLine, check_value
from indicators.targets import decimals_of, parse_target
from indicators.values import LARGEST, MAX_DECIMALS

VALUE_PARTS = ("v", "n", "f", "t", "tn")


class ValueEntryForm(GridForm):
    """Per series the period's value and its footnote (v, n), the full-year forecast (f)
    and the year's målvärde with its footnote (t, tn). Only volymmått show a forecast."""

    def names(self, line: EntryLine) -> dict[str, str]:
        return {part: line.name(part) for part in VALUE_PARTS if part != "f" or line.takes_forecast}

    def check_line(self, line: EntryLine, posted: dict[str, str]) -> dict[str, str]:
        line.value, line.note, line.forecast = posted["v"], posted["n"], posted.get("f", "")
        line.target, line.target_note = posted["t"], posted["tn"]
        line.target_prefilled = False
        errors: dict[str, str] = {}
        if (line.value, line.note) == line.stored:
            pass  # left as it was: earlier rules may have let it in (I.U. without a reason)
        elif line.value:
            _, _, error = check_value(line.value, line.note)
            if error:
                errors["v"] = error
        elif line.note:
            errors["v"] = "En fotnot hör till ett värde: skriv värdet eller I.U."
        if line.forecast:
            _, missing, error = check_value(line.forecast, "prognos")
            if error or missing:
                errors["f"] = error or "En prognos kan inte vara I.U.: lämna fältet tomt."
        if too_long(Target, "text", line.target):
            errors["t"] = too_long(Target, "text", line.target)
        elif line.target:
            parsed = parse_target(line.target)
            if parsed.value is not None and (
                abs(parsed.value) > LARGEST or decimals_of(parsed.value) > MAX_DECIMALS
            ):
                errors["t"] = (
                    f"Målvärdet {quoted(line.target)} är för stort eller har för många decimaler."
                )
        return errors
