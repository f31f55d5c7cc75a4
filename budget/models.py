"""Money: verksamheter, driftsammandrag rows, monthly actuals and budget, forecasts,
internbudget versions and investments. Every amount is exact Decimal kronor."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from amn.models import Administration, Committee, Municipality, ReportingPeriod


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


class Operation(models.Model):
    """A verksamhet: a coded line of operations, shared by the municipality ("575")."""

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="operations", verbose_name="kommun"
    )
    code = models.CharField("kod", max_length=20)
    name = models.CharField("namn", max_length=200)

    class Meta:
        verbose_name = "verksamhet"
        verbose_name_plural = "verksamheter"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="operation_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class OwnUnit(models.Model):
    """One of the nämnd's own units (nämndens enheter), e.g. Arbetsmarknadscentrum, Linvux."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="own_units", verbose_name="nämnd"
    )
    name = models.CharField("namn", max_length=200)
    administration = models.ForeignKey(
        Administration,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="own_units",
        verbose_name="förvaltning",
    )

    class Meta:
        verbose_name = "nämndens enhet"
        verbose_name_plural = "nämndens enheter"
        ordering = ["committee", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="own_unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class RowKind(models.TextChoices):
    ROW = "row", "Verksamhet/budgetpost"
    UNITS = "units", "Resultat nämndens enheter"


class SummaryRow(models.Model):
    """A row of a nämnd's driftsammandrag for one year.

    Row sets change between years, so rows belong to a year; `predecessor` links a row to
    the same verksamhet's row the year before (its previous-year figures come from there).
    A row with a `parent` is a "varav" detail line: shown under its parent, never summed.
    """

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="summary_rows", verbose_name="nämnd"
    )
    year = models.PositiveSmallIntegerField("år")
    position = models.PositiveSmallIntegerField("ordning")
    label = models.CharField("rad", max_length=200)
    kind = models.CharField("typ", max_length=10, choices=RowKind.choices, default=RowKind.ROW)
    operation = models.ForeignKey(
        Operation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="summary_rows",
        verbose_name="verksamhet",
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="details",
        verbose_name="varav-rad under",
    )
    predecessor = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name="samma rad föregående år",
    )
    own_units = models.ManyToManyField(
        OwnUnit, blank=True, related_name="summary_rows", verbose_name="nämndens enheter"
    )
    in_full_year_table = models.BooleanField(
        "visas i helårstabellen",
        default=True,
        help_text="Av: raden visas bara i tabellen för resultat hittills.",
    )

    class Meta:
        verbose_name = "rad i driftsammandrag"
        verbose_name_plural = "rader i driftsammandrag"
        ordering = ["committee", "year", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "label"], name="summary_row_unique_label"
            ),
            models.UniqueConstraint(
                fields=["committee", "year", "position"], name="summary_row_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee.code} {self.year}: {self.label}"

    @property
    def code(self) -> str:
        return self.operation.code if self.operation_id else ""


class Measure(models.TextChoices):
    ACTUAL = "actual", "Utfall"
    BUDGET = "budget", "Budget (periodiserad)"


class MonthlyAmount(models.Model):
    """Net actual or periodised budget of one row in one month of the row's year.

    `revenues` is the intäkter part (negative) where the split is known; kostnader are
    `amount − revenues`.
    """

    row = models.ForeignKey(
        SummaryRow, models.CASCADE, related_name="monthly_amounts", verbose_name="rad"
    )
    measure = models.CharField("mått", max_length=10, choices=Measure.choices)
    month = models.PositiveSmallIntegerField("månad")
    amount = money_field("netto (kr)")
    revenues = money_field("varav intäkter (kr)", null=True, blank=True)

    class Meta:
        verbose_name = "månadsbelopp"
        verbose_name_plural = "månadsbelopp"
        ordering = ["row", "measure", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["row", "measure", "month"], name="monthly_amount_unique"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="monthly_amount_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.row} {self.get_measure_display()} {self.month:02d}"

    @property
    def costs(self):
        return None if self.revenues is None else self.amount - self.revenues


class PeriodisationKey(models.TextChoices):
    EVEN = "even", "Jämnt över årets tolv månader"
    PREVIOUS_YEAR = "previous-year", "Som föregående års utfall månad för månad"
    UPLOADED = "uploaded", "Uppladdad nyckel"
    LEDGER = "ledger", "Budgetkolumnen i en huvudboksimport"


class YearAmount(models.Model):
    """A row's full-year figure: the budget for the year (helårsbudget) from an adopted
    internbudget or entered, or a bokslut entered without months.

    For the budget, `key` and `weights` say how it was spread over the months (the
    periodised budget stored as monthly amounts), and `from_month` the first month the
    current internbudget version set; earlier months kept what an earlier version gave.
    Where a row has monthly amounts of the measure, the driftsammandrag sums them; this
    figure stands in only where no month is recorded.
    """

    row = models.ForeignKey(
        SummaryRow, models.CASCADE, related_name="year_amounts", verbose_name="rad"
    )
    measure = models.CharField("mått", max_length=10, choices=Measure.choices)
    amount = money_field("helår (kr)")
    internal_budget = models.ForeignKey(
        "InternalBudget",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="year_amounts",
        verbose_name="internbudget",
    )
    post = models.ForeignKey(
        "InternalBudgetRow",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="year_amounts",
        verbose_name="budgetpost",
    )
    key = models.CharField(
        "periodiseringsnyckel", max_length=20, choices=PeriodisationKey.choices, blank=True
    )
    weights = models.JSONField("nyckelns månadsvikter", default=list, blank=True)
    from_month = models.PositiveSmallIntegerField("gäller från månad", default=1)

    class Meta:
        verbose_name = "helårsbelopp"
        verbose_name_plural = "helårsbelopp"
        ordering = ["row", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["row", "measure"], name="year_amount_unique"),
            models.CheckConstraint(
                condition=Q(from_month__gte=1) & Q(from_month__lte=12),
                name="year_amount_from_month_1_12",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.row} {self.get_measure_display()} helår"


class Forecast(models.Model):
    """The full-year forecast (helårsprognos) of one row made at one reporting period."""

    row = models.ForeignKey(
        SummaryRow, models.CASCADE, related_name="forecasts", verbose_name="rad"
    )
    period = models.ForeignKey(
        ReportingPeriod, models.CASCADE, related_name="forecasts", verbose_name="period"
    )
    amount = money_field("prognos helår (kr)")
    revenues = money_field("varav intäkter (kr)", null=True, blank=True)
    comment = models.TextField("kommentar", blank=True)

    class Meta:
        verbose_name = "helårsprognos"
        verbose_name_plural = "helårsprognoser"
        ordering = ["period", "row"]
        constraints = [models.UniqueConstraint(fields=["row", "period"], name="forecast_unique")]

    def __str__(self) -> str:
        return f"{self.row} – prognos {self.period.key}"


class BudgetStatus(models.TextChoices):
    DRAFT = "utkast", "Utkast"
    ADOPTED = "antagen", "Antagen"


class InternalBudget(models.Model):
    """One version of a nämnd's internbudget: a budget year with plan years.

    A draft is worked on; adopting records the decision and freezes the version. A
    revision is a new version that points at the one it revises; both stay on record.
    """

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="internal_budgets", verbose_name="nämnd"
    )
    year = models.PositiveSmallIntegerField("budgetår")
    version = models.PositiveSmallIntegerField("version", default=1)
    title = models.CharField("rubrik", max_length=200)
    decision = models.CharField(
        "beslut", max_length=100, blank=True, help_text="T.ex. AN 2019-03-20 § 23."
    )
    decision_date = models.DateField("beslutsdatum", null=True, blank=True)
    revises = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name="reviderar",
    )
    frame_decision = models.CharField(
        "ramens beslut",
        max_length=300,
        blank=True,
        help_text="T.ex. Budgetram enligt beslut i KF den 4 december 2018.",
    )
    status = models.CharField(
        "status", max_length=10, choices=BudgetStatus.choices, default=BudgetStatus.DRAFT
    )
    adopted_at = models.DateTimeField("antagen (registrerat)", null=True, blank=True)
    adopted_by = models.ForeignKey(
        "auth.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrerat av",
    )
    frame_difference_note = models.TextField(
        "förklaring till avvikelse mot ramen",
        blank=True,
        help_text="Krävs för att anta en internbudget vars summa inte är lika med ramen.",
    )
    period = models.OneToOneField(
        ReportingPeriod,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="internal_budget",
        verbose_name="rapportperiod",
        help_text="Perioden vars rapport visar just denna version.",
    )

    class Meta:
        verbose_name = "internbudget"
        verbose_name_plural = "internbudgetar"
        ordering = ["committee", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "version"], name="internal_budget_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee.code} {self.title} ({self.decision})"

    @property
    def is_adopted(self) -> bool:
        return self.status == BudgetStatus.ADOPTED


class ColumnKind(models.TextChoices):
    OUTCOME = "outcome", "Utfall"
    BUDGET = "budget", "Budget"
    PLAN = "plan", "Plan"


class InternalBudgetColumn(models.Model):
    """A year column of an internbudget table with its totals: the KF frame and the split."""

    budget = models.ForeignKey(
        InternalBudget, models.CASCADE, related_name="columns", verbose_name="internbudget"
    )
    year = models.PositiveSmallIntegerField("år")
    kind = models.CharField("typ", max_length=10, choices=ColumnKind.choices)
    frame = money_field("budgetram enligt KF (kr)", null=True, blank=True)
    revenues = money_field("varav intäkter (kr)", null=True, blank=True)
    costs = money_field("varav kostnader (kr)", null=True, blank=True)
    own_units_result = money_field("nämndens enheter (kr)", null=True, blank=True)
    investment_frame = money_field("investeringsram (kr)", null=True, blank=True)

    class Meta:
        verbose_name = "internbudgetkolumn"
        verbose_name_plural = "internbudgetkolumner"
        ordering = ["budget", "year"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "year"], name="internal_budget_column_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class InternalBudgetRow(models.Model):
    """A budgetpost of an internbudget version, or an indented change line explaining it.

    A change line (with `parent`) is included in its parent's amount, never added again.
    """

    budget = models.ForeignKey(
        InternalBudget, models.CASCADE, related_name="rows", verbose_name="internbudget"
    )
    position = models.PositiveSmallIntegerField("ordning")
    label = models.CharField("budgetpost", max_length=200)
    operation = models.ForeignKey(
        Operation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="internal_budget_rows",
        verbose_name="verksamhet",
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name="förändring av",
    )
    # Where the post comes from: the driftsammandrag rows of the year before that it
    # continues (one, or several when rows are merged; a split row has several successors),
    # and in a revision the post of the revised version.
    predecessors = models.ManyToManyField(
        SummaryRow, blank=True, related_name="budget_successors", verbose_name="fortsätter rader"
    )
    origin = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="revised_as",
        verbose_name="samma post i den reviderade versionen",
    )

    class Meta:
        verbose_name = "budgetpost"
        verbose_name_plural = "budgetposter"
        ordering = ["budget", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "position"], name="internal_budget_row_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.label


class InternalBudgetAmount(models.Model):
    row = models.ForeignKey(
        InternalBudgetRow, models.CASCADE, related_name="amounts", verbose_name="budgetpost"
    )
    column = models.ForeignKey(
        InternalBudgetColumn, models.CASCADE, related_name="amounts", verbose_name="kolumn"
    )
    amount = money_field("belopp (kr)")

    class Meta:
        verbose_name = "internbudgetbelopp"
        verbose_name_plural = "internbudgetbelopp"
        ordering = ["row", "column"]
        constraints = [
            models.UniqueConstraint(fields=["row", "column"], name="internal_budget_amount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.row} {self.column.year}"


class FrameAdjustment(models.Model):
    """A line of the "Förändringar" table that explains how the KF frame changed."""

    budget = models.ForeignKey(
        InternalBudget,
        models.CASCADE,
        related_name="frame_adjustments",
        verbose_name="internbudget",
    )
    position = models.PositiveSmallIntegerField("ordning")
    group = models.CharField("grupp", max_length=300)
    label = models.CharField("förändring", max_length=300)
    amount = money_field("belopp (kr)")

    class Meta:
        verbose_name = "ramförändring"
        verbose_name_plural = "ramförändringar"
        ordering = ["budget", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "position"], name="frame_adjustment_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.label


class Investment(models.Model):
    """An investment project (or investment line) of a nämnd."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="investments", verbose_name="nämnd"
    )
    code = models.CharField("projektkod", max_length=20, blank=True)
    name = models.CharField("namn", max_length=200)
    group = models.CharField("grupp", max_length=200, blank=True)

    class Meta:
        verbose_name = "investering"
        verbose_name_plural = "investeringar"
        ordering = ["committee", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="investment_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}" if self.code else self.name


class InvestmentFollowUp(models.Model):
    """An investment at a reporting period: redovisat, prognos, budget (investeringsram)."""

    investment = models.ForeignKey(
        Investment, models.CASCADE, related_name="follow_ups", verbose_name="investering"
    )
    period = models.ForeignKey(
        ReportingPeriod, models.CASCADE, related_name="investment_follow_ups", verbose_name="period"
    )
    actual_expenditure = money_field("redovisat, utgifter (kr)", default=0)
    actual_income = money_field("redovisat, inkomster (kr)", default=0)
    forecast_expenditure = money_field("prognos, utgifter (kr)", default=0)
    forecast_income = money_field("prognos, inkomster (kr)", default=0)
    budget = money_field("budget/investeringsram (kr)", default=0)

    class Meta:
        verbose_name = "investeringsuppföljning"
        verbose_name_plural = "investeringsuppföljningar"
        ordering = ["period", "investment"]
        constraints = [
            models.UniqueConstraint(
                fields=["investment", "period"], name="investment_follow_up_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.investment} {self.period.key}"

    @property
    def actual(self):
        return self.actual_expenditure - self.actual_income

    @property
    def forecast(self):
        return self.forecast_expenditure - self.forecast_income


class InvestmentPlanAmount(models.Model):
    """The planned net expenditure of an investment in one year of an internbudget."""

    budget = models.ForeignKey(
        InternalBudget, models.CASCADE, related_name="investment_plan", verbose_name="internbudget"
    )
    investment = models.ForeignKey(
        Investment, models.CASCADE, related_name="plan_amounts", verbose_name="investering"
    )
    year = models.PositiveSmallIntegerField("år")
    amount = money_field("nettoutgift (kr)")

    class Meta:
        verbose_name = "investeringsplan"
        verbose_name_plural = "investeringsplaner"
        ordering = ["budget", "investment", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "investment", "year"], name="investment_plan_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.investment} {self.year}"


class InvestmentBudget(models.Model):
    """An investment's budget (investeringsram) for a followed-up year, from the adopted
    internbudget's investment plan when the year was started."""

    investment = models.ForeignKey(
        Investment, models.CASCADE, related_name="year_budgets", verbose_name="investering"
    )
    year = models.PositiveSmallIntegerField("år")
    amount = money_field("budget (kr)")
    internal_budget = models.ForeignKey(
        InternalBudget,
        models.PROTECT,
        related_name="investment_budgets",
        verbose_name="internbudget",
    )

    class Meta:
        verbose_name = "investeringsbudget"
        verbose_name_plural = "investeringsbudgetar"
        ordering = ["year", "investment"]
        constraints = [
            models.UniqueConstraint(fields=["investment", "year"], name="investment_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.investment} {self.year}"


class LedgerDimension(models.TextChoices):
    OPERATION = "verksamhet", "Verksamhet"
    RESPONSIBILITY = "ansvar", "Ansvar"
    # Amounts booked on neither (a line with no codes, or the part of an SIE account's
    # balance that its object lines do not cover): mapped with an empty code.
    NONE = "utan_kod", "Utan ansvar och verksamhet"


class LedgerCodeMapping(models.Model):
    """Which driftsammandrag row a ledger code belongs to, from a year on.

    A mapping holds for its year and every later year until a newer mapping of the same
    code replaces it; in a later year it points at the successor of its row. Ansvar codes
    identify the nämnd's own units and win over verksamhet codes. A verksamhet code with
    no mapping goes to the row whose verksamhet has that code.
    """

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="ledger_mappings", verbose_name="nämnd"
    )
    year = models.PositiveSmallIntegerField("gäller från år")
    dimension = models.CharField("dimension", max_length=12, choices=LedgerDimension.choices)
    code = models.CharField(
        "kod",
        max_length=40,
        blank=True,
        help_text="Tom för dimensionen utan ansvar och verksamhet.",
    )
    row = models.ForeignKey(
        SummaryRow,
        models.CASCADE,
        related_name="ledger_mappings",
        verbose_name="rad i driftsammandrag",
    )

    class Meta:
        verbose_name = "kodmappning"
        verbose_name_plural = "kodmappningar"
        ordering = ["committee", "dimension", "code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "dimension", "code"],
                name="ledger_code_mapping_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} {self.code} → {self.row.label} (från {self.year})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.row_id and self.committee_id and self.row.committee_id != self.committee_id:
            raise ValidationError({"row": "Raden hör till en annan nämnd."})
        if self.row_id and self.year and self.row.year != self.year:
            raise ValidationError(
                {"row": f"Raden hör till år {self.row.year}; mappningen gäller från {self.year}."}
            )
        if self.dimension == LedgerDimension.NONE and self.code:
            raise ValidationError(
                {"code": "Rader utan ansvar och verksamhet har ingen kod: lämna fältet tomt."}
            )
        if self.dimension and self.dimension != LedgerDimension.NONE and not self.code:
            raise ValidationError({"code": "Ange koden."})


class ImportProfileQuerySet(models.QuerySet):
    def for_committee(self, committee: Committee) -> "ImportProfileQuerySet":
        """The profiles a nämnd may use: its kommun's shared ones and its own."""
        return self.filter(
            Q(committee__isnull=True) | Q(committee=committee),
            municipality_id=committee.municipality_id,
        )

    def for_committees(self, committee_ids) -> "ImportProfileQuerySet":
        """The profiles of any of these nämnder: their kommuns' shared ones and their own."""
        municipalities = Committee.objects.filter(pk__in=committee_ids).values("municipality_id")
        return self.filter(
            Q(committee__isnull=True) | Q(committee__in=committee_ids),
            municipality__in=municipalities,
        )


class ImportProfile(models.Model):
    """How one ledger system writes its exports: its column headers and SIE dimensions.

    A profile belongs to a kommun (shared by its nämnder) or to one nämnd of it; its name
    is unique within the kommun. `columns` maps a field (period, year, month, account,
    responsibility, operation, activity, project, actual, debit, credit, budget) to the
    header the ledger system writes for it. Headers not named here are still found by
    their usual Swedish names.
    """

    municipality = models.ForeignKey(
        Municipality, models.CASCADE, related_name="import_profiles", verbose_name="kommun"
    )
    committee = models.ForeignKey(
        Committee,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="import_profiles",
        verbose_name="nämnd",
        help_text="Tom: profilen gäller alla kommunens nämnder.",
    )
    name = models.CharField("namn", max_length=100)
    description = models.TextField("beskrivning", blank=True)
    columns = models.JSONField("kolumnrubriker", default=dict, blank=True)
    sie_operation_dimension = models.PositiveSmallIntegerField(
        "SIE-dimension för verksamhet",
        default=20,
        help_text="Dimensionsnumret i #DIM/#OBJEKT som bär verksamhetskoden (oftast ≥ 20).",
    )
    sie_responsibility_dimension = models.PositiveSmallIntegerField(
        "SIE-dimension för ansvar",
        default=1,
        help_text="Dimensionsnumret för ansvar/kostnadsställe (1 i SIE-standarden).",
    )

    objects = ImportProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "importprofil"
        verbose_name_plural = "importprofiler"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="import_profile_name_unique_per_municipality",
                violation_error_message="Kommunen har redan en importprofil med det namnet.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.committee_id and self.municipality_id != self.committee.municipality_id:
            raise ValidationError(
                {"committee": f"{self.committee} hör inte till {self.municipality}."}
            )


class ImportStatus(models.TextChoices):
    READING = "reading", "Läses in"
    PREVIEW = "preview", "Förhandsgranskas"
    REFUSED = "refused", "Avvisad"
    ACTIVE = "active", "Inläst"
    UNCHANGED = "unchanged", "Redan inläst – inget ändrat"
    DISCARDED = "discarded", "Avbruten"
    UNDONE = "undone", "Ångrad"


# A reading that has not finished in this time died with its process.
READING_STALE_AFTER = datetime.timedelta(hours=1)


class LedgerImportQuerySet(models.QuerySet):
    def for_committee(self, committee: Committee) -> "LedgerImportQuerySet":
        return self.filter(committee=committee)

    def reading_for(self, committee: Committee, user) -> "LedgerImportQuerySet":
        """The files being read (or waiting to be) for the nämnd or uploaded by the user."""
        by = Q(committee=committee)
        if user is not None and user.is_authenticated:
            by |= Q(created_by=user)
        return self.filter(
            by,
            status=ImportStatus.READING,
            created_at__gte=timezone.now() - READING_STALE_AFTER,
        )


class LedgerImport(models.Model):
    """One ledger file brought into the application, from upload to stored (or refused).

    `months` lists the [year, month, measure] the file covers; an active import replaces
    what was stored for the nämnd in exactly those. `replaced_amounts` keeps the monthly
    amounts it replaced, so that undoing it restores them exactly.
    """

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="ledger_imports", verbose_name="nämnd"
    )
    created_by = models.ForeignKey(
        "auth.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger_imports",
        verbose_name="inläst av",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    confirmed_at = models.DateTimeField("bekräftad", null=True, blank=True)
    undone_at = models.DateTimeField("ångrad", null=True, blank=True)
    file_name = models.CharField("filnamn", max_length=255)
    file_size = models.PositiveBigIntegerField("filstorlek (byte)", default=0)
    checksum = models.CharField("kontrollsumma (SHA-256)", max_length=64)
    file_format = models.CharField("format", max_length=10, blank=True)
    profile = models.ForeignKey(
        ImportProfile,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name="importprofil",
    )
    status = models.CharField(
        "status", max_length=10, choices=ImportStatus.choices, default=ImportStatus.READING
    )
    progress = models.PositiveSmallIntegerField("förlopp (%)", default=0)
    errors = models.JSONField("fel", default=list, blank=True)
    months = models.JSONField("månader", default=list, blank=True)
    line_count = models.PositiveIntegerField("antal rader", default=0)
    total = money_field("summa (kr)", default=0)
    preview = models.JSONField("förhandsgranskning", default=dict, blank=True)
    replaced_amounts = models.JSONField("ersatta månadsbelopp", default=list, blank=True)
    upload_path = models.CharField("uppladdad fil", max_length=500, blank=True)

    objects = LedgerImportQuerySet.as_manager()

    class Meta:
        verbose_name = "import av huvudbok"
        verbose_name_plural = "importer av huvudbok"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["committee", "status"], name="ledger_import_status")]

    def __str__(self) -> str:
        return f"{self.committee.code} {self.file_name} ({self.get_status_display()})"


class LedgerLine(models.Model):
    """One line of a ledger file: a posting or a period balance, mapped to its row.

    A line counts while its import is active and no later import has replaced its month.

    The table takes files of hundreds of thousands of lines at COPY speed, so it carries
    one index and no per-row foreign-key triggers for the import, nämnd and row: the import
    writes only ids it has just resolved, and Django's on_delete rules still hold.
    """

    ledger_import = models.ForeignKey(
        LedgerImport,
        models.CASCADE,
        related_name="lines",
        verbose_name="import",
        db_constraint=False,
        db_index=False,
    )
    committee = models.ForeignKey(
        Committee,
        models.CASCADE,
        related_name="ledger_lines",
        verbose_name="nämnd",
        db_constraint=False,
        db_index=False,
    )
    # A row with ledger lines cannot be deleted on its own; with its whole nämnd it can.
    row = models.ForeignKey(
        SummaryRow,
        models.RESTRICT,
        related_name="ledger_lines",
        verbose_name="rad",
        db_constraint=False,
        db_index=False,
    )
    year = models.PositiveSmallIntegerField("år")
    month = models.PositiveSmallIntegerField("månad")
    measure = models.CharField("mått", max_length=10, choices=Measure.choices)
    account = models.CharField("konto", max_length=20)
    responsibility = models.CharField("ansvar", max_length=40, blank=True)
    operation_code = models.CharField("verksamhet", max_length=40, blank=True)
    activity = models.CharField("aktivitet", max_length=40, blank=True)
    project = models.CharField("projekt", max_length=40, blank=True)
    amount = money_field("belopp (kr)")
    source_row = models.PositiveIntegerField("rad i filen")
    replaced_by = models.ForeignKey(
        LedgerImport,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_lines",
        verbose_name="ersatt av",
        db_index=False,
    )

    class Meta:
        verbose_name = "huvudboksrad"
        verbose_name_plural = "huvudboksrader"
        indexes = [
            # Lines of an import (replace, undo, discard) and of a row in it (the lines
            # behind a figure).
            models.Index(fields=["ledger_import", "row", "month"], name="ledger_line_import_row"),
            # New lines are never replaced: this index costs nothing when a file is stored.
            models.Index(
                fields=["replaced_by"],
                name="ledger_line_replaced_by",
                condition=Q(replaced_by__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="ledger_line_month_1_12"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.year}-{self.month:02d} {self.amount}"


def is_revenue_account(account: str) -> bool:
    """Kommun-Bas: class 3 is intäkter; classes 4–9 are kostnader."""
    return account.startswith("3")


def is_balance_account(account: str) -> bool:
    """Kommun-Bas: classes 1–2 are balance accounts, never imported into a driftsammandrag."""
    return account.startswith(("1", "2"))
