"""Internbudget work in the browser: a controller (förvaltning staff may prepare) starts
next year's internbudget from this year's driftsammandrag rows, edits posts, change lines
and the KF frame, sees the sum against the frame, adopts it with the nämnd's decision
(which freezes it) and revises it as a new version with its own decision."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from amn.models import Change, PeriodKind, ReportingPeriod
from budget.models import (
    BudgetStatus,
    FrameAdjustment,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetRow,
    Investment,
    InvestmentPlanAmount,
    Measure,
    MonthlyAmount,
    Operation,
    RowKind,
    SummaryRow,
    YearAmount,
)
from tests.forms import page_form

YEAR = 2031  # the budget year started in these tests: rows of 2030, outcome of 2029


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


def list_url() -> str:
    return reverse("budget:internal-budgets", args=["AMN"])


def version_url(version: int = 1, year: int = YEAR) -> str:
    return reverse("budget:internal-budget", args=["AMN", year, version])


def adopt_url(version: int = 1, year: int = YEAR) -> str:
    return reverse("budget:internal-budget-adopt", args=["AMN", year, version])


def revise_url(version: int = 1, year: int = YEAR) -> str:
    return reverse("budget:internal-budget-revise", args=["AMN", year, version])


def operation(amn, code: str) -> Operation:
    return Operation.objects.get(municipality=amn.municipality, code=code)


def summary_row(amn, year, position, label, code=None, **kwargs) -> SummaryRow:
    return SummaryRow.objects.create(
        committee=amn,
        year=year,
        position=position,
        label=label,
        operation=operation(amn, code) if code else None,
        **kwargs,
    )


@pytest.fixture
def rows_2030(amn):
    """AMN's driftsammandrag 2030 (and its predecessors of 2029) with what is recorded:
    monthly actuals of 2029 to the öre, a full-year budget without months, monthly budgets,
    and a row with nothing recorded. A varav line and the units' row are no posts."""
    bistand_29 = summary_row(amn, YEAR - 2, 1, "575 - Ekonomiskt bistånd", "575")
    for month in range(1, 13):
        MonthlyAmount.objects.create(
            row=bistand_29, measure=Measure.ACTUAL, month=month, amount=Decimal("1000000.01")
        )
    atgarder_29 = summary_row(amn, YEAR - 2, 2, "610 - Arbetsmarknadsåtgärder", "610")
    YearAmount.objects.create(row=atgarder_29, measure=Measure.ACTUAL, amount=Decimal("7654321.09"))
    units_29 = summary_row(amn, YEAR - 2, 3, "Resultat nämndens enheter", kind=RowKind.UNITS)
    YearAmount.objects.create(row=units_29, measure=Measure.ACTUAL, amount=Decimal("-9400000.40"))
    bistand = summary_row(
        amn, YEAR - 1, 1, "575 - Ekonomiskt bistånd", "575", predecessor=bistand_29
    )
    YearAmount.objects.create(row=bistand, measure=Measure.BUDGET, amount=Decimal("13500000.50"))
    atgarder = summary_row(
        amn, YEAR - 1, 2, "610 - Arbetsmarknadsåtgärder", "610", predecessor=atgarder_29
    )
    for month in range(1, 13):
        MonthlyAmount.objects.create(
            row=atgarder, measure=Measure.BUDGET, month=month, amount=Decimal("500000.25")
        )
    # Months win over the full-year figure where both are recorded.
    YearAmount.objects.create(row=atgarder, measure=Measure.BUDGET, amount=Decimal("1"))
    namnd = summary_row(amn, YEAR - 1, 3, "Nämnden")
    summary_row(amn, YEAR - 1, 4, "varav löner", parent=atgarder)
    summary_row(amn, YEAR - 1, 5, "Resultat nämndens enheter", kind=RowKind.UNITS)
    return {"bistand": bistand, "atgarder": atgarder, "namnd": namnd}


def start(client, year=YEAR, plan_years=3):
    return client.post(list_url(), {"year": year, "plan_years": plan_years})


def posts(budget: InternalBudget) -> list[InternalBudgetRow]:
    return list(budget.rows.filter(parent__isnull=True).order_by("position"))


def amounts_of(row: InternalBudgetRow) -> dict[int, Decimal]:
    return {a.column.year: a.amount for a in row.amounts.select_related("column")}


def the_budget(version: int = 1) -> InternalBudget:
    return InternalBudget.objects.get(committee__code="AMN", year=YEAR, version=version)


def post_of(budget: InternalBudget, label: str) -> InternalBudgetRow:
    return budget.rows.get(label=label)


# Starting ---------------------------------------------------------------------------------


def test_starting_makes_a_draft_with_one_post_per_row_filled_from_what_is_recorded(
    client, controller, rows_2030
):
    client.force_login(controller)

    response = start(client)

    assert response.status_code == 302 and response["Location"] == version_url()
    budget = the_budget()
    assert budget.status == BudgetStatus.DRAFT and budget.title == (
        f"Internbudget {YEAR} med plan {YEAR + 1}–{YEAR + 3}"
    )
    columns = [(c.kind, c.year) for c in budget.columns.order_by("year")]
    assert columns == [
        ("outcome", YEAR - 2),
        ("budget", YEAR - 1),
        ("budget", YEAR),
        ("plan", YEAR + 1),
        ("plan", YEAR + 2),
        ("plan", YEAR + 3),
    ]
    bistand, atgarder, namnd = posts(budget)
    assert [p.label for p in (bistand, atgarder, namnd)] == [
        "Ekonomiskt bistånd",
        "Arbetsmarknadsåtgärder",
        "Nämnden",
    ]
    assert bistand.operation.code == "575" and namnd.operation is None
    assert list(bistand.predecessors.all()) == [rows_2030["bistand"]]
    budget_years = {YEAR - 1: Decimal("13500000.50")} | {
        y: Decimal("13500000.50") for y in range(YEAR, YEAR + 4)
    }
    assert amounts_of(bistand) == {YEAR - 2: Decimal("12000000.12"), **budget_years}
    assert amounts_of(atgarder) == {
        YEAR - 2: Decimal("7654321.09"),
        **{y: Decimal("6000003.00") for y in range(YEAR - 1, YEAR + 4)},
    }
    assert amounts_of(namnd) == {}  # nothing recorded: empty, never 0
    outcome = budget.columns.get(year=YEAR - 2)
    assert outcome.own_units_result == Decimal("-9400000.40") and outcome.frame is None

    page = client.get(version_url())
    assert f"Förifyllt med budget {YEAR - 1}: ändra beloppen." in text(page)
    form = page_form(page)
    assert form[f"label-p{bistand.pk}"] == "Ekonomiskt bistånd"
    assert "12\u00a0000,00012" in form.values()  # exact to the öre, in tkr
    assert Change.objects.filter(subject__startswith=f"Internbudget {YEAR} version 1").exists()


def test_the_start_form_proposes_the_year_after_the_latest_rows(client, staff, rows_2030):
    client.force_login(staff)

    response = client.get(list_url())

    assert response.status_code == 200
    assert f"Starta internbudget för {YEAR}" in text(response)
    assert page_form_values(response)["plan_years"] == "5"  # as the 2024 internbudget has


def page_form_values(response) -> dict:
    from tests.forms import _FormReader

    reader = _FormReader()
    reader.feed(response.content.decode())
    return dict(reader.forms[-1])


def test_starting_a_year_that_has_a_version_is_refused_with_the_reason(
    client, controller, rows_2030
):
    client.force_login(controller)
    start(client)

    response = start(client)

    assert response.status_code == 400
    assert f"Det finns redan en internbudget för {YEAR}" in text(response)
    assert InternalBudget.objects.filter(committee__code="AMN", year=YEAR).count() == 1


def test_the_list_shows_every_version_newest_first_with_status_and_decision(
    client, staff, rows_2030
):
    client.force_login(staff)
    start(client)

    page = text(client.get(list_url()))

    assert page.index(f"Internbudget {YEAR}") < page.index("Internbudget 2024 med plan")
    assert page.index("Reviderad internbudget 2019") < page.index("Internbudget 2019 med plan")
    assert "Utkast" in page and "Antagen" in page
    assert "AN 2019-03-20 § 23" in page and "reviderar version 1" in page


# Editing ----------------------------------------------------------------------------------


@pytest.fixture
def draft(client, staff, rows_2030):
    client.force_login(staff)
    start(client)
    return the_budget()


def column_pk(budget: InternalBudget, year: int) -> int:
    return budget.columns.get(year=year).pk


def test_staff_rename_split_merge_add_and_delete_posts(client, staff, draft, rows_2030):
    bistand, atgarder, namnd = posts(draft)
    data = page_form(client.get(version_url()))
    data[f"label-p{bistand.pk}"] = "Försörjningsstöd"  # renamed
    data[f"op-p{bistand.pk}"] = "575"
    # Merge: Arbetsmarknadsåtgärder continues its own row and Nämnden's; Nämnden goes.
    data[f"pred-p{atgarder.pk}"] = ["", str(rows_2030["atgarder"].pk), str(rows_2030["namnd"].pk)]
    data[f"del-p{namnd.pk}"] = ["", "ja"]
    # Split: a new post continues Ekonomiskt bistånd's row too; amounts typed in tkr.
    data["label-ny"] = "Jobbstöd"
    data["op-ny"] = "610"
    data["pred-ny"] = ["", str(rows_2030["bistand"].pk)]
    data[f"a{column_pk(draft, YEAR)}-ny"] = "1 234,5"

    response = client.post(version_url(), data, follow=True)

    assert response.redirect_chain, text(response)
    assert "Tillagda: 1" in text(response) and "borttagna: 1" in text(response)
    labels = [p.label for p in posts(draft)]
    assert labels == ["Försörjningsstöd", "Arbetsmarknadsåtgärder", "Jobbstöd"]
    merged = post_of(draft, "Arbetsmarknadsåtgärder")
    assert set(merged.predecessors.all()) == {rows_2030["atgarder"], rows_2030["namnd"]}
    split = post_of(draft, "Jobbstöd")
    assert list(split.predecessors.all()) == [rows_2030["bistand"]]
    assert rows_2030["bistand"].budget_successors.count() == 2
    assert amounts_of(split) == {YEAR: Decimal("1234500.00")}
    assert amounts_of(post_of(draft, "Försörjningsstöd"))[YEAR - 2] == Decimal("12000000.12")
    history = Change.objects.filter(subject__startswith=f"Internbudget {YEAR} version 1")
    assert history.filter(field="budgetpost", old="Ekonomiskt bistånd").exists()
    assert history.filter(field=f"Budget {YEAR} (kr)", new="1\u00a0234\u00a0500").exists()


def test_a_change_line_is_included_in_its_post_and_never_added_twice(client, staff, draft):
    bistand = posts(draft)[0]
    year = column_pk(draft, YEAR)
    data = page_form(client.get(version_url()))
    data[f"a{year}-p{bistand.pk}"] = "13 000,0005"  # 500 tkr less than Budget Y−1
    data["label-nyf"] = "Minskning ekonomiskt bistånd"
    data["parent-nyf"] = str(bistand.pk)
    data[f"a{year}-nyf"] = "-400"

    response = client.post(version_url(), data, follow=True)

    assert response.redirect_chain, text(response)
    change = post_of(draft, "Minskning ekonomiskt bistånd")
    assert change.parent == bistand and change.position == bistand.position + 1
    page = client.get(version_url())
    sums = next(line for line in page.context["table"].lines if line.kind == "sum")
    index = [c.year for c in page.context["table"].columns].index(YEAR)
    assert sums.amounts[index] == Decimal("13000000.50") + Decimal("6000003.00")
    # The post's change (−500 tkr) and its change lines (−400 tkr) disagree: a hint.
    assert f"{YEAR}: förändringen mot föregående års budget är −500 tkr" in text(page)
    assert "förändringsraderna summerar till −400 tkr (skillnad −100 tkr)" in text(page)


def test_a_change_line_is_renamed_and_deleted_without_touching_its_post(client, staff, draft):
    bistand = posts(draft)[0]
    year = column_pk(draft, YEAR)
    change = InternalBudgetRow.objects.create(
        budget=draft, position=99, label="Minskning", parent=bistand
    )
    InternalBudgetAmount.objects.create(
        row=change, column=draft.columns.get(pk=year), amount=Decimal("-400000")
    )
    data = page_form(client.get(version_url()))
    data[f"label-c{change.pk}"] = "Minskning ekonomiskt bistånd"
    data[f"a{year}-c{change.pk}"] = "-450"
    client.post(version_url(), data)
    change.refresh_from_db()
    assert change.label == "Minskning ekonomiskt bistånd"
    assert amounts_of(change) == {YEAR: Decimal("-450000.00")}

    data = page_form(client.get(version_url()))
    data[f"del-c{change.pk}"] = ["", "ja"]
    response = client.post(version_url(), data, follow=True)

    assert "borttagna: 1" in text(response)
    assert not InternalBudgetRow.objects.filter(pk=change.pk).exists()
    assert amounts_of(post_of(draft, "Ekonomiskt bistånd"))[YEAR] == Decimal("13500000.50")


def test_a_post_deleted_by_someone_else_meanwhile_stays_deleted(client, staff, draft):
    bistand, atgarder, _ = posts(draft)
    data = page_form(client.get(version_url()))
    data[f"label-p{atgarder.pk}"] = "Åtgärder"
    bistand.delete()

    response = client.post(version_url(), data)

    assert response.status_code == 302
    assert [p.label for p in posts(draft)] == ["Åtgärder", "Nämnden"]


def test_the_frame_difference_is_shown_per_framed_column(client, staff, draft):
    data = page_form(client.get(version_url()))
    data[f"frame-k{column_pk(draft, YEAR)}"] = "19 000"  # the posts sum to 19 500,0035 tkr
    data[f"frame-k{column_pk(draft, YEAR + 1)}"] = "19 500,0035"
    data["frame_decision"] = "Budgetram enligt beslut i KF 2030-06-13 § 222"

    client.post(version_url(), data)
    page = text(client.get(version_url()))

    assert f"Summan är 500,0035 tkr över ramen för {YEAR}." in page
    assert f"Summan är lika med ramen för {YEAR + 1}." in page
    assert the_budget().frame_decision == "Budgetram enligt beslut i KF 2030-06-13 § 222"


def test_frame_adjustments_are_added_changed_and_deleted(client, staff, draft):
    data = page_form(client.get(version_url()))
    data.update({"group-nyr": "KF 2030-06-13", "label-nyr": "Pris och lön", "amount-nyr": "7 137"})
    client.post(version_url(), data)
    adjustment = FrameAdjustment.objects.get(budget=draft)
    assert adjustment.amount == Decimal("7137000")

    data = page_form(client.get(version_url()))
    data[f"del-r{adjustment.pk}"] = ["", "ja"]
    client.post(version_url(), data)

    assert not FrameAdjustment.objects.filter(budget=draft).exists()


def test_a_post_with_a_bad_amount_or_unknown_code_stores_nothing(client, staff, draft):
    bistand = posts(draft)[0]
    data = page_form(client.get(version_url()))
    data[f"label-p{bistand.pk}"] = "Nytt namn"
    data[f"a{column_pk(draft, YEAR)}-p{bistand.pk}"] = "tolv"
    data[f"op-p{posts(draft)[1].pk}"] = "99999"

    response = client.post(version_url(), data)

    assert response.status_code == 400
    assert "”tolv” är inte ett belopp i tkr." in text(response)
    assert "Verksamhetskoden ”99999” finns inte i kommunen." in text(response)
    assert post_of(draft, "Ekonomiskt bistånd")


def test_a_partial_post_is_refused_whole(client, staff, draft):
    bistand = posts(draft)[0]
    data = page_form(client.get(version_url()))
    data[f"label-p{bistand.pk}"] = "Nytt namn"
    del data[f"a{column_pk(draft, YEAR)}-p{bistand.pk}"]
    before = InternalBudgetAmount.objects.filter(row__budget=draft).count()

    response = client.post(version_url(), data)

    assert response.status_code == 400
    assert "Formuläret kom inte fram helt" in text(response)
    assert post_of(draft, "Ekonomiskt bistånd")
    assert InternalBudgetAmount.objects.filter(row__budget=draft).count() == before


# Adopting ---------------------------------------------------------------------------------


def set_frames(client, budget, frames: dict[int, str]) -> None:
    data = page_form(client.get(version_url(budget.version)))
    for year, value in frames.items():
        data[f"frame-k{column_pk(budget, year)}"] = value
    response = client.post(version_url(budget.version), data)
    assert response.status_code == 302, text(response)


def test_staff_prepare_but_only_controllers_adopt_and_revise(client, staff, draft):
    response = client.post(adopt_url(), {"decision": "AN 2030-11-20 § 99"})
    revised = client.post(revise_url(1, 2024))

    assert (response.status_code, revised.status_code) == (403, 403)
    assert the_budget().status == BudgetStatus.DRAFT
    assert not InternalBudget.objects.filter(committee__code="AMN", year=2024, version=2)


def test_adopting_is_refused_while_the_sum_differs_from_the_frame(client, staff, controller, draft):
    set_frames(client, draft, {YEAR: "19 000"})
    client.force_login(controller)

    response = client.post(adopt_url(), {"decision": "AN 2030-11-20 § 99"})

    assert response.status_code == 400
    assert f"Summan är 500,0035 tkr över ramen för {YEAR}." in text(response)
    assert the_budget().status == BudgetStatus.DRAFT
    assert not ReportingPeriod.objects.filter(committee__code="AMN", year=YEAR).exists()


def test_adopting_with_an_explained_difference_records_the_decision_and_freezes_it(
    client, staff, controller, draft
):
    set_frames(client, draft, {YEAR: "19 000"})
    client.force_login(controller)

    response = client.post(
        adopt_url(),
        {"decision": "AN 2030-11-20 § 99", "frame_difference_note": "Ramen justeras i KF."},
    )

    assert response.status_code == 302
    budget = the_budget()
    assert budget.status == BudgetStatus.ADOPTED and budget.adopted_by == controller
    assert budget.decision == "AN 2030-11-20 § 99" and str(budget.decision_date) == "2030-11-20"
    assert budget.adopted_at is not None
    history = Change.objects.filter(subject=f"Internbudget {YEAR} version 1", period=None)
    assert history.filter(field="beslut", new="AN 2030-11-20 § 99").exists()
    assert history.filter(field="status", old="Utkast", new="Antagen").exists()
    period = budget.period
    assert (period.year, period.month, period.kind) == (YEAR, 12, PeriodKind.BUDGET)
    assert period.title == budget.title
    page = text(client.get(version_url()))
    assert "Ramen justeras i KF." in page and "AN 2030-11-20 § 99" in page
    report = client.get(reverse("reports:draft", args=["AMN", period.pk]))
    assert report.status_code == 200 and "Ekonomiskt bistånd" in text(report)


def test_an_adopted_version_refuses_every_edit_and_nothing_changes(
    client, staff, controller, draft
):
    client.force_login(controller)
    data = page_form(client.get(version_url()))
    client.post(adopt_url(), {"decision": "AN 2030-11-20 § 99"})
    before = list(InternalBudgetAmount.objects.filter(row__budget=draft).values_list("amount"))
    data[f"label-p{posts(draft)[0].pk}"] = "Ändrad efteråt"

    edited = client.post(version_url(), data)
    adopted_again = client.post(adopt_url(), {"decision": "AN 2030-12-01 § 1"})
    client.force_login(staff)
    by_staff = client.post(version_url(), data)

    assert (edited.status_code, adopted_again.status_code, by_staff.status_code) == (409,) * 3
    assert post_of(draft, "Ekonomiskt bistånd")
    assert the_budget().decision == "AN 2030-11-20 § 99"
    after = list(InternalBudgetAmount.objects.filter(row__budget=draft).values_list("amount"))
    assert after == before
    page = client.get(version_url())
    assert page.context["form"] is None  # shown, not editable


def test_the_service_refuses_to_change_an_adopted_version(controller, amn):
    from budget.services.internal_budget_work import (
        BudgetEdit,
        BudgetFrozen,
        save_internal_budget,
    )

    adopted = InternalBudget.objects.get(committee=amn, year=2024)
    with pytest.raises(BudgetFrozen):
        save_internal_budget(adopted, BudgetEdit(frame_decision="x"), controller)


# Revising ---------------------------------------------------------------------------------


def test_a_revision_copies_everything_and_is_adopted_with_its_own_decision(
    client, staff, controller, draft, amn
):
    bistand = posts(draft)[0]
    data = page_form(client.get(version_url()))
    data.update({"label-nyf": "Minskning", "parent-nyf": str(bistand.pk)})
    data[f"a{column_pk(draft, YEAR)}-nyf"] = "-10"
    data.update({"group-nyr": "KF", "label-nyr": "Pris och lön", "amount-nyr": "5"})
    client.post(version_url(), data)
    investment = Investment.objects.create(committee=amn, name="Lokaler")
    InvestmentPlanAmount.objects.create(
        budget=draft, investment=investment, year=YEAR, amount=Decimal("250000")
    )
    client.force_login(controller)
    client.post(adopt_url(), {"decision": "AN 2030-11-20 § 99"})

    response = client.post(revise_url())

    assert response.status_code == 302 and response["Location"] == version_url(2)
    old, new = the_budget(1), the_budget(2)
    assert new.status == BudgetStatus.DRAFT and new.revises == old
    assert new.title == f"Reviderad internbudget {YEAR} med plan {YEAR + 1}–{YEAR + 3}"

    def shape(budget):
        return [
            (
                row.position,
                row.label,
                row.operation_id,
                row.parent.label if row.parent else None,
                sorted(row.predecessors.values_list("pk", flat=True)),
                sorted((a.column.year, a.amount) for a in row.amounts.all()),
            )
            for row in budget.rows.order_by("position")
        ]

    assert shape(new) == shape(old)
    assert all(row.origin.budget == old for row in new.rows.all())
    assert [(c.year, c.kind, c.frame) for c in new.columns.all()] == [
        (c.year, c.kind, c.frame) for c in old.columns.all()
    ]
    assert list(new.frame_adjustments.values_list("label", "amount")) == [
        ("Pris och lön", Decimal("5000.00"))
    ]
    assert list(new.investment_plan.values_list("year", "amount")) == [(YEAR, Decimal("250000"))]

    refused = client.post(adopt_url(2), {"decision": "AN 2031-03-20 § 23"})
    assert refused.status_code == 400 and "Gäller i uppföljningen från månad" in text(refused)
    adopted = client.post(adopt_url(2), {"decision": "AN 2031-03-20 § 23", "from_month": "4"})

    assert adopted.status_code == 302
    new.refresh_from_db()
    assert new.decision == "AN 2031-03-20 § 23" and old.decision == "AN 2030-11-20 § 99"
    assert (new.period.month, old.period.month) == (11, 12)
    follow = client.get(adopted["Location"])
    assert "gäller i uppföljningen från månad 4" in text(follow).lower()
    for version in (1, 2):
        assert client.get(version_url(version)).status_code == 200


def test_the_service_returns_the_month_a_revision_applies_from(controller, amn):
    from budget.services.internal_budget_work import adopt_internal_budget, revise_internal_budget

    revision = revise_internal_budget(InternalBudget.objects.get(committee=amn, year=2024), None)

    adopted, month = adopt_internal_budget(
        revision,
        controller,
        decision="AN 2024-03-20 § 30",
        frame_difference_note="Som i originalet.",
        from_month=4,
    )

    assert (adopted.version, adopted.is_adopted, month) == (2, True, 4)


# Permissions and the demo -----------------------------------------------------------------


def test_members_get_403_on_every_internbudget_page(client, member, draft):
    client.force_login(member)

    for url in (list_url(), version_url()):
        assert client.get(url).status_code == 403
    for url in (list_url(), version_url(), adopt_url(), revise_url()):
        assert client.post(url, {}).status_code == 403


def test_the_demo_versions_are_adopted_and_linked_to_their_periods(client, staff, amn):
    client.force_login(staff)
    revised = InternalBudget.objects.get(committee=amn, year=2019, version=2)
    budget_2024 = InternalBudget.objects.get(committee=amn, year=2024)

    assert all(b.is_adopted for b in InternalBudget.objects.filter(committee=amn))
    assert (revised.period.year, revised.period.month) == (2019, 12)
    assert (budget_2024.period.year, budget_2024.period.month) == (2024, 12)
    page = text(client.get(version_url(1, 2024)))
    assert "Beslutet är inte angivet" in page
    assert "Budgetram enligt beslut i KF 2023-06-13 § 222" in page


def test_the_start_page_links_to_the_internbudget_for_staff(client, staff):
    client.force_login(staff)

    assert list_url() in client.get(reverse("amn:start")).content.decode()


# Query counts -----------------------------------------------------------------------------


def add_posts(budget: InternalBudget, count: int) -> None:
    columns = list(budget.columns.all())
    start_at = budget.rows.count() + 1
    for n in range(count):
        row = InternalBudgetRow.objects.create(
            budget=budget, position=start_at + n, label=f"Post {n}"
        )
        change = InternalBudgetRow.objects.create(
            budget=budget, position=start_at + count + n, label=f"Förändring {n}", parent=row
        )
        for column in columns:
            InternalBudgetAmount.objects.create(row=row, column=column, amount=n)
            InternalBudgetAmount.objects.create(row=change, column=column, amount=1)


@pytest.mark.parametrize("count", [3, 30])
def test_the_version_and_list_pages_take_as_many_queries_for_3_and_30_posts(
    client, staff, draft, count, django_assert_max_num_queries
):
    add_posts(draft, count)

    with django_assert_max_num_queries(10):
        assert client.get(version_url()).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(list_url()).status_code == 200


def test_the_admin_shows_an_adopted_version_read_only(client, superuser, amn):
    client.force_login(superuser)
    adopted = InternalBudget.objects.get(committee=amn, year=2024)
    url = reverse("admin:budget_internalbudget_change", args=[adopted.pk])

    page = client.get(url)
    posted = client.post(url, {"title": "Ändrad i admin"})

    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    assert posted.status_code == 403
    adopted.refresh_from_db()
    assert adopted.title == "Internbudget 2024 med plan 2025–2029"


def test_a_label_longer_than_its_column_is_refused_at_the_field(client, staff, draft):
    data = page_form(client.get(version_url()))
    data[f"label-p{posts(draft)[0].pk}"] = "B" * 250

    response = client.post(version_url(), data)

    assert response.status_code == 400
    assert "Högst 200 tecken (du skrev 250)." in text(response)
    assert post_of(draft, "Ekonomiskt bistånd")


def test_a_report_period_keeps_showing_its_own_version_while_a_revision_is_drafted(
    client, controller, amn
):
    client.force_login(controller)
    revised = InternalBudget.objects.get(committee=amn, year=2019, version=2)
    client.post(revise_url(2, 2019))
    draft = InternalBudget.objects.get(committee=amn, year=2019, version=3)
    InternalBudgetRow.objects.filter(budget=draft, label="Nämnden").update(label="Ny i utkastet")

    report = text(client.get(reverse("reports:draft", args=["AMN", revised.period.pk])))

    assert "Reviderad internbudget 2019 med plan 2020–2022" in report
    assert "Ny i utkastet" not in report and "Nämnden" in report


def test_months_up_to_a_delarsrapport_are_no_utfall_for_the_year(amn, django_user_model):
    """AMN's 2023 holds January–August only: internbudget 2025 leaves Utfall 2023 empty."""
    from budget.services.internal_budget_work import start_internal_budget

    user = django_user_model.objects.create_user("ib-2025")
    budget = start_internal_budget(amn, 2025, 1, user)
    outcome = budget.columns.get(year=2023)
    assert not outcome.amounts.exists()
    budget_2024 = budget.columns.get(year=2024)
    assistance = budget.rows.get(label="Ekonomiskt bistånd")
    assert budget_2024.amounts.get(row=assistance).amount == Decimal("323040000.00")
