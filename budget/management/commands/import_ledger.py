from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.models import Committee
from budget.models import ImportProfile, ImportStatus
from budget.services.ledger_import import import_ledger_file, summary_text


class Command(BaseCommand):
    help = (
        "Läser in en huvudboksfil (.xlsx, .csv eller SIE 4) för en nämnd. Hela filen eller "
        "inget: vid minsta fel lagras ingenting och alla fel listas."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Filen att läsa in.")
        parser.add_argument("--committee", required=True, help="Nämndens förkortning, t.ex. AMN.")
        parser.add_argument("--profile", help="Namnet på en importprofil (kolumnrubriker, SIE).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Läs och kontrollera filen men lagra ingenting.",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Filen {path} finns inte.")
        committee = Committee.objects.filter(code=options["committee"]).first()
        if committee is None:
            raise CommandError(f"Det finns ingen nämnd med förkortningen {options['committee']!r}.")
        profile = None
        if options["profile"]:
            usable = ImportProfile.objects.for_committee(committee)
            profile = usable.filter(name=options["profile"]).first()
            if profile is None:
                raise CommandError(
                    f"Det finns ingen importprofil som heter {options['profile']!r} för "
                    f"{committee.name} ({committee.municipality})."
                )
        result = import_ledger_file(
            committee, path, file_name=path.name, profile=profile, dry_run=options["dry_run"]
        )
        if result.status == ImportStatus.REFUSED:
            for error in result.errors:
                self.stderr.write(error["text"])
            raise CommandError(
                f"{path.name} lästes inte in: {len(result.errors)} fel. Ingenting lagrades."
            )
        if result.status == ImportStatus.UNCHANGED:
            self.stdout.write(result.preview["note"])
            return
        if options["dry_run"]:
            self.stdout.write(f"Provläsning utan fel: {summary_text(result)}. Ingenting lagrades.")
            return
        self.stdout.write(f"Inläst som import {result.pk}: {summary_text(result)}.")
        skipped = result.preview.get("skipped_balance_lines")
        if skipped:
            self.stdout.write(f"{skipped} rader på balanskonton (klass 1–2) lästes inte in.")
