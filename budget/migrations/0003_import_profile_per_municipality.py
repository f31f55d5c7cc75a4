"""Import profiles belong to a kommun (optionally to one nämnd of it).

Until now one profile served every kommun. So that every existing import keeps working,
each existing profile is copied to every kommun (the original row goes to the first), and
each import is pointed at its own kommun's copy: every kommun keeps the profiles it could
use before, by the same name, and from now on changes only its own.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_profiles_to_every_municipality(apps, schema_editor):
    ImportProfile = apps.get_model("budget", "ImportProfile")
    LedgerImport = apps.get_model("budget", "LedgerImport")
    Municipality = apps.get_model("amn", "Municipality")
    municipalities = list(Municipality.objects.order_by("pk"))
    for profile in ImportProfile.objects.filter(municipality__isnull=True).order_by("pk"):
        if not municipalities:
            profile.delete()  # no kommun: nothing can use it
            continue
        original_pk = profile.pk
        profile.municipality = municipalities[0]
        profile.save()
        for municipality in municipalities[1:]:
            profile.pk = None
            profile.municipality = municipality
            profile.save()
            LedgerImport.objects.filter(
                profile_id=original_pk, committee__municipality=municipality
            ).update(profile=profile)


class Migration(migrations.Migration):
    dependencies = [
        ("amn", "0006_published_data_exact_numbers"),
        ("budget", "0002_ledger_import"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importprofile",
            name="name",
            field=models.CharField(max_length=100, verbose_name="namn"),
        ),
        migrations.AddField(
            model_name="importprofile",
            name="municipality",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="import_profiles",
                to="amn.municipality",
                verbose_name="kommun",
            ),
        ),
        migrations.AddField(
            model_name="importprofile",
            name="committee",
            field=models.ForeignKey(
                blank=True,
                help_text="Tom: profilen gäller alla kommunens nämnder.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="import_profiles",
                to="amn.committee",
                verbose_name="nämnd",
            ),
        ),
        migrations.RunPython(copy_profiles_to_every_municipality, migrations.RunPython.noop),
    ]
