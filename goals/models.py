"""Goals: målområden, kommunövergripande mål, nämndmål and their follow-up per period."""

from django.db import models

from amn.models import Administration, Committee, Municipality, ReportingPeriod


class GoalArea(models.Model):
    """A målområde: Samhälle, Medborgare, Ekonomi, Verksamhet, Medarbetare."""

    name = models.CharField("namn", max_length=100, unique=True)
    position = models.PositiveSmallIntegerField("ordning", default=0)

    class Meta:
        verbose_name = "målområde"
        verbose_name_plural = "målområden"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class MunicipalGoal(models.Model):
    """A kommunövergripande mål set by KF; names change between budget periods."""

    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="goals", verbose_name="kommun"
    )
    area = models.ForeignKey(
        GoalArea, models.PROTECT, related_name="municipal_goals", verbose_name="målområde"
    )
    name = models.CharField("namn", max_length=300)
    description = models.TextField("beskrivning", blank=True)
    first_year = models.PositiveSmallIntegerField("gäller från år")
    last_year = models.PositiveSmallIntegerField("gäller till och med år")

    class Meta:
        verbose_name = "kommunövergripande mål"
        verbose_name_plural = "kommunövergripande mål"
        ordering = ["area__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="municipal_goal_unique"),
            models.CheckConstraint(
                condition=models.Q(last_year__gte=models.F("first_year")),
                name="municipal_goal_years_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeGoalQuerySet(models.QuerySet):
    def in_year(self, year: int):
        """The nämndmål in force in `year`."""
        return self.filter(first_year__lte=year, last_year__gte=year)


class CommitteeGoal(models.Model):
    """A nämndmål under a kommunövergripande mål."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="goals", verbose_name="nämnd"
    )
    municipal_goal = models.ForeignKey(
        MunicipalGoal,
        models.PROTECT,
        related_name="committee_goals",
        verbose_name="kommunövergripande mål",
    )
    name = models.CharField("namn", max_length=300)
    description = models.TextField("beskrivning", blank=True)
    position = models.PositiveSmallIntegerField("ordning", default=0)
    first_year = models.PositiveSmallIntegerField("gäller från år")
    last_year = models.PositiveSmallIntegerField("gäller till och med år")

    objects = CommitteeGoalQuerySet.as_manager()

    class Meta:
        verbose_name = "nämndmål"
        verbose_name_plural = "nämndmål"
        ordering = ["committee", "position", "name"]
        constraints = [
            # A nämndmål keeps its name when the goals are renewed under new
            # kommunövergripande mål; each budget period's goal is its own.
            models.UniqueConstraint(
                fields=["committee", "name", "first_year"], name="committee_goal_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(last_year__gte=models.F("first_year")),
                name="committee_goal_years_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentLevel(models.TextChoices):
    MET = "uppnas", "Uppnås"
    PARTLY = "delvis", "Uppnås delvis"
    NOT_MET = "ej", "Uppnås ej"
    CANNOT_ASSESS = "kan_ej_bedomas", "Kan ej bedömas"

    @property
    def colour(self) -> str:
        return {"uppnas": "green", "delvis": "yellow", "ej": "red"}.get(self.value, "grey")


class GoalAssessment(models.Model):
    """A målbedömning of a nämndmål at a reporting period."""

    goal = models.ForeignKey(
        CommitteeGoal, models.CASCADE, related_name="assessments", verbose_name="nämndmål"
    )
    period = models.ForeignKey(
        ReportingPeriod, models.CASCADE, related_name="assessments", verbose_name="period"
    )
    level = models.CharField("bedömning", max_length=20, choices=AssessmentLevel.choices)
    motivation = models.TextField("motivering", blank=True)
    suggested_level = models.CharField(
        "föreslagen bedömning", max_length=20, choices=AssessmentLevel.choices, blank=True
    )
    suggestion = models.TextField(
        "underlag för förslaget", blank=True, help_text="Hur förslaget räknades fram."
    )
    reason = models.TextField(
        "skäl för annan bedömning än förslaget",
        blank=True,
        help_text="Krävs när bedömningen skiljer sig från förslaget.",
    )

    class Meta:
        verbose_name = "målbedömning"
        verbose_name_plural = "målbedömningar"
        ordering = ["period", "goal__position"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "period"], name="goal_assessment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.goal} {self.period.key}: {self.get_level_display()}"

    @property
    def colour(self) -> str:
        return AssessmentLevel(self.level).colour


class AssessmentRules(models.Model):
    """How a nämnd turns its indicators into a suggested målbedömning.

    The share of a nämndmål's judged indicators that meet their målvärde (I.U. and
    indicators without a målvärde left out) decides: at least `met_from_percent` suggests
    Uppnås, at least `partly_from_percent` Uppnås delvis, less Uppnås ej; fewer than
    `minimum_judged` judged indicators suggests Kan ej bedömas.
    """

    committee = models.OneToOneField(
        Committee, models.CASCADE, related_name="assessment_rules", verbose_name="nämnd"
    )
    met_from_percent = models.PositiveSmallIntegerField("Uppnås från (%)", default=80)
    partly_from_percent = models.PositiveSmallIntegerField("Uppnås delvis från (%)", default=40)
    minimum_judged = models.PositiveSmallIntegerField("minsta antal bedömda indikatorer", default=1)

    class Meta:
        verbose_name = "regler för föreslagen målbedömning"
        verbose_name_plural = "regler för föreslagen målbedömning"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(met_from_percent__lte=100)
                & models.Q(partly_from_percent__lte=models.F("met_from_percent")),
                name="assessment_rules_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_judged__gte=1), name="assessment_rules_minimum"
            ),
        ]

    def __str__(self) -> str:
        return f"Regler för {self.committee}"


class AssessmentPointKind(models.TextChoices):
    RESULT = "result", "Resultat som bidragit"
    DEVIATION = "deviation", "Avvikelse"


class AssessmentPoint(models.Model):
    """One listed result that contributed, or one deviation, of a målbedömning."""

    assessment = models.ForeignKey(
        GoalAssessment, models.CASCADE, related_name="points", verbose_name="målbedömning"
    )
    kind = models.CharField("typ", max_length=10, choices=AssessmentPointKind.choices)
    position = models.PositiveSmallIntegerField("ordning")
    text = models.TextField("text")

    class Meta:
        verbose_name = "punkt i målbedömning"
        verbose_name_plural = "punkter i målbedömning"
        ordering = ["assessment", "kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind", "position"], name="assessment_point_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Status(models.TextChoices):
    NOT_STARTED = "ej_paborjad", "Ej påbörjad"
    PLANNED = "planerad", "Planerad"
    IN_PROGRESS = "pagar", "Pågår"
    REMAINS = "kvarstar", "Kvarstår"
    DELAYED = "forsenad", "Försenad"
    PARTLY_DONE = "delvis_genomford", "Delvis genomförd"
    DONE = "genomford", "Genomförd"
    CANCELLED = "avbruten", "Avbruten"


class PeriodStatus(models.Model):
    """The status of something followed up, with a comment, at one reporting period."""

    period = models.ForeignKey(
        ReportingPeriod, models.CASCADE, related_name="%(class)s_set", verbose_name="period"
    )
    status = models.CharField("status", max_length=20, choices=Status.choices)
    comment = models.TextField("kommentar", blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.subject} {self.period.key}: {self.get_status_display()}"


class AssignmentScope(models.TextChoices):
    MUNICIPAL = "kommungemensamt", "Kommungemensamt"
    COMMITTEE = "namndspecifikt", "Nämndspecifikt"


class StrategicAssignment(models.Model):
    """A strategiskt utvecklingsuppdrag given to the nämnd (or to all nämnder)."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="assignments", verbose_name="nämnd"
    )
    scope = models.CharField("typ", max_length=20, choices=AssignmentScope.choices)
    title = models.TextField("uppdrag")
    description = models.TextField("beskrivning", blank=True)
    first_year = models.PositiveSmallIntegerField("år")
    position = models.PositiveSmallIntegerField("ordning", default=0)

    class Meta:
        verbose_name = "strategiskt utvecklingsuppdrag"
        verbose_name_plural = "strategiska utvecklingsuppdrag"
        ordering = ["committee", "scope", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "title", "first_year"], name="assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title[:100]


class AssignmentStatus(PeriodStatus):
    assignment = models.ForeignKey(
        StrategicAssignment, models.CASCADE, related_name="statuses", verbose_name="uppdrag"
    )

    class Meta:
        verbose_name = "status för uppdrag"
        verbose_name_plural = "status för uppdrag"
        ordering = ["period", "assignment"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period"], name="assignment_status_unique"
            )
        ]

    @property
    def subject(self):
        return self.assignment


class PlanActivity(models.Model):
    """An activity of a förvaltning's verksamhetsplan, serving a nämndmål or an uppdrag.

    The same activity text may serve several uppdrag, so activities are told apart by
    their place in the plan.
    """

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="plan_activities", verbose_name="nämnd"
    )
    administration = models.ForeignKey(
        Administration, models.PROTECT, related_name="plan_activities", verbose_name="förvaltning"
    )
    goal = models.ForeignKey(
        CommitteeGoal,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="nämndmål",
    )
    assignment = models.ForeignKey(
        StrategicAssignment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="uppdrag",
    )
    year = models.PositiveSmallIntegerField("år")
    position = models.PositiveSmallIntegerField("ordning", default=0)
    text = models.TextField("aktivitet")
    planned = models.CharField(
        "planerat klart", max_length=100, blank=True, help_text="Q1–Q4 eller kontinuerligt."
    )

    class Meta:
        verbose_name = "aktivitet i verksamhetsplan"
        verbose_name_plural = "aktiviteter i verksamhetsplan"
        ordering = ["committee", "year", "administration", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "administration", "year", "position"],
                name="plan_activity_unique_position",
            )
        ]

    def __str__(self) -> str:
        return self.text[:100]


class ActivityStatus(PeriodStatus):
    activity = models.ForeignKey(
        PlanActivity, models.CASCADE, related_name="statuses", verbose_name="aktivitet"
    )

    class Meta:
        verbose_name = "status för aktivitet"
        verbose_name_plural = "status för aktiviteter"
        ordering = ["period", "activity"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "period"], name="activity_status_unique")
        ]

    @property
    def subject(self):
        return self.activity


class InternalControlPoint(models.Model):
    """A control point of the nämnd's internkontrollplan for one year."""

    committee = models.ForeignKey(
        Committee, models.CASCADE, related_name="internal_controls", verbose_name="nämnd"
    )
    year = models.PositiveSmallIntegerField("år")
    position = models.PositiveSmallIntegerField("ordning", default=0)
    process = models.CharField("process/rutin", max_length=300, blank=True)
    control = models.TextField("kontrollmoment")

    class Meta:
        verbose_name = "internkontrollpunkt"
        verbose_name_plural = "internkontrollpunkter"
        ordering = ["committee", "year", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "control"], name="internal_control_unique"
            )
        ]

    def __str__(self) -> str:
        return self.control[:100]


class InternalControlStatus(PeriodStatus):
    point = models.ForeignKey(
        InternalControlPoint, models.CASCADE, related_name="statuses", verbose_name="kontrollpunkt"
    )

    class Meta:
        verbose_name = "status för internkontroll"
        verbose_name_plural = "status för internkontroll"
        ordering = ["period", "point"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "period"], name="internal_control_status_unique"
            )
        ]

    @property
    def subject(self):
        return self.point
