from django.contrib import admin

from indicators.models import Indicator, IndicatorValue, Series, Target


class SeriesInline(admin.TabularInline):
    model = Series
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "goal", "unit", "source", "kolada_kpi", "committee"]
    list_filter = ["kind", "committee", "goal__municipal_goal__area"]
    search_fields = ["name", "source", "kolada_kpi"]
    list_select_related = ["goal", "committee"]
    inlines = [SeriesInline]


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
    list_display = ["series", "year", "month", "kind", "shown", "annotation"]
    list_filter = ["year", "month", "kind", "missing", "series__indicator__kind"]
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
