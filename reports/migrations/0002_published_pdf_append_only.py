"""The database refuses UPDATE and DELETE of a stored PDF, as of the version it prints."""

from django.db import migrations

from amn.db_triggers import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_published_pdf"),
        ("amn", "0007_history_and_published_versions_append_only"),
    ]

    operations = [AppendOnlyTrigger("publishedpdf")]
