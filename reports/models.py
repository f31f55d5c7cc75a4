"""What the report layer stores itself: the PDF of each published version."""

import hashlib

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from amn.models import AppendOnly, PublishedReport


class PublishedPdfQuerySet(models.QuerySet):
    def store(self, report: PublishedReport, content: bytes) -> "PublishedPdf":
        """Store `content` as the PDF of `report`, once. When another process stored one
        first (both rendered a PDF missing at the same moment), that one is kept and
        returned: a stored PDF is never replaced."""
        try:
            with transaction.atomic():
                return self.create(
                    report=report,
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                    size=len(content),
                )
        except IntegrityError:
            found = self.filter(report=report).first()
            if found is None:
                raise
            return found


class PublishedPdf(AppendOnly):
    """The PDF of one published version, printed once (at publishing, or at the first
    download of a version published without one) and served from here ever after, so a
    download never starts Chromium. Written once, never changed or removed."""

    report = models.OneToOneField(
        PublishedReport, models.PROTECT, related_name="pdf", verbose_name="publicerad rapport"
    )
    content = models.BinaryField("PDF")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("storlek i byte")
    created_at = models.DateTimeField("skapad", default=timezone.now)

    objects = PublishedPdfQuerySet.as_manager()

    refusals = (
        "En lagrad PDF ändras aldrig: publicera en ny version.",
        "En lagrad PDF tas aldrig bort.",
    )

    class Meta:
        verbose_name = "PDF av publicerad rapport"
        verbose_name_plural = "PDF:er av publicerade rapporter"
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="published_pdf_not_empty"),
        ]

    def __str__(self) -> str:
        return f"PDF: {self.report}"
