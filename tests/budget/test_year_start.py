"""Starting the follow-up year from the adopted internbudget, and carrying a revision in."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from amn.models import AnnualCycleStep, Change, PeriodKind, ReportingPeriod
from budget.models import (
    BudgetStatus,
    InternalBudgetAmount,
    InternalBudgetRow,
    Investment,
    InvestmentBudget,
    InvestmentPlanAmount,
    LedgerCodeMapping,
    Measure,
    MonthlyAmount,
    SummaryRow,
    YearAmount,
)
from budget.services.operating_summary import build_operating_summary
from budget.services.year_start import carry_revision
from tests.budget.ledger_files import write_xlsx
from tests.budget.year_factories import internal_budget, monthly, new_committee, summary_row


def start(code: str, year: int, *extra: str) -> str:
    out = StringIO()
    call_command("start_year", "--committee", code, "--year", str(year), *extra, stdout=out)
    return out.getvalue()


def total_line(committee, year, month=1):
    return build_operating_summary(committee, year, month).lines


def line(summary_lines, label):
    return next(item for item in summary_lines if item.label == label)


# --- the demo: load_demo starts 2024 from the seeds' internbudget 2024 -------------------


def test_load_demo_starts_2024_with_the_internbudgets_643_4_mnkr(amn):
    summary = build_operating_summary(amn, 2024, 12)
    total = line(summary.lines, "Summa nettokostnader")
    assert total.figures.budget_full_year == Decimal("643400000.00")
    assert line(summary.lines, "575 - Ekonomiskt bistånd").figures.budget_full_year == Decimal(
        "323040000.00"
    )
    # The twelve months of the periodised budget are the full year, to the öre.
    assert total.figures.budget == Decimal("643400000.00")


def test_starting_2024_again_changes_nothing(amn):
    before = (
        SummaryRow.objects.filter(committee=amn).count(),
        MonthlyAmount.objects.filter(row__committee=amn).count(),
        ReportingPeriod.objects.filter(committee=amn).count(),
        Change.objects.filter(committee=amn).count(),
    )
    out = start("AMN", 2024)
    assert "AMN 2024 är redan startat ur Internbudget 2024 med plan 2025–2029: inget ändrat." in out
    assert before == (
        SummaryRow.objects.filter(committee=amn).count(),
        MonthlyAmount.objects.filter(row__committee=amn).count(),
        ReportingPeriod.objects.filter(committee=amn).count(),
        Change.objects.filter(committee=amn).count(),
    )


def test_the_2024_rows_keep_the_2023_codes_and_labels(amn):
    rows = SummaryRow.objects.filter(committee=amn, year=2024).select_related(
        "predecessor", "operation"
    )
    assert [row.code for row in rows if row.code] == [
        "100", "470", "472", "474", "476", "575", "600", "610", "921", "926"
    ]  # fmt: skip
    for row in rows:
        assert row.predecessor.year == 2023
        assert row.label == row.predecessor.label
    assert not rows.filter(label__startswith="Ofördelad").exists()


def test_the_demo_year_has_the_arshjul_periods_and_investment_budgets(amn):
    periods = ReportingPeriod.objects.filter(committee=amn, year=2024).exclude(
        kind=PeriodKind.BUDGET
    )
    assert {(p.kind, p.month, str(p.deadline)) for p in periods} == {
        ("delar1", 4, "2024-05-20"),
        ("delar2", 8, "2024-09-20"),
        ("oktober", 10, "2024-11-15"),
        ("bokslut", 12, "2025-02-14"),
    }
    assert periods.get(kind="delar2").title == "Delårsrapport per den 31 augusti 2024"
    budgets = {b.investment.name: b.amount for b in InvestmentBudget.objects.filter(year=2024)}
    assert budgets == {
        "Arbetsmarknadsinsatser": Decimal("750000.00"),
        "Arbetsmarknad övrigt": Decimal("250000.00"),
        "Vuxenutbildning": Decimal("1500000.00"),
    }


def test_a_2024_ledger_export_with_the_2023_codes_imports_into_january(amn, tmp_path, upload_dir):
    lines = [
        [202401, 4610, "", 575, "", "", 26_000_000],
        [202401, 3010, "", 470, "", "", -25_000.50],
        [202401, 5010, "", 100, "", "", 140_000],
    ]
    path = write_xlsx(tmp_path / "huvudbok-jan-2024.xlsx", lines, titles=["Utfall 2024"])
    call_command("import_ledger", str(path), "--committee", "AMN", verbosity=0)
    summary = build_operating_summary(amn, 2024, 1)
    assistance = line(summary.lines, "575 - Ekonomiskt bistånd")
    assert assistance.figures.actual == Decimal("26000000.00")
    assert assistance.figures.budget == Decimal("26920000.00")  # 323,04 mnkr / 12
    assert assistance.deviation == Decimal("920000.00")


# --- a nämnd of its own ----------------------------------------------------------------


@pytest.fixture
def kfn(db):
    return new_committee()


def test_starting_before_adopting_is_refused_with_the_reason(kfn):
    internal_budget(kfn, 2025, [("Ledning", "100", "1000", [])], status=BudgetStatus.DRAFT)
    with pytest.raises(CommandError, match="Internbudgeten 2025 för KFN är inte antagen än"):
        start("KFN", 2025)
    assert not SummaryRow.objects.filter(committee=kfn).exists()


def test_starting_without_an_internbudget_is_refused(kfn):
    with pytest.raises(CommandError, match="KFN har ingen internbudget för 2025"):
        start("KFN", 2025)


def test_a_year_with_rows_not_from_the_internbudget_is_not_started_over(amn):
    with pytest.raises(CommandError, match="redan rader i driftsammandraget för 2023"):
        start("AMN", 2023)


def test_the_start_prints_what_it_created(kfn):
    old = summary_row(kfn, 2024, 1, "100")
    internal_budget(kfn, 2025, [("Ledning", "100", "1000.00", [old]), ("Nytt", "300", "11", [])])
    out = start("KFN", 2025)
    assert "KFN 2025 startat ur Internbudget 2025 (KFN 2023-11-20 § 50)." in out
    assert "100 - Verksamhet 100: budget helår 1 000,00 kr, jämnt över årets tolv månader" in out
    assert "300 - Nytt: budget helår 11,00 kr" in out
    assert "Summa budget helår: 1 011,00 kr" in out
    assert "Period: Verksamhetsberättelse 2025, klar senast 2026-02-14" in out


def test_a_nämnd_s_own_arshjul_sets_its_periods(kfn):
    AnnualCycleStep.objects.create(
        committee=kfn, kind=PeriodKind.INTERIM_2, month=7, deadline_days=30
    )
    AnnualCycleStep.objects.create(
        committee=kfn, kind=PeriodKind.ANNUAL, month=12, deadline_days=60
    )
    internal_budget(kfn, 2025, [("Ledning", "100", "1000", [])])
    start("KFN", 2025)
    periods = ReportingPeriod.objects.filter(committee=kfn, year=2025)
    assert {(p.kind, p.month, str(p.deadline)) for p in periods} == {
        ("delar2", 7, "2025-08-30"),
        ("bokslut", 12, "2026-03-01"),
    }


def test_the_previous_year_key_follows_last_years_months(kfn):
    old = summary_row(kfn, 2024, 1, "100")
    monthly(old, Measure.ACTUAL, [100] * 6 + [0] + [100] * 4 + [500])
    internal_budget(kfn, 2025, [("Ledning", "100", "12000.00", [old])])
    out = start("KFN", 2025, "--key", "previous-year")
    assert "som föregående års utfall månad för månad" in out
    row = SummaryRow.objects.get(committee=kfn, year=2025)
    months = list(
        MonthlyAmount.objects.filter(row=row, measure=Measure.BUDGET)
        .order_by("month")
        .values_list("amount", flat=True)
    )
    assert months[6] == 0 and months[11] == 5 * months[0]
    assert sum(months) == Decimal("12000.00")


def test_the_previous_year_key_is_refused_whole_for_a_row_without_last_years_months(kfn):
    old = summary_row(kfn, 2024, 1, "100")
    monthly(old, Measure.ACTUAL, [100] * 8)
    internal_budget(kfn, 2025, [("Ledning", "100", "12000.00", [old])])
    with pytest.raises(CommandError, match="utfall 2024 finns bara för januari–augusti 2024"):
        start("KFN", 2025, "--key", "previous-year")
    assert not SummaryRow.objects.filter(committee=kfn, year=2025).exists()
    assert not ReportingPeriod.objects.filter(committee=kfn, year=2025).exists()


def test_a_merged_row_takes_the_codes_of_both_rows_it_continues(kfn, tmp_path, upload_dir):
    first = summary_row(kfn, 2024, 1, "470")
    second = summary_row(kfn, 2024, 2, "472")
    internal_budget(kfn, 2025, [("Vuxenutbildning", "470", "1200", [first, second])])
    out = start("KFN", 2025)
    row = SummaryRow.objects.get(committee=kfn, year=2025)
    assert "Kodmappning: verksamhet 472 → 470 - Vuxenutbildning" in out
    assert LedgerCodeMapping.objects.get(committee=kfn, code="472").row == row
    path = write_xlsx(
        tmp_path / "jan.xlsx",
        [[202501, 4010, "", 470, "", "", 10], [202501, 4010, "", 472, "", "", 5]],
        titles=[],
    )
    call_command("import_ledger", str(path), "--committee", "KFN", verbosity=0)
    assert build_operating_summary(kfn, 2025, 1).lines[0].figures.actual == Decimal(15)


# --- a revision during the year ---------------------------------------------------------


def revise(original, amounts: dict[str, str]):
    revision = internal_budget(
        original.committee,
        original.year,
        [],
        version=original.version + 1,
        revises=original,
    )
    revision.title = f"Reviderad {original.title}"
    revision.save()
    columns = {c.year: c for c in revision.columns.all()}
    for post in original.rows.filter(parent__isnull=True):
        copy = InternalBudgetRow.objects.create(
            budget=revision, position=post.position, label=post.label,
            operation=post.operation, origin=post,
        )  # fmt: skip
        if post.label in amounts:
            InternalBudgetAmount.objects.create(
                row=copy, column=columns[original.year], amount=Decimal(amounts[post.label])
            )
    return revision


def test_a_revision_sets_the_budget_from_its_month_on_and_keeps_the_months_before(kfn):
    original = internal_budget(
        kfn, 2025, [("Ledning", "100", "1200", []), ("Stöd", "200", "600", [])]
    )
    start("KFN", 2025)
    revision = revise(original, {"Ledning": "2100"})
    carried = carry_revision(revision, 4)
    ledning = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="100")
    months = list(
        MonthlyAmount.objects.filter(row=ledning, measure=Measure.BUDGET)
        .order_by("month")
        .values_list("amount", flat=True)
    )
    assert months == [Decimal(100)] * 3 + [Decimal(200)] * 9
    assert YearAmount.objects.get(row=ledning, measure=Measure.BUDGET).amount == Decimal(2100)
    # A post the revision drops keeps what its months before April held.
    stod = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="200")
    assert build_operating_summary(kfn, 2025, 12).lines[1].figures.budget_full_year == Decimal(150)
    assert stod.year_amounts.get().internal_budget == revision
    assert ("100 - Ledning", Decimal(1200), Decimal(2100)) in carried.changed
    history = Change.objects.filter(committee=kfn, field="helår (kr)", old="1\xa0200")
    assert history.get().new == "2\xa0100"
    assert Change.objects.filter(committee=kfn, field="gäller från").exists()


def test_a_revision_brings_its_investment_plan(kfn):
    original = internal_budget(kfn, 2025, [("Ledning", "100", "1200", [])])
    investment = Investment.objects.create(committee=kfn, name="Lokaler")
    InvestmentPlanAmount.objects.create(budget=original, investment=investment, year=2025, amount=5)
    start("KFN", 2025)
    revision = revise(original, {"Ledning": "1200"})
    InvestmentPlanAmount.objects.create(budget=revision, investment=investment, year=2025, amount=8)
    carry_revision(revision, 6)
    assert InvestmentBudget.objects.get(investment=investment, year=2025).amount == 8


def test_last_years_ansvar_mapping_lands_on_the_units_row_of_the_started_year(
    amn, tmp_path, upload_dir
):
    units_2023 = SummaryRow.objects.get(committee=amn, year=2023, kind="units")
    LedgerCodeMapping.objects.create(
        committee=amn, year=2023, dimension="ansvar", code="4711", row=units_2023
    )
    path = write_xlsx(
        tmp_path / "jan-2024.xlsx", [[202401, 3010, 4711, 610, "", "", -12_345]], titles=[]
    )
    call_command("import_ledger", str(path), "--committee", "AMN", verbosity=0)
    units = line(build_operating_summary(amn, 2024, 1).lines, "Resultat nämndens enheter")
    assert units.figures.actual == Decimal("-12345.00")


def test_adopting_a_revision_of_a_started_year_carries_it_in_from_its_month(kfn, django_user_model):
    from budget.services.internal_budget_work import (
        adopt_internal_budget,
        revise_internal_budget,
    )

    controller = django_user_model.objects.create_user("kfn-c")
    original = internal_budget(kfn, 2025, [("Ledning", "100", "1200", [])])
    start("KFN", 2025)
    revision = revise_internal_budget(original, controller)
    post = revision.rows.get(label="Ledning")
    InternalBudgetAmount.objects.filter(row=post, column__year=2025).update(amount=Decimal(3000))
    adopt_internal_budget(revision, controller, decision="KFN 2025-03-20 § 23", from_month=7)
    row = SummaryRow.objects.get(committee=kfn, year=2025)
    months = list(
        MonthlyAmount.objects.filter(row=row, measure=Measure.BUDGET)
        .order_by("month")
        .values_list("amount", flat=True)
    )
    assert months == [Decimal(100)] * 6 + [Decimal(400)] * 6
    assert row.year_amounts.get().internal_budget == revision


def test_the_ledger_key_follows_the_budget_column_of_the_years_import(kfn, tmp_path, upload_dir):
    from budget.services.year_start import set_keys

    internal_budget(kfn, 2025, [("Ledning", "100", "1300.00", [])])
    start("KFN", 2025)
    headers = [
        "Period",
        "Konto",
        "Ansvar",
        "Verksamhet",
        "Aktivitet",
        "Projekt",
        "Belopp",
        "Budget",
    ]
    profile = [1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 3]  # July off, December thrice
    lines = [[202500 + m, 4010, "", 100, "", "", 0, 10 * w] for m, w in enumerate(profile, 1)]
    path = write_xlsx(tmp_path / "budget-2025.xlsx", lines, headers=headers, titles=[])
    call_command("import_ledger", str(path), "--committee", "KFN", verbosity=0)
    row = SummaryRow.objects.get(committee=kfn, year=2025)
    set_keys(kfn, 2025, {row.pk: "ledger"}, {}, None)
    months = list(
        MonthlyAmount.objects.filter(row=row, measure=Measure.BUDGET)
        .order_by("month")
        .values_list("amount", flat=True)
    )
    assert months == [Decimal(100)] * 6 + [Decimal(0)] + [Decimal(100)] * 4 + [Decimal(300)]
    assert YearAmount.objects.get(row=row).key == "ledger"


def test_merged_and_split_rows_show_no_figures_of_the_year_before_as_their_own(kfn):
    merged_a = summary_row(kfn, 2024, 1, "470")
    merged_b = summary_row(kfn, 2024, 2, "472")
    split = summary_row(kfn, 2024, 3, "610")
    kept = summary_row(kfn, 2024, 4, "100")
    for row in (merged_a, merged_b, split, kept):
        monthly(row, Measure.ACTUAL, [10] * 12)
    LedgerCodeMapping.objects.create(
        committee=kfn, year=2024, dimension="ansvar", code="A1", row=merged_a
    )
    internal_budget(
        kfn,
        2025,
        [
            ("Vuxenutbildning", "470", "1200", [merged_a, merged_b]),
            ("Jobbtorg", "611", "1200", [split]),
            ("Stöd", "612", "1200", [split]),
            ("Ledning", "100", "1200", [kept]),
        ],
    )
    out = start("KFN", 2025)
    assert "utan föregående års siffror: Vuxenutbildning" in out
    lines = {item.label: item for item in build_operating_summary(kfn, 2025, 12).lines}
    assert lines["470 - Vuxenutbildning"].figures.result_previous_year is None
    assert lines["611 - Jobbtorg"].figures.result_previous_year is None
    assert lines["612 - Stöd"].figures.result_previous_year is None
    assert lines["100 - Verksamhet 100"].figures.result_previous_year == Decimal(120)
    merged = SummaryRow.objects.get(committee=kfn, year=2025, operation__code="470")
    assert {(m.dimension, m.code) for m in merged.ledger_mappings.all()} == {
        ("ansvar", "A1"),
        ("verksamhet", "472"),
    }


def test_two_posts_that_would_make_the_same_row_are_refused(kfn):
    internal_budget(kfn, 2025, [("Ledning", "100", "1", []), ("Ledning", "100", "2", [])])
    with pytest.raises(CommandError, match="skulle båda bli raden"):
        start("KFN", 2025)
    assert not SummaryRow.objects.filter(committee=kfn, year=2025).exists()
