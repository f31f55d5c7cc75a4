"""The database refuses UPDATE and DELETE of published versions and of the history.

After 0006, which rewrote published versions' data: that is the last change they get.
A nämnd with history can no longer be removed with it (PROTECT, as periods and users).
"""

import django.db.models.deletion
from django.db import migrations, models

from amn.db_triggers import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [
        ("amn", "0006_published_data_exact_numbers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="change",
            name="committee",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="changes",
                to="amn.committee",
                verbose_name="nämnd",
            ),
        ),
        AppendOnlyTrigger("publishedreport"),
        AppendOnlyTrigger("change"),
    ]
