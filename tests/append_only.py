"""For the few tests that commit data (threads with their own connections, the browser
tests' live server) and must remove it again: the append-only tables take DELETE inside
`append_only_lifted()`, in one transaction, and refuse it again after."""

from contextlib import contextmanager

from django.apps import apps
from django.db import connection, transaction

from amn.db_triggers import drop_trigger_sql, trigger_sql
from amn.models import AppendOnly


def append_only_models() -> list:
    return [model for model in apps.get_models() if issubclass(model, AppendOnly)]


@contextmanager
def append_only_lifted():
    tables = [model._meta.db_table for model in append_only_models()]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers do not fire for this transaction (the tests connect as superuser).
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            return
        for table in tables:
            for statement in drop_trigger_sql(connection.vendor, table):
                cursor.execute(statement)
        yield
        for table in tables:
            for statement in trigger_sql(connection.vendor, table):
                cursor.execute(statement)
