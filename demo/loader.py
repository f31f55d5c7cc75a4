"""Load the demo nämnd (Arbetsmarknadsnämnden in Linköping) from the seeds' transcriptions.

The data files in `demo/data/` are described in `FORMAT.md` there. Every object is
found by its natural key and updated in place, so loading twice leaves the same database.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from amn.lib.money import parse_swedish_number
from amn.models import (
    Administration,
    Committee,
    CommitteeMembership,
    Municipality,
    PeriodKind,
    ReportingPeriod,
    ReportText,
    Role,
    Section,
)
from budget.models import (
    BudgetStatus,
    Forecast,
    FrameAdjustment,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetColumn,
    InternalBudgetRow,
    Investment,
    InvestmentFollowUp,
    InvestmentPlanAmount,
    Measure,
    MonthlyAmount,
    Operation,
    OwnUnit,
    RowKind,
    SummaryRow,
)
from budget.services.year_start import describe, is_started, start_year
from demo.models import DemoUser
from goals.models import (
    ActivityStatus,
    AssessmentPoint,
    AssessmentPointKind,
    AssignmentStatus,
    CommitteeGoal,
    GoalArea,
    GoalAssessment,
    InternalControlPoint,
    InternalControlStatus,
    MunicipalGoal,
    PlanActivity,
    Status,
    StrategicAssignment,
)
from indicators.models import GoalIndicator, Indicator, IndicatorValue, Series, Target
from indicators.targets import decimals_of, parse_target
from reports.services.publishing import publish_report

DATA_DIR = Path(__file__).resolve().parent.parent / "demo" / "data"

UNIT_FACTORS = {"kr": Decimal(1), "tkr": Decimal(1_000), "mnkr": Decimal(1_000_000)}
STATUS_BY_WORD = {label.lower(): value for value, label in Status.choices}

DEMO_USERS = [
    # username, first name, last name, role (None: administrator)
    ("admin", "Ada", "Administratör", None),
    ("forvaltning", "Frida", "Förvaltning", Role.STAFF),
    ("controller", "Carl", "Controller", Role.CONTROLLER),
    ("ledamot", "Nils", "Nämndledamot", Role.MEMBER),
]


class DemoDataError(Exception):
    """A data file does not follow FORMAT.md; the message names the file and the place."""


@dataclass
class DemoSummary:
    committee: Committee
    users: list[tuple[str, str, str]] = field(default_factory=list)
    # Demo usernames taken by users the demo did not make, which it leaves untouched.
    left_alone: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    # What starting the followed-up years did (start_year's description).
    started: list[str] = field(default_factory=list)


# The seeds hold the adopted internbudget 2024 and the 2023 delårsrapport: 2024 is the year
# the demo nämnd goes on to follow up, started as the application starts any year.
STARTED_YEARS = (2024,)
FOLLOW_UP_KINDS = [kind for kind in PeriodKind.values if kind != PeriodKind.BUDGET]


def demo_password(username: str) -> str:
    """A stable password per installation: derived from SECRET_KEY, so it is unguessable
    where the secret is, and the same each time the demo is loaded."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo:{username}".encode(), hashlib.sha256)
    return f"{username}-{digest.hexdigest()[:12]}"


def load_demo(data_dir: Path = DATA_DIR, *, publish: bool = False) -> DemoSummary:
    with transaction.atomic():
        loader = _Loader(data_dir)
        loader.load()
        started = [
            line for year in STARTED_YEARS for line in describe(start_year(loader.committee, year))
        ]
        published = publish_demo_reports(loader.committee) if publish else []
    return DemoSummary(
        committee=loader.committee,
        users=loader.users,
        left_alone=loader.left_alone,
        counts=loader.counts(),
        published=published,
        started=started,
    )


def publish_demo_reports(committee: Committee) -> list[str]:
    """Publish every demo period not yet published, as the nämnd once published it.

    The demo's figures come from the printed reports, not from a ledger, so the ledger
    check before publishing cannot hold for them; these versions are published without
    it, by the demo controller, and say so. Reports published through the application are
    always checked."""
    publisher = get_user_model().objects.filter(username="controller", demo__isnull=False).first()
    if publisher is None:
        raise DemoDataError(
            "Demoperioderna publiceras av demoanvändaren controller, men användarnamnet "
            "controller tillhör en användare som demot inte har skapat. Kör utan --publish."
        )
    published = []
    for period in demo_periods_to_publish(committee):
        version = publish_report(
            period,
            publisher,
            None,
            "Demodata: publicerad ur den tryckta rapporten, utan avstämning mot huvudbok.",
            reconcile=False,
        )
        published.append(version.title)
    return published


def demo_periods_to_publish(committee: Committee):
    """The periods of the seeds' reports not yet published. The follow-ups of a year the
    application started (2024) have no printed report: the nämnd has yet to follow them up."""
    started = [year for year in STARTED_YEARS if is_started(committee, year)]
    return (
        ReportingPeriod.objects.filter(committee=committee, publications__isnull=True)
        .exclude(year__in=started, kind__in=FOLLOW_UP_KINDS)
        .order_by("year", "month", "kind")
    )


class _Loader:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.periods: dict[str, ReportingPeriod] = {}
        self.users: list[tuple[str, str, str]] = []
        self.left_alone: list[str] = []
        self.file = ""

    # ----- reading -------------------------------------------------------------------

    def read(self, name: str) -> dict:
        self.file = name
        path = self.data_dir / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DemoDataError(f"{name}: kan inte läsas: {exc}") from exc

    def files(self, prefix: str) -> list[str]:
        return sorted(p.name for p in self.data_dir.glob(f"{prefix}*.json"))

    def number(self, text: str | int | float, where: str) -> Decimal:
        try:
            return parse_swedish_number(str(text))
        except ValueError as exc:
            raise DemoDataError(f"{self.file}: {where}: {exc}") from exc

    def money(self, text: str | None, unit: str, where: str) -> Decimal | None:
        if text is None:
            return None
        return self.number(text, where) * UNIT_FACTORS[unit]

    @staticmethod
    def split_period(key: str) -> tuple[int, int]:
        year, month = key.split("-")
        return int(year), int(month)

    def period(self, key: str, where: str) -> ReportingPeriod:
        try:
            return self.periods[key]
        except KeyError:
            raise DemoDataError(
                f"{self.file}: {where}: perioden {key} finns inte i 'periods'."
            ) from None

    def status(self, word: str, where: str) -> str:
        try:
            return STATUS_BY_WORD[word.strip().lower()]
        except KeyError:
            raise DemoDataError(f"{self.file}: {where}: okänd status {word!r}.") from None

    # ----- loading -------------------------------------------------------------------

    def load(self) -> None:
        self.load_organisation(self.read("organisation.json"))
        # Budgets before follow-ups: where an internbudget and a later report print different
        # values for the same period, the report that followed the period up wins.
        names = sorted(
            self.files("money_") + self.files("goals_"), key=lambda n: ("internbudget" not in n, n)
        )
        documents = [(name, self.read(name)) for name in names]
        for name, document in documents:
            self.file = name
            self.load_periods(document.get("periods", []))
        for name, document in documents:
            self.file = name
            if "summary_rows" in document:
                self.load_operating_summary(document)
            for budget in document.get("internal_budgets", []):
                self.load_internal_budget(budget)
        self.link_budget_posts()
        for name, document in documents:
            self.file = name
            self.load_goal_side(document)
        self.load_users()

    def load_organisation(self, data: dict) -> None:
        self.municipality, _ = Municipality.objects.update_or_create(
            kolada_id=data["municipality"]["kolada_id"],
            defaults={"name": data["municipality"]["name"]},
        )
        self.committee, _ = Committee.objects.update_or_create(
            code=data["committee"]["code"],
            defaults={"name": data["committee"]["name"], "municipality": self.municipality},
        )
        self.administrations = {}
        for item in data["administrations"]:
            administration, _ = Administration.objects.update_or_create(
                municipality=self.municipality, code=item["code"], defaults={"name": item["name"]}
            )
            self.administrations[item["code"]] = administration
            if item["serves"]:
                self.committee.administrations.add(administration)
        self.operations = {}
        for item in data["operations"]:
            operation, _ = Operation.objects.update_or_create(
                municipality=self.municipality, code=item["code"], defaults={"name": item["name"]}
            )
            self.operations[item["code"]] = operation
        self.areas = {}
        for position, name in enumerate(data["goal_areas"]):
            area, _ = GoalArea.objects.update_or_create(name=name, defaults={"position": position})
            self.areas[name] = area

    def load_periods(self, periods: Iterable[dict]) -> None:
        for item in periods:
            year, month = self.split_period(item["period"])
            period, _ = ReportingPeriod.objects.update_or_create(
                committee=self.committee,
                year=year,
                month=month,
                kind=item["kind"],
                defaults={"title": item["title"]},
            )
            self.periods[item["period"]] = period

    def administration(self, code: str | None, where: str) -> Administration | None:
        return self.lookup(self.administrations, code, "förvaltning", where)

    def operation(self, code: str | None, where: str) -> Operation | None:
        return self.lookup(self.operations, code, "verksamhet", where)

    def lookup(self, known: dict, code: str | None, kind: str, where: str):
        if not code:
            return None
        try:
            return known[code]
        except KeyError:
            raise DemoDataError(f"{self.file}: {where}: okänd {kind} {code!r}.") from None

    # ----- money ---------------------------------------------------------------------

    def load_operating_summary(self, document: dict) -> None:
        year = document["summary_year"]
        period = self.period(document["summary_period"], "summary_period")
        month = period.month
        units = {}
        for item in document.get("own_units", []):
            unit, _ = OwnUnit.objects.update_or_create(
                committee=self.committee,
                name=item["name"],
                defaults={
                    "administration": self.administration(item.get("administration"), item["name"])
                },
            )
            units[item["name"]] = unit
        for position, item in enumerate(document["summary_rows"], start=1):
            where = f"rad {item['label']!r}"
            # The seeds print the previous year's figures on this year's rows, so the
            # previous year gets the same rows, linked as predecessors.
            previous = self.summary_row(year - 1, position, item, where)
            row = self.summary_row(year, position, item, where, predecessor=previous)
            for target in (previous, row):
                target.own_units.set([units[name] for name in item.get("own_units", [])])
            amounts = {k: Decimal(v) for k, v in item["amounts"].items()}
            revenues = {k: Decimal(v) for k, v in item.get("revenues", {}).items()}
            self.store_months(row, Measure.ACTUAL, month, amounts, revenues, "actual", None)
            self.store_months(
                row, Measure.BUDGET, month, amounts, revenues, "budget", "budget_full_year"
            )
            self.store_months(
                previous,
                Measure.ACTUAL,
                month,
                amounts,
                revenues,
                "actual_previous_year",
                "result_previous_year",
            )
            if "forecast" in amounts:
                Forecast.objects.update_or_create(
                    row=row,
                    period=period,
                    defaults={"amount": amounts["forecast"], "revenues": revenues.get("forecast")},
                )
        for item in document.get("investments", []):
            investment, _ = Investment.objects.update_or_create(
                committee=self.committee, name=item["name"], defaults={"code": item["code"]}
            )
            unit = item["unit"]
            InvestmentFollowUp.objects.update_or_create(
                investment=investment,
                period=self.period(item["period"], item["name"]),
                defaults={
                    name: self.money(item[name], unit, item["name"])
                    for name in (
                        "actual_expenditure",
                        "actual_income",
                        "forecast_expenditure",
                        "forecast_income",
                        "budget",
                    )
                },
            )

    def summary_row(
        self,
        year: int,
        position: int,
        item: dict,
        where: str,
        predecessor: SummaryRow | None = None,
    ) -> SummaryRow:
        parent = None
        if item.get("parent"):
            parent = SummaryRow.objects.get(
                committee=self.committee, year=year, label=item["parent"]
            )
        row, _ = SummaryRow.objects.update_or_create(
            committee=self.committee,
            year=year,
            label=item["label"],
            defaults={
                "position": position,
                "kind": RowKind(item["kind"]),
                "operation": self.operation(item.get("code"), where),
                "parent": parent,
                "predecessor": predecessor,
                "in_full_year_table": item.get("in_full_year_table", True),
            },
        )
        return row

    @staticmethod
    def store_months(
        row: SummaryRow,
        measure: str,
        month: int,
        amounts: dict[str, Decimal],
        revenues: dict[str, Decimal],
        to_date: str,
        full_year: str | None,
    ) -> None:
        """Spread a to-date figure evenly over months 1..month and the rest of the full-year
        figure over the months after; the seeds give no monthly detail."""
        parts = [(to_date, None, range(1, month + 1))]
        if full_year and full_year in amounts:
            parts.append((full_year, to_date, range(month + 1, 13)))
        for name, minus, months in parts:
            if name not in amounts:
                continue
            total = amounts[name] - (amounts[minus] if minus else 0)
            revenue_total = None
            if name in revenues:
                revenue_total = revenues[name] - (revenues.get(minus, 0) if minus else 0)
            shares = spread(total, len(months))
            revenue_shares = (
                spread(revenue_total, len(months))
                if revenue_total is not None
                else [None] * len(months)
            )
            for m, share, revenue in zip(months, shares, revenue_shares, strict=True):
                MonthlyAmount.objects.update_or_create(
                    row=row,
                    measure=measure,
                    month=m,
                    defaults={"amount": share, "revenues": revenue},
                )

    def load_internal_budget(self, item: dict) -> None:
        unit = item["unit"]
        revises = None
        if item.get("revises"):
            revises = InternalBudget.objects.get(
                committee=self.committee, year=item["year"], version=item["revises"]
            )
        budget, _ = InternalBudget.objects.update_or_create(
            committee=self.committee,
            year=item["year"],
            version=item["version"],
            defaults={
                "title": item["title"],
                "decision": item["decision"],
                "decision_date": date.fromisoformat(item["decision_date"])
                if item["decision_date"]
                else None,
                "revises": revises,
                "frame_decision": item["frame_decision"],
                # The seeds hold adopted internbudgetar only (the 2024 document prints no
                # decision: it stays empty).
                "status": BudgetStatus.ADOPTED,
                "period": self.period(item["period"], item["title"])
                if item.get("period")
                else None,
            },
        )
        columns = []
        for column in item["columns"]:
            where = f"{item['title']}, kolumn {column['year']}"
            stored, _ = InternalBudgetColumn.objects.update_or_create(
                budget=budget,
                year=column["year"],
                defaults={
                    "kind": column["kind"],
                    "frame": self.money(column.get("frame"), unit, where),
                    "revenues": self.money(column.get("revenues"), unit, where),
                    "costs": self.money(column.get("costs"), unit, where),
                    "own_units_result": self.money(column.get("own_units_result"), unit, where),
                    "investment_frame": self.money(column.get("investment_frame"), unit, where),
                },
            )
            columns.append(stored)
        rows: dict[str, InternalBudgetRow] = {}
        for position, row_item in enumerate(item["rows"], start=1):
            where = f"{item['title']}, {row_item['label']!r}"
            row, _ = InternalBudgetRow.objects.update_or_create(
                budget=budget,
                position=position,
                defaults={
                    "label": row_item["label"],
                    "operation": self.operation(row_item.get("operation"), where),
                    "parent": rows[row_item["change_of"]] if row_item.get("change_of") else None,
                },
            )
            rows[row_item["label"]] = row
            if len(row_item["amounts"]) != len(columns):
                raise DemoDataError(f"{self.file}: {where}: {len(columns)} belopp väntas.")
            for column, text in zip(columns, row_item["amounts"], strict=True):
                if text is None:
                    InternalBudgetAmount.objects.filter(row=row, column=column).delete()
                    continue
                InternalBudgetAmount.objects.update_or_create(
                    row=row, column=column, defaults={"amount": self.money(text, unit, where)}
                )
        for position, adjustment in enumerate(item.get("frame_adjustments", []), start=1):
            FrameAdjustment.objects.update_or_create(
                budget=budget,
                position=position,
                defaults={
                    "group": adjustment["group"],
                    "label": adjustment["label"],
                    "amount": self.money(adjustment["amount"], unit, adjustment["label"]),
                },
            )
        years = item.get("investment_years") or [column.year for column in columns]
        for investment_item in item.get("investments", []):
            investment, _ = Investment.objects.update_or_create(
                committee=self.committee,
                name=investment_item["name"],
                defaults={"group": investment_item.get("group", "")},
            )
            for year, text in zip(years, investment_item["amounts"], strict=True):
                InvestmentPlanAmount.objects.update_or_create(
                    budget=budget,
                    investment=investment,
                    year=year,
                    defaults={"amount": self.money(text, unit, investment_item["name"])},
                )

    def link_budget_posts(self) -> None:
        """A budgetpost continues the driftsammandrag row of the year before with the same
        verksamhet code, where the seeds hold that year's rows."""
        posts = InternalBudgetRow.objects.filter(
            budget__committee=self.committee, parent__isnull=True, operation__isnull=False
        ).select_related("budget")
        rows = {
            (row.year, row.operation_id): row
            for row in SummaryRow.objects.filter(
                committee=self.committee, parent__isnull=True, operation__isnull=False
            )
        }
        for post in posts:
            previous = rows.get((post.budget.year - 1, post.operation_id))
            if previous is not None:
                post.predecessors.set([previous])

    # ----- goals, indicators ---------------------------------------------------------

    def load_goal_side(self, document: dict) -> None:
        for item in document.get("municipal_goals", []):
            self.municipal_goal(item["area"], item["name"], item["year"], item.get("description"))
        for position, item in enumerate(document.get("goals", [])):
            self.committee_goal(item, position)
        for item in document.get("assessments", []):
            self.assessment(item)
        goal_years = {item["name"]: item["year"] for item in document.get("goals", [])}
        for position, item in enumerate(document.get("indicators", [])):
            self.indicator(item, position, goal_years)
        for position, item in enumerate(document.get("assignments", [])):
            self.assignment(item, position)
        for position, item in enumerate(document.get("activities", [])):
            self.activity(item, position)
        for position, item in enumerate(document.get("internal_controls", [])):
            self.internal_control(item, position)
        for position, item in enumerate(document.get("texts", [])):
            where = f"text {item.get('title')!r}"
            if item["section"] not in Section.values:
                raise DemoDataError(f"{self.file}: {where}: okänt avsnitt {item['section']!r}.")
            ReportText.objects.update_or_create(
                period=self.period(item["period"], where),
                section=item["section"],
                title=item.get("title") or "",
                defaults={"body": item["body"], "position": position},
            )

    def area(self, name: str) -> GoalArea:
        try:
            return self.areas[name]
        except KeyError:
            raise DemoDataError(f"{self.file}: okänt målområde {name!r}.") from None

    def municipal_goal(
        self, area: str, name: str, year: int, description: str | None
    ) -> MunicipalGoal:
        goal, created = MunicipalGoal.objects.get_or_create(
            municipality=self.municipality,
            name=name,
            defaults={
                "area": self.area(area),
                "first_year": year,
                "last_year": year,
                "description": description or "",
            },
        )
        changed = widen_years(goal, year)
        if description and goal.description != description:
            goal.description = description
            changed = True
        if changed and not created:
            goal.save()
        return goal

    def committee_goal(self, item: dict, position: int) -> CommitteeGoal:
        """The nämndmål of the document's year: the same goal as an earlier year's when it
        serves the same kommunövergripande mål, else a new goal for the new period."""
        municipal = self.municipal_goal(item["area"], item["municipal_goal"], item["year"], None)
        existing = CommitteeGoal.objects.filter(
            committee=self.committee, name=item["name"], municipal_goal=municipal
        ).first()
        if existing is None:
            return CommitteeGoal.objects.create(
                committee=self.committee,
                name=item["name"],
                municipal_goal=municipal,
                description=item.get("description") or "",
                first_year=item["year"],
                last_year=item["year"],
                position=position,
            )
        # The latest year decides the description and the place in the tables.
        latest = item["year"] >= existing.last_year
        changed = widen_years(existing, item["year"])
        description = item.get("description") or existing.description
        if latest and (existing.description, existing.position) != (description, position):
            existing.description, existing.position = description, position
            changed = True
        if changed:
            existing.save()
        return existing

    def goal(self, name: str, year: int, where: str) -> CommitteeGoal:
        """The nämndmål called `name` in `year`, or the latest one before it."""
        goal = (
            CommitteeGoal.objects.filter(committee=self.committee, name=name, first_year__lte=year)
            .order_by("-first_year")
            .first()
        )
        if goal is None:
            raise DemoDataError(f"{self.file}: {where}: okänt nämndmål {name!r} för {year}.")
        return goal

    def assessment(self, item: dict) -> None:
        where = f"målbedömning {item['goal']!r}"
        assessment, _ = GoalAssessment.objects.update_or_create(
            goal=self.goal(item["goal"], self.split_period(item["period"])[0], where),
            period=self.period(item["period"], where),
            defaults={"level": item["level"], "motivation": item.get("motivation") or ""},
        )
        for kind, texts in (
            (AssessmentPointKind.RESULT, item.get("results") or []),
            (AssessmentPointKind.DEVIATION, item.get("deviations") or []),
        ):
            for position, text in enumerate(texts):
                AssessmentPoint.objects.update_or_create(
                    assessment=assessment, kind=kind, position=position, defaults={"text": text}
                )
            assessment.points.filter(kind=kind, position__gte=len(texts)).delete()

    def indicator(self, item: dict, position: int, goal_years: dict[str, int]) -> None:
        where = f"indikator {item['name']!r}"
        indicator, _ = Indicator.objects.update_or_create(
            committee=self.committee,
            kind=item["kind"],
            group=item.get("group") or "",
            name=item["name"],
            defaults={
                "unit": item.get("unit") or "",
                "source": item.get("source") or "",
                "kolada_kpi": item.get("kolada_kpi") or "",
                "direction": item.get("direction") or "",
                "note": item.get("note") or "",
                "person_based": any(s.get("gender") in ("K", "M") for s in item["series"]),
                "position": position,
            },
        )
        if item.get("goal"):
            if item["goal"] not in goal_years:
                raise DemoDataError(f"{self.file}: {where}: nämndmålet finns inte i 'goals'.")
            year = goal_years[item["goal"]]
            self.link_goal(self.goal(item["goal"], year, where), indicator, year, position)
        for series_position, series_item in enumerate(item["series"]):
            series_where = f"{where}, delserie {series_item['label']!r}"
            series, _ = Series.objects.update_or_create(
                indicator=indicator,
                label=series_item["label"],
                defaults={
                    "gender": series_item.get("gender") or "T",
                    "administration": self.administration(
                        series_item.get("administration"), series_where
                    ),
                    "position": series_position,
                },
            )
            for value_item in series_item.get("values", []):
                self.indicator_value(series, value_item, series_where)
            for target_item in series_item.get("targets", []):
                parsed = parse_target(str(target_item["target"]))
                Target.objects.update_or_create(
                    series=series,
                    year=target_item["year"],
                    defaults={
                        "kind": parsed.kind,
                        "comparison": parsed.comparison,
                        "value": parsed.value,
                        "direction": parsed.direction,
                        "text": parsed.text,
                        "decimals": parsed.decimals,
                        "note": target_item.get("note") or "",
                    },
                )

    def link_goal(
        self, goal: CommitteeGoal, indicator: Indicator, year: int, position: int
    ) -> None:
        link, created = GoalIndicator.objects.get_or_create(
            goal=goal,
            indicator=indicator,
            defaults={"first_year": year, "last_year": year, "position": position},
        )
        if not created:
            # The latest year decides where the indicator stands in the goal's table.
            moved = year >= link.last_year and link.position != position
            if moved:
                link.position = position
            if widen_years(link, year) or moved:
                link.save()

    def indicator_value(self, series: Series, item: dict, where: str) -> None:
        year, month = self.split_period(item["period"])
        printed = str(item["value"]).strip()
        missing = printed.rstrip(".").upper() in {"I.U", "IU"}
        value = None if missing else self.number(printed, f"{where}, {item['period']}")
        IndicatorValue.objects.update_or_create(
            series=series,
            year=year,
            month=month,
            kind=item.get("kind") or "outcome",
            defaults={
                "value": value,
                "decimals": 0 if value is None else decimals_of(value),
                "missing": missing,
                "annotation": item.get("annotation") or "",
                "note": item.get("note") or "",
            },
        )

    def assignment(self, item: dict, position: int) -> None:
        assignment, _ = StrategicAssignment.objects.update_or_create(
            committee=self.committee,
            title=item["title"],
            first_year=item["year"],
            defaults={
                "scope": item["scope"],
                "description": item.get("description") or "",
                "position": position,
            },
        )
        where = f"uppdrag {item['title'][:40]!r}"
        self.store_statuses(AssignmentStatus, {"assignment": assignment}, item, where)

    def activity(self, item: dict, position: int) -> None:
        where = f"aktivitet {item['text'][:40]!r}"
        goal, assignment = self.goal_or_assignment(item.get("goal"), item["year"], where)
        activity, _ = PlanActivity.objects.update_or_create(
            committee=self.committee,
            administration=self.administration(item["administration"], where),
            year=item["year"],
            position=position,
            defaults={
                "text": item["text"],
                "goal": goal,
                "assignment": assignment,
                "planned": item.get("planned") or "",
            },
        )
        self.store_statuses(ActivityStatus, {"activity": activity}, item, where)

    def goal_or_assignment(
        self, name: str | None, year: int, where: str
    ) -> tuple[CommitteeGoal | None, StrategicAssignment | None]:
        """What an activity serves: a nämndmål, or else an uppdrag of the same year."""
        if not name:
            return None, None
        goal = (
            CommitteeGoal.objects.filter(committee=self.committee, name=name, first_year__lte=year)
            .order_by("-first_year")
            .first()
        )
        if goal:
            return goal, None
        assignment = StrategicAssignment.objects.filter(
            committee=self.committee, title=name, first_year=year
        ).first()
        if assignment:
            return None, assignment
        raise DemoDataError(f"{self.file}: {where}: okänt nämndmål eller uppdrag {name!r}.")

    def internal_control(self, item: dict, position: int) -> None:
        where = f"internkontroll {item['control'][:40]!r}"
        point, _ = InternalControlPoint.objects.update_or_create(
            committee=self.committee,
            year=item["year"],
            control=item["control"],
            defaults={"process": item.get("process") or "", "position": position},
        )
        self.store_statuses(InternalControlStatus, {"point": point}, item, where)

    def store_statuses(self, model, owner: dict, item: dict, where: str) -> None:
        """The status per period of an uppdrag, activity or internkontroll point."""
        for status in item.get("statuses", []):
            model.objects.update_or_create(
                **owner,
                period=self.period(status["period"], where),
                defaults={
                    "status": self.status(status["status"], where),
                    "comment": status.get("comment") or "",
                },
            )

    # ----- users ---------------------------------------------------------------------

    def load_users(self) -> None:
        user_model = get_user_model()
        for username, first_name, last_name, role in DEMO_USERS:
            user, created = user_model.objects.get_or_create(username=username)
            if created:
                DemoUser.objects.create(user=user)
            elif not DemoUser.objects.filter(user=user).exists():
                self.left_alone.append(username)  # made by someone else: not ours to reset
                continue
            user.first_name, user.last_name = first_name, last_name
            user.is_staff = user.is_superuser = role is None
            user.is_active = True
            password = demo_password(username)
            if not user.check_password(password):
                user.set_password(password)
            user.save()
            if role is not None:
                CommitteeMembership.objects.get_or_create(
                    user=user, committee=self.committee, role=role
                )
            role_label = Role(role).label if role else "Administratör"
            self.users.append((username, password, role_label))

    def counts(self) -> dict[str, int]:
        committee = self.committee
        return {
            "rader i driftsammandrag": SummaryRow.objects.filter(committee=committee).count(),
            "månadsbelopp": MonthlyAmount.objects.filter(row__committee=committee).count(),
            "internbudgetar": InternalBudget.objects.filter(committee=committee).count(),
            "nämndmål": CommitteeGoal.objects.filter(committee=committee).count(),
            "målbedömningar": GoalAssessment.objects.filter(goal__committee=committee).count(),
            "indikatorer": Indicator.objects.filter(committee=committee).count(),
            "indikatorvärden": IndicatorValue.objects.filter(
                series__indicator__committee=committee
            ).count(),
            "målvärden": Target.objects.filter(series__indicator__committee=committee).count(),
            "uppdrag": StrategicAssignment.objects.filter(committee=committee).count(),
        }


def widen_years(goal, year: int) -> bool:
    changed = False
    if year < goal.first_year:
        goal.first_year, changed = year, True
    if year > goal.last_year:
        goal.last_year, changed = year, True
    return changed


def spread(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` equal whole-öre shares; the last share takes the remainder."""
    share = (total / parts).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    shares = [share] * parts
    shares[-1] = total - share * (parts - 1)
    return shares
