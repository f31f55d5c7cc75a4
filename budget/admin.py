from django.contrib import admin
from django.db import transaction

from amn.admin_site import committees_of
from amn.models import ChangeSource
from budget.models import (
    Forecast,
    FrameAdjustment,
    ImportProfile,
    InternalBudget,
    InternalBudgetAmount,
    InternalBudgetColumn,
    InternalBudgetRow,
    Investment,
    InvestmentFollowUp,
    InvestmentPlanAmount,
    LedgerCodeMapping,
    LedgerImport,
    MonthlyAmount,
    Operation,
    OwnUnit,
    SummaryRow,
)
from budget.services.import_profiles import delete_profile, save_profile


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["code", "name"]


@admin.register(OwnUnit)
class OwnUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "committee", "administration"]
    list_filter = ["committee"]
    search_fields = ["name"]
    list_select_related = ["committee", "administration"]


@admin.register(SummaryRow)
class SummaryRowAdmin(admin.ModelAdmin):
    list_display = ["label", "committee", "year", "position", "kind", "operation", "parent"]
    list_filter = ["committee", "year", "kind"]
    search_fields = ["label", "operation__code", "operation__name"]
    list_select_related = ["committee", "operation", "parent"]
    raw_id_fields = ["parent", "predecessor"]
    filter_horizontal = ["own_units"]


@admin.register(MonthlyAmount)
class MonthlyAmountAdmin(admin.ModelAdmin):
    list_display = ["row", "measure", "month", "amount", "revenues"]
    list_filter = ["measure", "row__committee", "row__year", "month"]
    search_fields = ["row__label"]
    list_select_related = ["row__committee"]
    raw_id_fields = ["row"]


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["row", "period", "amount", "revenues"]
    list_filter = ["period__committee", "period"]
    search_fields = ["row__label", "comment"]
    list_select_related = ["row__committee", "period__committee"]
    raw_id_fields = ["row"]


def _adopted_budget(obj) -> bool:
    """Whether the object is, or belongs to, an adopted internbudget version: frozen."""
    if obj is None:
        return False
    if isinstance(obj, InternalBudget):
        return obj.is_adopted
    if isinstance(obj, InternalBudgetAmount):
        return obj.row.budget.is_adopted
    budget = getattr(obj, "budget", None)
    return budget is not None and budget.is_adopted


class FrozenWhenAdopted:
    """An adopted internbudget version, and everything in it, is shown read-only: it is
    changed by a revision (a new version), never in place."""

    def has_change_permission(self, request, obj=None):
        return not _adopted_budget(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _adopted_budget(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, *args):
        # An inline is asked with the parent object (None on the add page); a model admin
        # with the request alone.
        if args and _adopted_budget(args[0]):
            return False
        return super().has_add_permission(request, *args)


class InternalBudgetColumnInline(FrozenWhenAdopted, admin.TabularInline):
    model = InternalBudgetColumn
    extra = 0


class InternalBudgetRowInline(FrozenWhenAdopted, admin.TabularInline):
    model = InternalBudgetRow
    extra = 0
    raw_id_fields = ["parent", "operation"]


@admin.register(InternalBudget)
class InternalBudgetAdmin(FrozenWhenAdopted, admin.ModelAdmin):
    list_display = ["title", "committee", "year", "version", "status", "decision", "decision_date"]
    list_filter = ["committee", "year", "status"]
    search_fields = ["title", "decision"]
    list_select_related = ["committee"]
    inlines = [InternalBudgetColumnInline, InternalBudgetRowInline]
    # Adopting goes through its rules (the frame check, the decision, the report period):
    # on the version page, never by setting the status here.
    readonly_fields = ["status", "adopted_at", "adopted_by"]


@admin.register(InternalBudgetRow)
class InternalBudgetRowAdmin(FrozenWhenAdopted, admin.ModelAdmin):
    list_display = ["label", "budget", "position", "parent", "operation"]
    list_filter = ["budget"]
    search_fields = ["label"]
    list_select_related = ["budget__committee", "parent", "operation"]


@admin.register(InternalBudgetAmount)
class InternalBudgetAmountAdmin(FrozenWhenAdopted, admin.ModelAdmin):
    list_display = ["row", "column", "amount"]
    list_filter = ["column__budget", "column__year"]
    search_fields = ["row__label"]
    list_select_related = ["row", "column"]


@admin.register(FrameAdjustment)
class FrameAdjustmentAdmin(FrozenWhenAdopted, admin.ModelAdmin):
    list_display = ["label", "group", "amount", "budget"]
    list_filter = ["budget"]
    search_fields = ["label", "group"]
    list_select_related = ["budget__committee"]


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "committee"]
    list_filter = ["committee"]
    search_fields = ["code", "name"]


@admin.register(InvestmentFollowUp)
class InvestmentFollowUpAdmin(admin.ModelAdmin):
    list_display = [
        "investment",
        "period",
        "actual_expenditure",
        "actual_income",
        "forecast_expenditure",
        "forecast_income",
        "budget",
    ]
    list_filter = ["period__committee", "period"]
    search_fields = ["investment__name", "investment__code"]
    list_select_related = ["investment", "period__committee"]


@admin.register(InvestmentPlanAmount)
class InvestmentPlanAmountAdmin(FrozenWhenAdopted, admin.ModelAdmin):
    list_display = ["investment", "budget", "year", "amount"]
    list_filter = ["budget", "year"]
    search_fields = ["investment__name"]
    list_select_related = ["investment", "budget__committee"]


@admin.register(LedgerCodeMapping)
class LedgerCodeMappingAdmin(admin.ModelAdmin):
    list_display = ["code", "dimension", "row", "year", "committee"]
    list_filter = ["committee", "dimension", "year"]
    search_fields = ["code", "row__label"]
    list_select_related = ["committee", "row__committee"]
    raw_id_fields = ["row"]


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    """A kommun's profiles (shared by its nämnder or one nämnd's own): an admin user sees
    and changes those of its nämnder's kommun (the kommun and nämnd choices are scoped by
    the site), and the history records every change."""

    list_display = [
        "name",
        "municipality",
        "committee",
        "sie_operation_dimension",
        "sie_responsibility_dimension",
    ]
    list_filter = ["municipality"]
    search_fields = ["name", "description"]
    list_select_related = ["municipality", "committee"]

    def get_queryset(self, request):
        queryset = ImportProfile.objects.select_related("municipality", "committee")
        if request.user.is_superuser:
            return queryset
        return queryset.for_committees(committees_of(request))

    def save_model(self, request, obj, form, change) -> None:
        save_profile(obj, request.user, ChangeSource.ADMIN)

    def delete_model(self, request, obj) -> None:
        delete_profile(obj, request.user, ChangeSource.ADMIN)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for profile in queryset:
                delete_profile(profile, request.user, ChangeSource.ADMIN)


@admin.register(LedgerImport)
class LedgerImportAdmin(admin.ModelAdmin):
    """The history is written by the import itself; here it can only be read."""

    list_display = ["pk", "file_name", "committee", "status", "created_by", "created_at"]
    list_filter = ["committee", "status"]
    search_fields = ["file_name", "checksum"]
    list_select_related = ["committee", "created_by"]
    exclude = ["preview", "replaced_amounts"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
