"""Two imports for the same nämnd at the same moment are serialised, never interleaved.

Real threads with their own database connections need committed data, so this test runs
in a transactional database on PostgreSQL (SQLite serialises every writer by itself).
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from amn.models import Committee, Municipality
from budget.models import ImportStatus, LedgerLine, Measure, MonthlyAmount, Operation, SummaryRow
from budget.services.ledger_import import import_ledger_file
from tests.budget.ledger_files import write_xlsx

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_months_at_once_leave_exactly_one_of_them_current(tmp_path):
    municipality = Municipality.objects.create(name="Testkommun", kolada_id="9999")
    committee = Committee.objects.create(municipality=municipality, code="TST", name="Testnämnd")
    operation = Operation.objects.create(municipality=municipality, code="575", name="Bistånd")
    row = SummaryRow.objects.create(
        committee=committee, year=2023, position=1, label="575", operation=operation
    )
    files = [
        write_xlsx(
            tmp_path / f"fil{n}.xlsx",
            [[202300 + month, 4610, "", 575, "", "", n * 1000 + month] for month in range(1, 9)]
            * 500,
        )
        for n in (1, 2)
    ]
    results: list = []

    def run(path):
        try:
            results.append(import_ledger_file(committee, path))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status for r in results] == [ImportStatus.ACTIVE, ImportStatus.ACTIVE]
    last = max(results, key=lambda r: r.confirmed_at)
    n = int(last.file_name[3])
    current = LedgerLine.objects.filter(replaced_by__isnull=True, ledger_import__status="active")
    assert set(current.values_list("ledger_import_id", flat=True)) == {last.pk}
    assert current.count() == 8 * 500
    assert {
        a.month: a.amount for a in MonthlyAmount.objects.filter(row=row, measure=Measure.ACTUAL)
    } == {month: Decimal(500 * (n * 1000 + month)) for month in range(1, 9)}
