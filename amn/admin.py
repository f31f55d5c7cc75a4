from django.contrib import admin

from amn.models import (
    Administration,
    Change,
    Committee,
    CommitteeMembership,
    Municipality,
    PublishedReport,
    ReportingPeriod,
    ReportText,
    SectionPlan,
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "kolada_id"]
    search_fields = ["name", "kolada_id"]


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = CommitteeMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["code", "name"]
    filter_horizontal = ["administrations"]
    inlines = [MembershipInline]


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(admin.ModelAdmin):
    administrators_only = True  # who holds which role is set up by administrators
    list_display = ["user", "committee", "role"]
    list_filter = ["committee", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "committee"]
    autocomplete_fields = ["user"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["title", "committee", "year", "month", "kind"]
    list_filter = ["committee", "kind", "year"]
    search_fields = ["title"]
    list_select_related = ["committee"]


@admin.register(ReportText)
class ReportTextAdmin(admin.ModelAdmin):
    list_display = ["period", "section", "title"]
    list_filter = ["section", "period__committee", "period__year"]
    search_fields = ["title", "body"]
    list_select_related = ["period__committee"]


@admin.register(SectionPlan)
class SectionPlanAdmin(admin.ModelAdmin):
    list_display = ["period", "section", "responsible", "deadline", "ready_at"]
    list_filter = ["period__committee", "period", "section"]
    list_select_related = ["period__committee", "responsible"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the application writes and never changes: read, never edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PublishedReport)
class PublishedReportAdmin(ReadOnlyAdmin):
    list_display = ["title", "period", "version", "published_at", "published_by"]
    list_filter = ["period__committee", "period"]
    list_select_related = ["period__committee", "published_by"]
    exclude = ["html", "data", "workbook"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html", "data", "workbook")


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "changed_by", "source", "subject", "field", "old", "new"]
    list_filter = ["committee", "source", "period"]
    search_fields = ["subject", "field", "old", "new"]
    list_select_related = ["committee", "changed_by", "period"]
    date_hierarchy = "changed_at"
