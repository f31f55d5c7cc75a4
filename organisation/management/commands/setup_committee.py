from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.lib.uploads import FileRefused
from organisation.services.template import import_file


class Command(BaseCommand):
    help = (
        "Lägger upp eller uppdaterar en nämnd ur en ifylld Excelmall (organisationens mall): "
        "kommun, nämnd, förvaltningar, verksamheter, enheter, årshjul och driftsammandrag. "
        "Allt eller inget: vid minsta fel lagras ingenting och alla fel listas. Inget tas bort."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Den ifyllda mallen (.xlsx).")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Filen {path} finns inte.")
        try:
            outcome = import_file(path, path.name)
        except FileRefused as refusal:
            raise CommandError(refusal.message) from refusal
        if outcome.problems:
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{path.name} lästes inte in: {len(outcome.problems)} fel. Ingenting lagrades."
            )
        stored = outcome.stored
        committee = stored.committee
        self.stdout.write(f"{committee.code} – {committee.name}: {stored.summary}.")
        for what in stored.created:
            self.stdout.write(f"  ny: {what}")
        for what in stored.updated:
            self.stdout.write(f"  ändrad: {what}")
