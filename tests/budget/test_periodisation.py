"""Each periodisation key spreads a full-year budget over the months in whole öre, and the
months add up to the full-year budget exactly, whatever the rounding."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.models import Measure
from budget.services.periodisation import (
    KeyRefused,
    even_key,
    ledger_keys,
    previous_year_keys,
    spread,
    spread_from,
)
from tests.budget.year_factories import monthly, new_committee, summary_row

CENT = Decimal("0.01")
amounts = st.decimals(
    min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=2
).filter(lambda d: d.is_finite())
weights = st.lists(
    st.integers(min_value=-5_000_000, max_value=50_000_000), min_size=12, max_size=12
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(total=amounts)
def test_even_twelfths_add_up_to_the_full_year_to_the_ore(total):
    months = spread_from(total, even_key())
    assert len(months) == 12
    assert sum(months) == total
    assert all(month == month.quantize(CENT) for month in months)
    assert max(months) - min(months) <= CENT


@settings(max_examples=300, deadline=None, derandomize=True)
@given(total=amounts, profile=weights.filter(lambda w: sum(w) != 0))
def test_any_profile_adds_up_to_the_full_year_to_the_ore(total, profile):
    months = spread(total, [Decimal(w) for w in profile])
    assert sum(months) == total
    assert all(month == month.quantize(CENT) for month in months)
    exact = [total * w / sum(profile) for w in profile]
    # Each month is within one öre per month of its exact share (cumulative rounding).
    assert all(abs(m - e) <= 2 * CENT for m, e in zip(months, exact, strict=True))


def test_a_hundred_kronor_over_twelve_months():
    assert spread_from(Decimal("100"), even_key()) == [
        Decimal(x) for x in ("8.33", "8.34", "8.33") * 4
    ]


def test_from_a_month_on_only_the_remaining_months_are_spread():
    months = spread_from(Decimal("900.00"), even_key(), from_month=4)
    assert months == [Decimal(100)] * 9


def test_a_profile_that_adds_up_to_zero_is_refused():
    with pytest.raises(KeyRefused, match="summerar till 0"):
        spread(Decimal(100), [Decimal(1), Decimal(-1)] + [Decimal(0)] * 10)


def test_the_previous_year_key_is_last_years_actual_month_by_month(db):
    committee = new_committee()
    last_year = summary_row(committee, 2023, 1, "100")
    this_year = summary_row(committee, 2024, 1, "100", predecessor=last_year)
    monthly(last_year, Measure.ACTUAL, [10, 10, 10, 10, 10, 10, 0, 10, 10, 10, 10, 20])
    key = previous_year_keys([this_year])[this_year.pk]
    months = spread_from(Decimal("1200000.00"), key)
    assert months[6] == 0
    assert months[11] == 2 * months[0]
    assert sum(months) == Decimal("1200000.00")


def test_the_previous_year_key_needs_all_twelve_months(db):
    committee = new_committee()
    last_year = summary_row(committee, 2023, 1, "100")
    this_year = summary_row(committee, 2024, 1, "100", predecessor=last_year)
    new_row = summary_row(committee, 2024, 2, "200")
    monthly(last_year, Measure.ACTUAL, [10] * 8)
    keys = previous_year_keys([this_year, new_row])
    assert keys[this_year.pk] == "utfall 2023 finns bara för januari–augusti 2023"
    assert keys[new_row.pk] == "raden har ingen motsvarande rad föregående år"


def test_the_ledger_key_needs_a_ledger_budget(db):
    committee = new_committee()
    row = summary_row(committee, 2024, 1, "100")
    assert ledger_keys([row])[row.pk] == "ingen huvudboksimport har budget för raden 2024"
