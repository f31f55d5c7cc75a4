from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.models import Committee
from indicators.services.kolada import KoladaUnavailable
from indicators.services.kolada_fetch import fetch_kolada_values, year_refusal


class Command(BaseCommand):
    help = (
        "Hämtar en nämnds indikatorvärden från Kolada för ett år och de två åren före, för "
        "kommunen, dess jämförelsekommuner och riket. Värden som matats in för hand skrivs "
        "bara över med --overwrite."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", required=True, help="Nämndens förkortning, t.ex. AMN.")
        parser.add_argument("--year", type=int, required=True, help="Året, t.ex. 2023.")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Skriv över värden som matats in för hand eller lästs in från Excel.",
        )

    def handle(self, *args, **options) -> None:
        refusal = year_refusal(options["year"])
        if refusal:
            raise CommandError(refusal)
        committee = (
            Committee.objects.select_related("municipality")
            .filter(code=options["committee"])
            .first()
        )
        if committee is None:
            known = ", ".join(Committee.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                f"Det finns ingen nämnd med förkortningen ”{options['committee']}”"
                + (f" (nämnder: {known})." if known else ".")
            )
        try:
            result = fetch_kolada_values(committee, options["year"], overwrite=options["overwrite"])
        except KoladaUnavailable as error:
            raise CommandError(f"{error} Ingenting sparades.") from error
        for line in result.lines:
            self.stdout.write(self._styled(line.level, line.text))
        if result.skipped:
            self.stdout.write("Kör med --overwrite för att ersätta dem med Kolada-värdena.")

    def _styled(self, level: str, text: str) -> str:
        if level == "success":
            return self.style.SUCCESS(text)
        if level == "warning":
            return self.style.WARNING(text)
        return text
