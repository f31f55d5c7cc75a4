"""The periodised budget: a row's full-year budget spread over the months by a key.

A key is twelve month weights. Even twelfths weigh every month alike; the previous year's
profile weighs each month by the same row's actual that month the year before; an uploaded
key gives the weights in a workbook; the ledger key takes the months of the budget column
the ledger's import brought. Whatever the key, the months are whole öre and add up to the
full-year budget exactly: each month is the rounded cumulative share minus the rounded
cumulative share before it, so no rounding is ever lost or counted twice.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Sum

from amn.models import MONTH_NAMES, months_span
from budget.models import Measure, MonthlyAmount, PeriodisationKey, SummaryRow
from budget.services.ledger_lines import current_lines

CENT = Decimal("0.01")
EVEN = [Decimal(1)] * 12


class KeyRefused(Exception):
    """The key cannot spread this row's budget; the message says why, in Swedish."""


def spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` over as many months as there are weights, in proportion to them, each month
    in whole öre, adding up to `total` exactly. Weights may be negative (a month of
    refunds); they may not add up to zero."""
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise KeyRefused("nyckelns vikter summerar till 0.")
    shares = []
    running = Decimal(0)
    before = Decimal(0)
    for weight in weights:
        running += weight
        upto = (total * running / weight_sum).quantize(CENT, rounding=ROUND_HALF_EVEN)
        shares.append(upto - before)
        before = upto
    # The last cumulative share is total * 1, exact whenever total is whole öre; a total
    # with finer decimals keeps its remainder in the last month rather than lose it.
    shares[-1] += total - before
    return shares


@dataclass(frozen=True)
class Key:
    name: str  # a PeriodisationKey value
    weights: tuple[Decimal, ...]  # twelve

    @property
    def label(self) -> str:
        return PeriodisationKey(self.name).label


def even_key() -> Key:
    return Key(PeriodisationKey.EVEN, tuple(EVEN))


def previous_year_keys(rows: Sequence[SummaryRow]) -> dict[int, Key | str]:
    """Per row: the key of its predecessor's actual month by month, or why there is none.
    One query for all rows."""
    predecessor_ids = [row.predecessor_id for row in rows if row.predecessor_id]
    months: dict[int, dict[int, Decimal]] = {}
    for row_id, month, amount in MonthlyAmount.objects.filter(
        row_id__in=predecessor_ids, measure=Measure.ACTUAL
    ).values_list("row_id", "month", "amount"):
        months.setdefault(row_id, {})[month] = amount
    keys: dict[int, Key | str] = {}
    for row in rows:
        if not row.predecessor_id:
            keys[row.pk] = "raden har ingen motsvarande rad föregående år"
            continue
        recorded = months.get(row.predecessor_id, {})
        year = row.year - 1
        if len(recorded) < 12:
            keys[row.pk] = (
                f"utfall {year} finns bara för {_months_text(recorded, year)}"
                if recorded
                else f"raden har inget utfall månad för månad {year}"
            )
            continue
        weights = tuple(recorded[month] for month in range(1, 13))
        if sum(weights) == 0:
            keys[row.pk] = f"utfallet {year} summerar till 0"
            continue
        keys[row.pk] = Key(PeriodisationKey.PREVIOUS_YEAR, weights)
    return keys


def ledger_keys(rows: Sequence[SummaryRow]) -> dict[int, Key | str]:
    """Per row: the key of the budget column of the ledger imports that count for its year,
    month by month, or why there is none. One query for all rows."""
    if not rows:
        return {}
    year = rows[0].year
    months: dict[int, dict[int, Decimal]] = {}
    for item in (
        current_lines(rows[0].committee_id)
        .filter(row__in=rows, year=year, measure=Measure.BUDGET)
        .values("row_id", "month")
        .annotate(amount=Sum("amount"))
    ):
        months.setdefault(item["row_id"], {})[item["month"]] = item["amount"]
    keys: dict[int, Key | str] = {}
    for row in rows:
        recorded = months.get(row.pk, {})
        if not recorded:
            keys[row.pk] = f"ingen huvudboksimport har budget för raden {year}"
            continue
        weights = tuple(recorded.get(month, Decimal(0)) for month in range(1, 13))
        if sum(weights) == 0:
            keys[row.pk] = f"huvudbokens budget för raden summerar till 0 {year}"
            continue
        keys[row.pk] = Key(PeriodisationKey.LEDGER, weights)
    return keys


def uploaded_keys(rows: Sequence[SummaryRow], uploaded: Mapping[str, Key]) -> dict[int, Key | str]:
    """Per row: its line of an uploaded key (by verksamhetskod, then the row's words, then
    "Alla rader"), or why there is none."""
    return {
        row.pk: uploaded.get(row.code)
        or uploaded.get(row.label)
        or uploaded.get("")
        or "den uppladdade nyckeln har ingen rad för den"
        for row in rows
    }


def keys_by_row(
    rows: Sequence[SummaryRow], name: str, uploaded: Mapping[str, Key] | None = None
) -> dict[int, Key | str]:
    """Per row: the key called `name`, or why the row cannot take it."""
    if name == PeriodisationKey.EVEN:
        return dict.fromkeys((row.pk for row in rows), even_key())
    if name == PeriodisationKey.PREVIOUS_YEAR:
        return previous_year_keys(rows)
    if name == PeriodisationKey.LEDGER:
        return ledger_keys(rows)
    if name == PeriodisationKey.UPLOADED:
        return uploaded_keys(rows, uploaded or {})
    raise ValueError(f"Okänd nyckel {name!r}.")


def _months_text(recorded: dict[int, Decimal], year: int) -> str:
    present = sorted(recorded)
    if present == list(range(1, present[-1] + 1)):
        return months_span(year, present[-1])
    return ", ".join(MONTH_NAMES[m - 1] for m in present) + f" {year}"


def spread_from(total: Decimal, key: Key, from_month: int = 1) -> list[Decimal]:
    """`total` over `from_month`..December by the key's weights of those months."""
    return spread(total, key.weights[from_month - 1 :])
