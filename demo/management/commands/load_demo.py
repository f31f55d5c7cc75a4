from django.core.management.base import BaseCommand, CommandError

from demo.loader import DemoDataError, load_demo


class Command(BaseCommand):
    help = (
        "Läser in demonämnden Arbetsmarknadsnämnden (AMN) med de verkliga siffrorna ur "
        "rapporterna i shared/seeds och skapar en demoanvändare per roll. Kan köras flera gånger."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publicera demoperioderna som ännu inte är publicerade, så som nämnden en gång "
            "publicerade dem (utan avstämning mot huvudbok: siffrorna kommer ur de tryckta "
            "rapporterna).",
        )

    def handle(self, *args, **options) -> None:
        try:
            summary = load_demo(publish=options["publish"])
        except DemoDataError as exc:
            raise CommandError(f"Demodata kunde inte läsas in: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Demodata inläst för {summary.committee}."))
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label}: {count}")
        for line in summary.started:
            self.stdout.write(line)
        for title in summary.published:
            self.stdout.write(f"Publicerad: {title}")
        for username in summary.left_alone:
            self.stdout.write(
                self.style.WARNING(
                    f"Användaren {username} finns redan men är ingen demoanvändare: "
                    "den lämnas orörd (lösenord, behörigheter och roller ändras inte)."
                )
            )
        self.stdout.write("Demoanvändare (användarnamn / lösenord / roll):")
        for username, password, role in summary.users:
            self.stdout.write(f"  {username} / {password} / {role}")
