from django.contrib import admin

from amn.models import (
    Administration,
    Committee,
    CommitteeMembership,
    Municipality,
    ReportingPeriod,
    ReportText,
)

admin.site.site_header = "Budget- och måluppföljning – administration"
admin.site.site_title = "Administration"
admin.site.index_title = "Administration"


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
