"""Indicators: nämndindikatorer, volymmått and personal figures, with their sub-series,
values per period (or I.U. with a reason) and targets (målvärden) per year."""

from django.db import models
from django.db.models import Q

from amn.models import Administration, Committee
from goals.models import CommitteeGoal
from indicators.targets import describe_target, format_value
from indicators.values import MAX_DECIMALS, MAX_DIGITS


class IndicatorKind(models.TextChoices):
    INDICATOR = "indicator", "Nämndindikator"
    VOLUME = "volume", "Volymmått"
    PERSONNEL = "personnel", "Personal"


class Direction(models.TextChoices):
    INCREASE = "increase", "Högre är bättre"
    DECREASE = "decrease", "Lägre är bättre"
    NONE = "", "Ingen riktning"


class Indicator(models.Model):
    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="indicators", verbose_name="nämnd"
    )
    kind = models.CharField("typ", max_length=10, choices=IndicatorKind.choices)
    goals = models.ManyToManyField(
        CommitteeGoal,
        through="GoalIndicator",
        related_name="indicators",
        blank=True,
        verbose_name="nämndmål",
    )
    group = models.CharField(
        "grupp", max_length=200, blank=True, help_text="Underrubrik i måltabellen."
    )
    name = models.CharField("namn", max_length=400)
    unit = models.CharField("enhet", max_length=30, blank=True)
    source = models.CharField("källa", max_length=200, blank=True)
    kolada_kpi = models.CharField("Kolada-nyckeltal", max_length=20, blank=True)
    direction = models.CharField(
        "riktning", max_length=10, choices=Direction.choices, blank=True, default=""
    )
    person_based = models.BooleanField(
        "personbaserad",
        default=False,
        help_text="Mäter personer och ska därför redovisas för kvinnor och män.",
    )
    note = models.TextField("fotnot", blank=True)
    position = models.PositiveSmallIntegerField("ordning", default=0)

    class Meta:
        verbose_name = "indikator"
        verbose_name_plural = "indikatorer"
        ordering = ["committee", "kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "kind", "group", "name"], name="indicator_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GoalIndicator(models.Model):
    """An indicator follows up a nämndmål during some years.

    The same indicator may move to another nämndmål when the goals are renewed, so the link
    carries its years; the goal table of a year shows the links valid that year.
    """

    goal = models.ForeignKey(
        CommitteeGoal, models.CASCADE, related_name="indicator_links", verbose_name="nämndmål"
    )
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="goal_links", verbose_name="indikator"
    )
    first_year = models.PositiveSmallIntegerField("från år")
    last_year = models.PositiveSmallIntegerField("till och med år")
    position = models.PositiveSmallIntegerField("ordning", default=0)

    class Meta:
        verbose_name = "indikator för nämndmål"
        verbose_name_plural = "indikatorer för nämndmål"
        ordering = ["goal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "indicator"], name="goal_indicator_unique"),
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")),
                name="goal_indicator_years_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal} – {self.indicator} ({self.first_year}–{self.last_year})"


class Gender(models.TextChoices):
    TOTAL = "T", "Totalt"
    WOMEN = "K", "Kvinnor"
    MEN = "M", "Män"


class Series(models.Model):
    """A sub-series of an indicator: Totalt, Kvinnor, Män, per förvaltning, per studieväg."""

    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="series", verbose_name="indikator"
    )
    label = models.CharField("delserie", max_length=100)
    gender = models.CharField("kön", max_length=1, choices=Gender.choices, default=Gender.TOTAL)
    administration = models.ForeignKey(
        Administration,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
        verbose_name="förvaltning",
    )
    position = models.PositiveSmallIntegerField("ordning", default=0)

    class Meta:
        verbose_name = "delserie"
        verbose_name_plural = "delserier"
        ordering = ["indicator", "position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "label"], name="series_unique_label")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} – {self.label}"


class ValueKind(models.TextChoices):
    OUTCOME = "outcome", "Utfall"
    FORECAST = "forecast", "Prognos"


class Origin(models.TextChoices):
    """Where a value came from: a value entered by hand is never overwritten by a fetch
    from Kolada unless the user asks for it."""

    MANUAL = "manual", "Inmatat"
    EXCEL = "excel", "Excel-import"
    KOLADA = "kolada", "Kolada"


class IndicatorValue(models.Model):
    """A measured (or forecast) value of a series at the end of `month` of `year`.

    A value that is missing is stored with `value` empty and `missing` set (I.U., ingen
    uppgift), and its reason in `note`.
    """

    series = models.ForeignKey(
        Series, models.CASCADE, related_name="values", verbose_name="delserie"
    )
    year = models.PositiveSmallIntegerField("år")
    month = models.PositiveSmallIntegerField("månad", default=12)
    kind = models.CharField(
        "typ", max_length=10, choices=ValueKind.choices, default=ValueKind.OUTCOME
    )
    value = models.DecimalField(
        "värde", max_digits=MAX_DIGITS, decimal_places=MAX_DECIMALS, null=True, blank=True
    )
    decimals = models.PositiveSmallIntegerField(
        "decimaler", default=0, help_text="Så många decimaler som värdet redovisas med."
    )
    missing = models.BooleanField("I.U. (ingen uppgift)", default=False)
    annotation = models.CharField("tillägg", max_length=100, blank=True)
    note = models.TextField("fotnot", blank=True)
    origin = models.CharField(
        "källa för värdet", max_length=10, choices=Origin.choices, default=Origin.MANUAL
    )

    class Meta:
        verbose_name = "indikatorvärde"
        verbose_name_plural = "indikatorvärden"
        ordering = ["series", "year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "month", "kind"], name="indicator_value_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(missing=True, value__isnull=True) | Q(missing=False, value__isnull=False)
                ),
                name="indicator_value_present_or_missing",
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="indicator_value_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}-{self.month:02d}"

    @property
    def display(self) -> str:
        """The value as the report prints it: "88,9", or "I.U." when missing."""
        return format_value(self.value, self.decimals)


class TargetKind(models.TextChoices):
    NUMBER = "number", "Tal"
    BOUND = "bound", "Gräns"
    DIRECTION = "direction", "Riktning"
    TEXT = "text", "Text"
    MISSING = "missing", "I.U."


class Comparison(models.TextChoices):
    GTE = ">=", "≥"
    LTE = "<=", "≤"
    GT = ">", ">"
    LT = "<", "<"


class Target(models.Model):
    """A målvärde of a series for a year: a number, a bound, a direction or a text."""

    series = models.ForeignKey(
        Series, models.CASCADE, related_name="targets", verbose_name="delserie"
    )
    year = models.PositiveSmallIntegerField("år")
    kind = models.CharField("typ", max_length=10, choices=TargetKind.choices)
    comparison = models.CharField(
        "jämförelse", max_length=2, choices=Comparison.choices, blank=True
    )
    value = models.DecimalField(
        "värde", max_digits=MAX_DIGITS, decimal_places=MAX_DECIMALS, null=True, blank=True
    )
    decimals = models.PositiveSmallIntegerField(
        "decimaler", default=0, help_text="Så många decimaler som värdet redovisas med."
    )
    direction = models.CharField(
        "riktning", max_length=10, choices=Direction.choices, blank=True, default=""
    )
    text = models.CharField("text", max_length=300, blank=True)
    note = models.TextField("fotnot", blank=True)

    class Meta:
        verbose_name = "målvärde"
        verbose_name_plural = "målvärden"
        ordering = ["series", "year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="target_unique"),
            models.CheckConstraint(
                condition=~Q(kind__in=["number", "bound"]) | Q(value__isnull=False),
                name="target_number_has_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.display}"

    @property
    def display(self) -> str:
        return describe_target(self)


class KoladaValue(models.Model):
    """A value fetched from Kolada for any municipality (the nämnd's own, peers, Riket
    0000): the store the indicator page compares against, so reading never waits on
    Kolada."""

    kpi = models.CharField("nyckeltal", max_length=20)
    municipality = models.CharField("Kolada-id", max_length=4)
    year = models.PositiveSmallIntegerField("år")
    gender = models.CharField("kön", max_length=1, choices=Gender.choices)
    value = models.DecimalField(
        "värde", max_digits=MAX_DIGITS, decimal_places=MAX_DECIMALS, null=True, blank=True
    )
    fetched_at = models.DateTimeField("hämtat", auto_now=True)

    class Meta:
        verbose_name = "värde från Kolada"
        verbose_name_plural = "värden från Kolada"
        ordering = ["kpi", "municipality", "year", "gender"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "municipality", "year", "gender"], name="kolada_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.municipality} {self.year} {self.gender}"
