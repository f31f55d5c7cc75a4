"""Ten years of a nämnd's ledger, stored the fast way, for the page benchmark."""

import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from amn.models import Committee
from budget.models import ImportStatus, LedgerImport, LedgerLine, Operation, SummaryRow

ACCOUNTS = ["3010", "3510", "4010", "4610", "5110", "6110", "7010"]


@transaction.atomic
def store_ledger_years(count: int, first_year: int = 2014, last_year: int = 2023):
    """A nämnd BENCH with the AMN verksamheter for every year, `count` ledger lines spread
    over the years, and the monthly amounts the import would have built from them."""
    amn = Committee.objects.get(code="AMN")
    committee = Committee.objects.create(
        municipality=amn.municipality, code="BENCH", name="Benchmarknämnden"
    )
    operations = list(
        Operation.objects.filter(summary_rows__committee=amn, summary_rows__year=2023).distinct()
    )
    years = range(first_year, last_year + 1)
    rows_by_year: dict[int, list[SummaryRow]] = {}
    previous: dict[str, SummaryRow] = {}
    for year in years:
        rows = []
        for position, operation in enumerate(operations, start=1):
            row = SummaryRow.objects.create(
                committee=committee,
                year=year,
                position=position,
                label=str(operation),
                operation=operation,
                predecessor=previous.get(operation.code),
            )
            previous[operation.code] = row
            rows.append(row)
        rows_by_year[year] = rows
    imports = {
        year: LedgerImport.objects.create(
            committee=committee,
            file_name=f"huvudbok-{year}.xlsx",
            checksum=f"bench-{year}",
            status=ImportStatus.ACTIVE,
            confirmed_at=timezone.now(),
            months=[[year, month, "actual"] for month in range(1, 13)],
        )
        for year in years
    }
    chance = random.Random(1)
    per_year = count // len(years)
    columns = (
        "ledger_import_id, committee_id, row_id, year, month, measure, account, "
        "responsibility, operation_code, activity, project, amount, source_row"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {LedgerLine._meta.db_table} ({columns}) FROM STDIN") as copy:
            for year in years:
                rows = rows_by_year[year]
                for number in range(per_year):
                    row = rows[number % len(rows)]
                    account = chance.choice(ACCOUNTS)
                    cents = chance.randint(100, 1_000_000) * (-1 if account[0] == "3" else 1)
                    copy.write_row(
                        (
                            imports[year].pk,
                            committee.pk,
                            row.pk,
                            year,
                            number % 12 + 1,
                            "actual",
                            account,
                            str(7000 + number % 40),
                            row.operation.code,
                            "",
                            "",
                            Decimal(cents).scaleb(-2),
                            number + 5,
                        )
                    )
        cursor.execute(
            """
            INSERT INTO budget_monthlyamount (row_id, measure, month, amount, revenues)
            SELECT row_id, measure, month, SUM(amount),
                   SUM(CASE WHEN account LIKE '3%%' THEN amount ELSE 0 END)
            FROM budget_ledgerline WHERE committee_id = %s GROUP BY row_id, measure, month
            """,
            [committee.pk],
        )
        cursor.execute(
            """
            INSERT INTO budget_monthlyamount (row_id, measure, month, amount, revenues)
            SELECT row_id, 'budget', month, ROUND(amount * 1.02, 2), ROUND(revenues * 1.02, 2)
            FROM budget_monthlyamount m JOIN budget_summaryrow r ON r.id = m.row_id
            WHERE r.committee_id = %s AND m.measure = 'actual'
            """,
            [committee.pk],
        )
    return committee, len(years), per_year * len(years)
