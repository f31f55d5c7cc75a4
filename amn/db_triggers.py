"""Append-only tables enforced by the database, not only by the ORM.

`AppendOnly` models refuse `save()` of a stored row and `delete()`, but a queryset's
`update()` or `delete()`, raw SQL or another client would still change them. The migration
operation `AppendOnlyTrigger("model_name")` adds triggers that make the database itself
refuse UPDATE and DELETE of the model's rows, on PostgreSQL and on SQLite, with a reverse
that removes them:

    operations = [AppendOnlyTrigger("publishedreport")]

A refused statement raises django.db.IntegrityError on both. TRUNCATE (a database
administrator's deliberate act, and how tests empty PostgreSQL) is not refused.

On SQLite, Django alters some columns by copying the table into a new one; the copy has no
triggers. A migration that alters an append-only model's table on SQLite must add the
operation again after it (`tests/amn/test_append_only.py` finds a missing one).
"""

from django.db.migrations.operations.base import Operation


def trigger_sql(vendor: str, table: str) -> list[str]:
    """The statements that make `table` refuse UPDATE and DELETE."""
    message = f"{table}: raderna ändras aldrig och tas aldrig bort"
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{message} (% nekad)', TG_OP USING ERRCODE = 'restrict_violation';
            END
            $$""",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
        ]
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER {table}_append_only_{operation.lower()}
            BEFORE {operation} ON {table}
            BEGIN SELECT RAISE(ABORT, '{message} ({operation} nekad)'); END"""
            for operation in ("UPDATE", "DELETE")
        ]
    raise NotImplementedError(
        f"Append-only triggers are written for PostgreSQL and SQLite, not {vendor}."
    )


def drop_trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only_{operation}"
            for operation in ("update", "delete")
        ]
    raise NotImplementedError(
        f"Append-only triggers are written for PostgreSQL and SQLite, not {vendor}."
    )


class AppendOnlyTrigger(Operation):
    """The database refuses UPDATE and DELETE of the model's rows (see the module)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    def state_forwards(self, app_label, state) -> None:
        pass  # the model's state is unchanged: only the database learns the rule

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        for statement in trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table = from_state.apps.get_model(app_label, self.model_name)._meta.db_table
        for statement in drop_trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        return f"The database refuses UPDATE and DELETE of {self.model_name} rows"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name}_append_only"
