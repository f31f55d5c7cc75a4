from django.contrib import admin

from goals.models import (
    ActivityStatus,
    AssessmentPoint,
    AssessmentRules,
    AssignmentStatus,
    CommitteeGoal,
    GoalArea,
    GoalAssessment,
    InternalControlPoint,
    InternalControlStatus,
    MunicipalGoal,
    PlanActivity,
    StrategicAssignment,
)


class PeriodStatusAdmin(admin.ModelAdmin):
    list_filter = ["status", "period__committee", "period"]


@admin.register(GoalArea)
class GoalAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    search_fields = ["name"]


@admin.register(MunicipalGoal)
class MunicipalGoalAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "first_year", "last_year", "municipality"]
    list_filter = ["area", "municipality"]
    search_fields = ["name", "description"]
    list_select_related = ["area", "municipality"]


@admin.register(CommitteeGoal)
class CommitteeGoalAdmin(admin.ModelAdmin):
    list_display = ["name", "municipal_goal", "committee", "first_year", "last_year"]
    list_filter = ["committee", "municipal_goal__area"]
    search_fields = ["name", "description"]
    list_select_related = ["municipal_goal", "committee"]


class AssessmentPointInline(admin.TabularInline):
    model = AssessmentPoint
    extra = 0


@admin.register(GoalAssessment)
class GoalAssessmentAdmin(admin.ModelAdmin):
    list_display = ["goal", "period", "level", "suggested_level"]
    list_filter = ["level", "period__committee", "period"]
    search_fields = ["goal__name", "motivation"]
    list_select_related = ["goal", "period__committee"]
    inlines = [AssessmentPointInline]


@admin.register(AssessmentPoint)
class AssessmentPointAdmin(admin.ModelAdmin):
    list_display = ["assessment", "kind", "position"]
    list_filter = ["kind"]
    search_fields = ["text"]
    list_select_related = ["assessment__goal", "assessment__period__committee"]


class AssignmentStatusInline(admin.TabularInline):
    model = AssignmentStatus
    extra = 0


@admin.register(StrategicAssignment)
class StrategicAssignmentAdmin(admin.ModelAdmin):
    list_display = ["title", "scope", "first_year", "committee"]
    list_filter = ["scope", "committee", "first_year"]
    search_fields = ["title", "description"]
    list_select_related = ["committee"]
    inlines = [AssignmentStatusInline]


@admin.register(AssignmentStatus)
class AssignmentStatusAdmin(PeriodStatusAdmin):
    list_display = ["assignment", "period", "status"]
    search_fields = ["assignment__title", "comment"]
    list_select_related = ["assignment", "period__committee"]


class ActivityStatusInline(admin.TabularInline):
    model = ActivityStatus
    extra = 0


@admin.register(PlanActivity)
class PlanActivityAdmin(admin.ModelAdmin):
    list_display = ["text", "administration", "goal", "assignment", "year", "planned"]
    list_filter = ["committee", "administration", "year"]
    search_fields = ["text"]
    list_select_related = ["administration", "goal", "assignment"]
    inlines = [ActivityStatusInline]


@admin.register(ActivityStatus)
class ActivityStatusAdmin(PeriodStatusAdmin):
    list_display = ["activity", "period", "status"]
    search_fields = ["activity__text", "comment"]
    list_select_related = ["activity", "period__committee"]


class InternalControlStatusInline(admin.TabularInline):
    model = InternalControlStatus
    extra = 0


@admin.register(InternalControlPoint)
class InternalControlPointAdmin(admin.ModelAdmin):
    list_display = ["control", "process", "year", "committee"]
    list_filter = ["committee", "year"]
    search_fields = ["control", "process"]
    list_select_related = ["committee"]
    inlines = [InternalControlStatusInline]


@admin.register(InternalControlStatus)
class InternalControlStatusAdmin(PeriodStatusAdmin):
    list_display = ["point", "period", "status"]
    search_fields = ["point__control", "comment"]
    list_select_related = ["point", "period__committee"]


@admin.register(AssessmentRules)
class AssessmentRulesAdmin(admin.ModelAdmin):
    list_display = ["committee", "met_from_percent", "partly_from_percent", "minimum_judged"]
