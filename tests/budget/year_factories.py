"""Nämnder, rows and internbudgetar for the year-cycle tests, built as the pages build them."""

from decimal import Decimal

from amn.models import Committee, Municipality
from budget.models import (
    BudgetStatus,
    ColumnKind,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetColumn,
    InternalBudgetRow,
    MonthlyAmount,
    Operation,
    SummaryRow,
)


def new_committee(code: str = "KFN", kolada_id: str = "0999") -> Committee:
    municipality = Municipality.objects.create(name=f"Kommun {kolada_id}", kolada_id=kolada_id)
    return Committee.objects.create(municipality=municipality, code=code, name=f"Nämnd {code}")


def operation(committee: Committee, code: str) -> Operation:
    return Operation.objects.get_or_create(
        municipality=committee.municipality, code=code, defaults={"name": f"Verksamhet {code}"}
    )[0]


def summary_row(committee: Committee, year: int, position: int, code: str, **extra) -> SummaryRow:
    return SummaryRow.objects.create(
        committee=committee,
        year=year,
        position=position,
        label=f"{code} - Verksamhet {code}",
        operation=operation(committee, code),
        **extra,
    )


def monthly(row: SummaryRow, measure: str, amounts: list) -> None:
    MonthlyAmount.objects.bulk_create(
        MonthlyAmount(row=row, measure=measure, month=month, amount=Decimal(amount))
        for month, amount in enumerate(amounts, start=1)
    )


def internal_budget(
    committee: Committee,
    year: int,
    posts: list[tuple[str, str | None, str | None, list[SummaryRow]]],
    *,
    frame: str | None = None,
    status: str = BudgetStatus.ADOPTED,
    version: int = 1,
    revises: InternalBudget | None = None,
    plan_years: int = 1,
) -> InternalBudget:
    """Posts are (label, verksamhet code or None, amount for the budget year or None,
    predecessor rows); plan years get the same amounts."""
    budget = InternalBudget.objects.create(
        committee=committee,
        year=year,
        version=version,
        title=f"Internbudget {year}",
        decision="KFN 2023-11-20 § 50" if status == BudgetStatus.ADOPTED else "",
        status=status,
        revises=revises,
    )
    columns = [
        InternalBudgetColumn.objects.create(
            budget=budget,
            year=year + offset,
            kind=ColumnKind.BUDGET if offset == 0 else ColumnKind.PLAN,
            frame=Decimal(frame) if frame is not None and offset == 0 else None,
        )
        for offset in range(plan_years + 1)
    ]
    for position, (label, code, amount, predecessors) in enumerate(posts, start=1):
        post = InternalBudgetRow.objects.create(
            budget=budget,
            position=position,
            label=label,
            operation=operation(committee, code) if code else None,
        )
        post.predecessors.set(predecessors)
        if amount is not None:
            for column in columns:
                InternalBudgetAmount.objects.create(row=post, column=column, amount=Decimal(amount))
    return budget
