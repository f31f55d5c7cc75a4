"""Organisation and the steering cycle: municipality, nämnd, förvaltning, reporting periods."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from amn.lib.exact_json import ExactJSONDecoder, ExactJSONEncoder


class Municipality(models.Model):
    name = models.CharField("namn", max_length=100, unique=True)
    kolada_id = models.CharField(
        "Kolada-id", max_length=4, unique=True, help_text="Kommunens id i Kolada, t.ex. 0580."
    )
    peer_kolada_ids = models.CharField(
        "jämförelsekommuner",
        max_length=200,
        blank=True,
        help_text="Kolada-id för kommuner att jämföra med, åtskilda av komma, t.ex. "
        "0581, 1480, 0380. Riket (0000) jämförs alltid.",
    )

    class Meta:
        verbose_name = "kommun"
        verbose_name_plural = "kommuner"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def peer_ids(self) -> list[str]:
        return [part.strip() for part in self.peer_kolada_ids.split(",") if part.strip()]


class Administration(models.Model):
    """A förvaltning: the administration that serves one or more nämnder."""

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="administrations", verbose_name="kommun"
    )
    code = models.CharField("förkortning", max_length=30)
    name = models.CharField("namn", max_length=200)

    class Meta:
        verbose_name = "förvaltning"
        verbose_name_plural = "förvaltningar"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="administration_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class CommitteeQuerySet(models.QuerySet):
    def for_user(self, user) -> "CommitteeQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()


class Committee(models.Model):
    """A nämnd."""

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="committees", verbose_name="kommun"
    )
    code = models.CharField("förkortning", max_length=20, unique=True)
    name = models.CharField("namn", max_length=200)
    administrations = models.ManyToManyField(
        Administration, blank=True, related_name="committees", verbose_name="förvaltningar"
    )
    comment_threshold_percent = models.DecimalField(
        "kommentarskrav vid avvikelse (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="En prognosrad vars avvikelse mot budget är större än så här många procent "
        "av budgeten måste ha en kommentar.",
    )
    comment_threshold_amount = models.DecimalField(
        "kommentarskrav vid avvikelse (kr)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="En prognosrad vars avvikelse mot budget är större än så här många kronor "
        "måste ha en kommentar.",
    )

    objects = CommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = "nämnd"
        verbose_name_plural = "nämnder"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", "Förvaltning"
    CONTROLLER = "controller", "Controller"
    MEMBER = "member", "Nämndledamot"


class CommitteeMembership(models.Model):
    """What a user may do for one nämnd."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="committee_memberships",
        verbose_name="användare",
    )
    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="memberships", verbose_name="nämnd"
    )
    role = models.CharField("roll", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "behörighet"
        verbose_name_plural = "behörigheter"
        ordering = ["committee", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "committee", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.committee.code} ({self.get_role_display()})"


MONTH_NAMES = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]


def months_span(year: int, month: int) -> str:
    """January..month of a year in Swedish: "januari–augusti 2023", "helår 2021"."""
    if month == 12:
        return f"helår {year}"
    if month == 1:
        return f"januari {year}"
    return f"januari–{MONTH_NAMES[month - 1]} {year}"


class PeriodKind(models.TextChoices):
    INTERIM_1 = "delar1", "Delår 1"
    INTERIM_2 = "delar2", "Delår 2 (delårsrapport)"
    OCTOBER = "oktober", "Oktoberuppföljning"
    ANNUAL = "bokslut", "Bokslut / verksamhetsberättelse"
    BUDGET = "internbudget", "Internbudget"


class ReportingPeriodQuerySet(models.QuerySet):
    def follow_up_at(self, committee: "Committee", year: int, month: int):
        """The nämnd's follow-up (not the internbudget) at the end of `month` of `year`, or
        None."""
        return (
            self.filter(committee=committee, year=year, month=month)
            .exclude(kind=PeriodKind.BUDGET)
            .order_by("kind")
            .first()
        )


class ReportingPeriod(models.Model):
    """A follow-up point of a nämnd: actuals up to the end of `month` of `year`."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="periods", verbose_name="nämnd"
    )
    year = models.PositiveSmallIntegerField("år")
    month = models.PositiveSmallIntegerField("till och med månad")
    kind = models.CharField("typ", max_length=20, choices=PeriodKind.choices)
    title = models.CharField("rubrik", max_length=200)
    deadline = models.DateField(
        "rapporten klar senast",
        null=True,
        blank=True,
        help_text="Från nämndens årshjul när året startas.",
    )

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "rapporteringsperiod"
        verbose_name_plural = "rapporteringsperioder"
        ordering = ["committee", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "month", "kind"], name="period_unique"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="period_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee.code} {self.title}"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def span(self) -> str:
        """What the period covers, in Swedish: "januari–augusti 2023", "helår 2021"."""
        if self.kind == PeriodKind.BUDGET:
            return f"budgetår {self.year}"
        return months_span(self.year, self.month)


class AnnualCycleStep(models.Model):
    """A follow-up of a nämnd's årshjul: which kind of period, at the end of which month,
    and how many days after it the report is due. Starting a year makes its periods."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="annual_cycle", verbose_name="nämnd"
    )
    kind = models.CharField(
        "uppföljning",
        max_length=20,
        choices=[choice for choice in PeriodKind.choices if choice[0] != PeriodKind.BUDGET],
    )
    month = models.PositiveSmallIntegerField("till och med månad")
    deadline_days = models.PositiveSmallIntegerField(
        "klar dagar efter månadens slut",
        help_text="T.ex. 20: delårsrapporten per den 31 augusti ska vara klar den 20 september.",
    )

    class Meta:
        verbose_name = "uppföljning i årshjulet"
        verbose_name_plural = "nämndens årshjul"
        ordering = ["committee", "month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "kind"], name="annual_cycle_unique_kind"),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="annual_cycle_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee.code}: {self.get_kind_display()} ({self.month_name})"

    @property
    def month_name(self) -> str:
        return MONTH_NAMES[self.month - 1]


# The årshjul of a nämnd that has set none: (kind, cut-off month, days to the deadline).
DEFAULT_ANNUAL_CYCLE = (
    (PeriodKind.INTERIM_1, 4, 20),
    (PeriodKind.INTERIM_2, 8, 20),
    (PeriodKind.OCTOBER, 10, 15),
    (PeriodKind.ANNUAL, 12, 45),
)


def default_annual_cycle(committee: Committee) -> list[AnnualCycleStep]:
    """Unsaved steps of the default årshjul for a nämnd."""
    return [
        AnnualCycleStep(committee=committee, kind=kind, month=month, deadline_days=days)
        for kind, month, days in DEFAULT_ANNUAL_CYCLE
    ]


class Section(models.TextChoices):
    MISSION = "uppdrag", "Nämndens uppdrag"
    SUMMARY = "sammanfattning", "Sammanfattning"
    ASSESSMENT = "bedomning", "Förvaltningschefens bedömning och analys"
    EVENTS = "handelser", "Händelser av väsentlig betydelse"
    OUTLOOK = "utveckling", "Förväntad utveckling"
    ECONOMY = "ekonomi", "Ekonomi – analys och kommentar"
    INVESTMENTS = "investeringar", "Investeringar – analys och kommentar"
    VOLUMES = "volymer", "Volymutveckling – kommentar"
    PERSONNEL = "personal", "Personal – kommentar"
    GOALS = "malredovisning", "Målredovisning"
    ASSIGNMENTS = "utvecklingsuppdrag", "Strategiska utvecklingsuppdrag"
    PREMISES = "lokalforsorjning", "Lokalförsörjningsplan"
    PROCUREMENT = "upphandling", "Upphandlingsplan"
    INTERNAL_CONTROL = "internkontroll", "Internkontroll"
    PRIVATE_PROVIDERS = "privata_utforare", "Verksamhet som utförs av privat utförare"
    COMPETENCE = "kompetensforsorjning", "Personal- och kompetensförsörjningsplan"
    IT_PLAN = "objektsplan", "Objektsplan (IT-styrning)"


class ReportText(models.Model):
    """An analysis text of one section of a report."""

    period = models.ForeignKey(
        ReportingPeriod, models.CASCADE, related_name="texts", verbose_name="period"
    )
    section = models.CharField("avsnitt", max_length=30, choices=Section.choices)
    title = models.CharField("rubrik", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("ordning", default=0)
    body = models.TextField("text")

    class Meta:
        verbose_name = "analystext"
        verbose_name_plural = "analystexter"
        # Position is the order in the printed report.
        ordering = ["period", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "section", "title"], name="report_text_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} – {self.get_section_display()}"


class AppendOnly(models.Model):
    """A record that is written once and never changed or removed: a published version,
    a line of the history. `refusals` says why, in Swedish: (changed, removed)."""

    refusals = ("Posten ändras aldrig.", "Posten tas aldrig bort.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError(self.refusals[0])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(self.refusals[1])


class PublishedReportQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-version")

    def latest_for(self, period: ReportingPeriod) -> "PublishedReport | None":
        """The period's latest published version, or None before the first."""
        return self.filter(period=period).newest_first().first()


class PublishedReport(AppendOnly):
    """One published version of a period's report, kept exactly as it was published.

    The page (`html`), the workbook and the open data are stored at publishing, so a
    reader sees what the nämnd was shown even when figures change afterwards. A change
    after publishing becomes a new version ("reviderad") with a note saying what changed;
    earlier versions stay readable. A stored version is never changed.
    """

    period = models.ForeignKey(
        ReportingPeriod, models.PROTECT, related_name="publications", verbose_name="period"
    )
    version = models.PositiveSmallIntegerField("version")
    published_at = models.DateTimeField("publicerad")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="published_reports",
        verbose_name="publicerad av",
    )
    change_note = models.TextField("vad som ändrats", blank=True)
    title = models.CharField("rubrik", max_length=200)
    html = models.TextField("rapporten")
    # Numbers stay exact decimals both ways (reports.services.open_data).
    data = models.JSONField("öppna data", encoder=ExactJSONEncoder, decoder=ExactJSONDecoder)
    workbook = models.BinaryField("Excel-arbetsbok")

    objects = PublishedReportQuerySet.as_manager()

    refusals = (
        "En publicerad rapport ändras aldrig: publicera en ny version.",
        "En publicerad rapport tas aldrig bort.",
    )

    class Meta:
        verbose_name = "publicerad rapport"
        verbose_name_plural = "publicerade rapporter"
        ordering = ["period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="published_report_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="published_report_version"),
        ]

    def __str__(self) -> str:
        revised = " (reviderad)" if self.is_revision else ""
        return f"{self.title}, version {self.version}{revised}"

    @property
    def is_revision(self) -> bool:
        return self.version > 1


class SectionPlan(models.Model):
    """A text section of a period's report while it is written: who writes it, by when,
    and whether the writer has marked it ready."""

    period = models.ForeignKey(
        ReportingPeriod, models.CASCADE, related_name="section_plans", verbose_name="period"
    )
    section = models.CharField("avsnitt", max_length=30, choices=Section.choices)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_sections",
        verbose_name="ansvarig",
    )
    deadline = models.DateField("klart senast", null=True, blank=True)
    ready_at = models.DateTimeField("markerat klart", null=True, blank=True)
    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="markerat klart av",
    )

    class Meta:
        verbose_name = "avsnitt i rapportarbetet"
        verbose_name_plural = "avsnitt i rapportarbetet"
        ordering = ["period", "section"]
        constraints = [
            models.UniqueConstraint(fields=["period", "section"], name="section_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period} – {self.get_section_display()}"

    @property
    def ready(self) -> bool:
        return self.ready_at is not None


class ChangeSource(models.TextChoices):
    FORM = "formular", "Formulär"
    IMPORT = "import", "Import"
    KOLADA = "kolada", "Kolada"
    ADMIN = "admin", "Administration"
    BUDGET = "budget", "Internbudget"


class Change(AppendOnly):
    """One change to a figure or a text: who, when, from what to what.

    Written by the use cases that store figures and texts (entry forms, imports, the
    admin), never changed or removed: the history of a nämnd's report is kept whole.
    """

    # The database refuses to remove any line of the history (amn.db_triggers), so neither
    # a nämnd nor a period nor a user with history can be removed: Django refuses first.
    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="changes", verbose_name="nämnd"
    )
    period = models.ForeignKey(
        ReportingPeriod,
        models.RESTRICT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name="period",
    )
    changed_at = models.DateTimeField("tidpunkt")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name="ändrat av",
    )
    source = models.CharField("källa", max_length=10, choices=ChangeSource.choices)
    subject = models.CharField("vad", max_length=300)
    field = models.CharField("uppgift", max_length=100)
    old = models.TextField("före", blank=True)
    new = models.TextField("efter", blank=True)

    refusals = ("Historiken ändras aldrig.", "Historiken tas aldrig bort.")

    class Meta:
        verbose_name = "ändring"
        verbose_name_plural = "ändringar"
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["committee", "changed_at"], name="change_committee_time"),
            models.Index(fields=["period", "changed_at"], name="change_period_time"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.field}"
