"""The money side's forms: the forecast grid of a period. It reads and checks what was
posted; budget/services/forecasts.py stores it."""

from amn.forms import GridForm, TypedField, too_large
from amn.lib.money import Unit, parse_swedish_number
from amn.lib.text import quoted
from amn.models import Committee
from budget.models import Forecast
from budget.services.forecasts import ForecastLine, comment_rule_message


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
