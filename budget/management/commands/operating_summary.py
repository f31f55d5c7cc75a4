import csv
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.lib.money import Unit, decimal_comma, format_swedish, in_unit
from amn.models import Committee, months_span
from budget.services.operating_summary import FIGURE_COLUMNS, build_operating_summary

COLUMN_HEADERS = [
    "Redovisat",
    "Budget",
    "Avvikelse",
    "Redovisat fg år",
    "Prognos helår",
    "Budget helår",
    "Avvikelse",
    "Bokslut fg år",
]


class Command(BaseCommand):
    help = "Skriver ut driftsammandraget för en nämnd för januari till och med en månad."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", required=True, help="Nämndens förkortning, t.ex. AMN.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True, help="1–12: till och med månad.")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument("--unit", choices=["kr", "tkr", "mnkr"], default="tkr")

    def handle(self, *args, **options) -> None:
        try:
            committee = Committee.objects.get(code=options["committee"])
        except Committee.DoesNotExist:
            raise CommandError(
                f"Det finns ingen nämnd med förkortningen {options['committee']!r}."
            ) from None
        try:
            summary = build_operating_summary(committee, options["year"], options["month"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not any(line.kind == "row" for line in summary.lines):
            raise CommandError(f"{committee.code} har inget driftsammandrag för {options['year']}.")
        unit = Unit.from_code(options["unit"])
        rows = [
            (line, {name: in_unit(value, unit) for name, value in line.values().items()})
            for line in summary.lines
        ]
        writer = {"json": self.write_json, "csv": self.write_csv, "table": self.write_table}
        writer[options["format"]](summary, unit, rows)

    def write_json(self, summary, unit: Unit, rows) -> None:
        def number(value: Decimal | None):
            if value is None:
                return None
            return int(value) if unit.decimals == 0 else float(value)

        document = {
            "committee": summary.committee.code,
            "year": summary.year,
            "month": summary.month,
            "unit": unit.code,
            "rows": [
                {"label": line.label, "code": line.code, "kind": line.kind}
                | {name: number(value) for name, value in values.items()}
                for line, values in rows
            ],
        }
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))

    def write_csv(self, summary, unit: Unit, rows) -> None:
        # Semicolons and decimal commas: what Swedish Excel opens without questions.
        writer = csv.writer(self.stdout, delimiter=";", lineterminator="\n")
        writer.writerow(["label", "code", "kind", *FIGURE_COLUMNS])
        for line, values in rows:
            writer.writerow(
                [line.label, line.code, line.kind]
                + ["" if v is None else decimal_comma(v) for v in values.values()]
            )

    def write_table(self, summary, unit: Unit, rows) -> None:
        self.stdout.write(
            f"Driftsammandrag {summary.committee.name}, "
            f"{months_span(summary.year, summary.month)}, belopp {unit.code}"
        )
        width = max(len(line.label) for line, _ in rows)
        self.stdout.write(" " * width + "".join(f"{h:>16}" for h in COLUMN_HEADERS))
        for line, values in rows:
            cells = "".join(f"{format_swedish(v, unit.decimals):>16}" for v in values.values())
            self.stdout.write(f"{line.label:<{width}}{cells}")
