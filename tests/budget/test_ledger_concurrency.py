"""Two imports for the same nämnd at the same moment are serialised, never interleaved.

Real threads with their own database connections need committed data: the test's own
nämnd is created and removed again by threads of their own (a transactional test would
empty the database under the rest of the suite). PostgreSQL only: SQLite serialises every
writer by itself.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from amn.models import Change, Committee, Municipality
from budget.models import ImportStatus, LedgerLine, Measure, MonthlyAmount, Operation, SummaryRow
from budget.services.ledger_import import import_ledger_file
from tests.append_only import append_only_lifted
from tests.budget.ledger_files import write_xlsx

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)


def in_threads(*calls):
    """Run each call in a thread of its own, with its own (committed) connection."""
    results = []

    def run(call):
        try:
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def create_committee():
    municipality = Municipality.objects.create(name="Testkommun", kolada_id="9999")
    committee = Committee.objects.create(municipality=municipality, code="TST", name="Testnämnd")
    operation = Operation.objects.create(municipality=municipality, code="575", name="Bistånd")
    row = SummaryRow.objects.create(
        committee=committee, year=2023, position=1, label="575", operation=operation
    )
    return committee, row


def remove_committee(committee):
    municipality = committee.municipality
    with append_only_lifted():  # the imports' history
        Change.objects.filter(committee=committee).delete()
        committee.delete()
    Operation.objects.filter(municipality=municipality).delete()
    municipality.delete()


@pytest.fixture
def committee_and_row(db):
    [(committee, row)] = in_threads(create_committee)
    yield committee, row
    in_threads(lambda: remove_committee(committee))


def test_two_imports_of_the_same_months_at_once_leave_exactly_one_of_them_current(
    tmp_path, committee_and_row
):
    committee, row = committee_and_row
    files = [
        write_xlsx(
            tmp_path / f"fil{n}.xlsx",
            [[202300 + month, 4610, "", 575, "", "", n * 1000 + month] for month in range(1, 9)]
            * 500,
        )
        for n in (1, 2)
    ]

    results = in_threads(*[lambda path=path: import_ledger_file(committee, path) for path in files])

    assert [r.status for r in results] == [ImportStatus.ACTIVE, ImportStatus.ACTIVE]
    last = max(results, key=lambda r: r.confirmed_at)
    n = int(last.file_name[3])
    current = LedgerLine.objects.filter(replaced_by__isnull=True, ledger_import__status="active")
    assert set(current.values_list("ledger_import_id", flat=True)) == {last.pk}
    assert current.count() == 8 * 500
    assert {
        a.month: a.amount for a in MonthlyAmount.objects.filter(row=row, measure=Measure.ACTUAL)
    } == {month: Decimal(500 * (n * 1000 + month)) for month in range(1, 9)}
