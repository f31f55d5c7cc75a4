from django.core.management.base import BaseCommand, CommandError, CommandParser

from amn.lib.text import spaced
from amn.models import Committee, PublishedReport
from reports.services.pdf import PDF_TIMEOUT_SECONDS, PdfBusy, PdfUnavailable, pdf_of


class Command(BaseCommand):
    help = (
        "Skapar och lagrar PDF:en för varje publicerad version som saknar en (versioner "
        "publicerade före uppgraderingen, eller när Chromium saknades vid publiceringen)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", help="Bara nämnden med denna förkortning, t.ex. AMN.")

    def handle(self, *args, **options) -> None:
        missing = (
            PublishedReport.objects.filter(pdf__isnull=True)
            .defer("html", "data", "workbook")
            .select_related("period__committee")
            .order_by("pk")
        )
        if options["committee"]:
            if not Committee.objects.filter(code=options["committee"]).exists():
                raise CommandError(
                    f"Det finns ingen nämnd med förkortningen {options['committee']!r}."
                )
            missing = missing.filter(period__committee__code=options["committee"])
        failed = []
        stored = 0
        for published in missing:
            try:
                pdf = pdf_of(published, wait_seconds=PDF_TIMEOUT_SECONDS)
            except (PdfUnavailable, PdfBusy) as error:
                failed.append(f"{published}: {error}")
                continue
            stored += 1
            self.stdout.write(f"{published}: {spaced(pdf.size)} byte")
        self.stdout.write(f"PDF skapad och lagrad för {versions(stored)}.")
        if failed:
            raise CommandError(
                f"PDF kunde inte skapas för {versions(len(failed))}:\n" + "\n".join(failed)
            )


def versions(count: int) -> str:
    return f"{count} version" if count == 1 else f"{count} versioner"
