"""The kommun of an import profile is required, and a name unique within it (a migration of
its own: PostgreSQL alters no table with the data migration's checks still pending)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("budget", "0003_import_profile_per_municipality")]

    operations = [
        migrations.AlterField(
            model_name="importprofile",
            name="municipality",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="import_profiles",
                to="amn.municipality",
                verbose_name="kommun",
            ),
        ),
        migrations.AddConstraint(
            model_name="importprofile",
            constraint=models.UniqueConstraint(
                fields=("municipality", "name"),
                name="import_profile_name_unique_per_municipality",
                violation_error_message="Kommunen har redan en importprofil med det namnet.",
            ),
        ),
    ]
