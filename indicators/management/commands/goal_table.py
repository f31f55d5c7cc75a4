import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.lib.periods import is_valid_month, is_valid_year
from amn.lib.spreadsheet import csv_bytes
from amn.models import Committee
from indicators.services.exports import goal_table_data, goal_table_sheet
from indicators.services.goal_table import build_goal_table


class Command(BaseCommand):
    help = (
        "Skriver ut en nämnds måltabeller (nämndindikatorer med målbedömning) för en period "
        "som JSON eller CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", required=True, help="Nämndens förkortning, t.ex. AMN.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, help="1–12: till och med månad.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options) -> None:
        year, month = options["year"], options["month"]
        if not is_valid_month(month):
            raise CommandError(f"Månaden ska vara 1–12, inte {month}.")
        if not is_valid_year(year):
            raise CommandError(f"Året {year} finns inte i tabellerna.")
        committee = Committee.objects.filter(code=options["committee"]).first()
        if committee is None:
            raise CommandError(f"Det finns ingen nämnd med förkortningen {options['committee']!r}.")
        table = build_goal_table(committee, year, month)
        if not table.goals:
            raise CommandError(f"{committee.code} har inga nämndmål för {year}.")
        if options["format"] == "json":
            self.stdout.write(json.dumps(goal_table_data(table), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(csv_bytes(goal_table_sheet(table)).decode("utf-8-sig"), ending="")
