from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.models import Committee
from budget.models import PeriodisationKey
from budget.services.year_start import YearRefused, describe, start_year


class Command(BaseCommand):
    help = (
        "Startar en nämnds uppföljningsår ur den antagna internbudgeten: årets rader i "
        "driftsammandraget med helårsbudget och periodiserad budget, investeringarnas "
        "budget och årshjulets rapportperioder. Ett år som redan är startat lämnas orört."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", required=True, help="Nämndens förkortning, t.ex. AMN.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--key",
            choices=[PeriodisationKey.EVEN, PeriodisationKey.PREVIOUS_YEAR],
            default=PeriodisationKey.EVEN,
            help="Periodiseringsnyckel för alla rader: even (jämna tolftedelar) eller "
            "previous-year (föregående års utfall månad för månad).",
        )

    def handle(self, *args, **options) -> None:
        committee = Committee.objects.filter(code=options["committee"]).first()
        if committee is None:
            raise CommandError(f"Det finns ingen nämnd med förkortningen {options['committee']!r}.")
        try:
            started = start_year(committee, options["year"], key=options["key"])
        except YearRefused as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        for line in describe(started):
            self.stdout.write(line)
