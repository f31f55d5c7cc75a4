from django.contrib import admin

from indicators.models import GoalIndicator, Indicator, IndicatorValue, KoladaValue, Series, Target


class SeriesInline(admin.TabularInline):
    model = Series
    extra = 0


class GoalIndicatorInline(admin.TabularInline):
    model = GoalIndicator
    extra = 0
    autocomplete_fields = ["goal"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "group", "unit", "source", "kolada_kpi", "committee"]
    list_filter = ["kind", "committee", "person_based", "goals__municipal_goal__area"]
    search_fields = ["name", "source", "kolada_kpi"]
    list_select_related = ["committee"]
    inlines = [GoalIndicatorInline, SeriesInline]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["indicator", "label", "gender", "administration"]
    list_filter = ["gender", "administration", "indicator__kind"]
    search_fields = ["label", "indicator__name"]
    list_select_related = ["indicator", "administration"]


class ShownValue:
    """Shows a value as the report prints it, not with the four decimals stored."""

    @admin.display(description="värde")
    def shown(self, obj):
        return obj.display


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ShownValue, admin.ModelAdmin):
    list_display = ["series", "year", "month", "kind", "shown", "annotation", "origin"]
    list_filter = ["year", "month", "kind", "missing", "origin", "series__indicator__kind"]
    search_fields = ["series__indicator__name", "note"]
    list_select_related = ["series__indicator"]
    raw_id_fields = ["series"]


@admin.register(Target)
class TargetAdmin(ShownValue, admin.ModelAdmin):
    list_display = ["series", "year", "kind", "shown"]
    list_filter = ["year", "kind"]
    search_fields = ["series__indicator__name", "text"]
    list_select_related = ["series__indicator"]
    raw_id_fields = ["series"]


@admin.register(KoladaValue)
class KoladaValueAdmin(admin.ModelAdmin):
    list_display = ["kpi", "municipality", "year", "gender", "value", "fetched_at"]
    list_filter = ["year", "gender"]
    search_fields = ["kpi", "municipality"]
