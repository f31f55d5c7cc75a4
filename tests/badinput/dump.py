"""A dump of the whole database to compare before and after a refused input."""

import hashlib

from django.db import connection


def database_dump() -> dict[str, tuple[int, str]]:
    """Every table: its number of rows and a digest of all of them, in primary-key order,
    column by column as the database returns them."""
    dump = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            rows = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in cursor.fetchall()
            ]
            dump[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return dump


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(
        table for table in after.keys() | before.keys() if before.get(table) != after.get(table)
    )
