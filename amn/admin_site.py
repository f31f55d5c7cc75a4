"""The admin, scoped by nämnd.

Administrators (superusers) set everything up and see everything. Another admin user
(is_staff, with Django model permissions) sees and edits only what belongs to the nämnder
where it holds a Förvaltning or Controller role: every list, every change page, every
foreign-key choice. Records of no nämnd (kommun, förvaltning, målområde …) it may read
for its own kommun but only administrators change them. A user who is only a nämnd member
never reaches the admin, whatever its flags say.

List filters are scoped like the rows: a scoped admin user's filters offer only the
nämnder, periods, kommuner and values found in the rows it may see, and a user drop-down
offers only the users holding a role in its nämnder.

Every model admin registered on the site gets the scoping: `AmnAdminSite.register` puts
`CommitteeScopedAdmin` in front of it, and the path from a model to its nämnd is found
from the model's foreign keys, so a new model admin cannot be left unscoped. What an
admin user changes is kept in the history like any other change.
"""

from collections import deque

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.db import models, transaction

from amn.models import ChangeSource, Committee, CommitteeMembership, Municipality, Role
from amn.services.history import Edit, record_changes

ADMIN_ROLES = (Role.STAFF, Role.CONTROLLER)
MAX_PATH = 4


def path_to(model, target) -> str | None:
    """The shortest lookup through foreign keys from `model` to `target` ("row__committee"),
    "pk" for the target itself, None when there is none."""
    if model is target:
        return "pk"
    queue = deque([(model, [])])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if len(path) >= MAX_PATH:
            continue
        for field in current._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            related = field.related_model
            if related is target:
                return "__".join([*path, field.name])
            if related not in seen:
                seen.add(related)
                queue.append((related, [*path, field.name]))
    return None


def committees_of(request) -> list[int]:
    """The nämnder the admin user may administer: asked once per request."""
    if not hasattr(request, "_admin_committees"):
        request._admin_committees = list(
            CommitteeMembership.objects.filter(user=request.user, role__in=ADMIN_ROLES)
            .values_list("committee_id", flat=True)
            .distinct()
        )
    return request._admin_committees


def _value_of(obj, path: str):
    for part in path.split("__"):
        if obj is None:
            return None
        obj = obj if part == "pk" else getattr(obj, part)
    return obj


class ScopedChoices:
    """Foreign-key and many-to-many choices limited to what the user may administer."""

    def _scoped_queryset(self, request, related_model, queryset):
        if related_model is get_user_model():
            base = queryset if queryset is not None else related_model._default_manager.all()
            return base.filter(
                committee_memberships__committee__in=committees_of(request)
            ).distinct()
        related_admin = self.admin_site._registry.get(related_model)
        if isinstance(related_admin, CommitteeScopedAdmin):
            return related_admin.get_queryset(request)
        committee_path = path_to(related_model, Committee)
        base = queryset if queryset is not None else related_model._default_manager.all()
        if committee_path is not None:
            return base.filter(**{f"{committee_path}__in": committees_of(request)})
        return base

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = self._scoped_queryset(
                request, db_field.related_model, kwargs.get("queryset")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = self._scoped_queryset(
                request, db_field.related_model, kwargs.get("queryset")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CommitteeScopedAdmin(ScopedChoices, admin.ModelAdmin):
    @property
    def committee_path(self) -> str | None:
        return path_to(self.model, Committee)

    @property
    def municipality_path(self) -> str | None:
        return path_to(self.model, Municipality)

    def get_list_filter(self, request):
        # Administrators get the same filters: what the rows hold, in one query each.
        list_filter = super().get_list_filter(request)
        return [_scoped_filter(self.model, entry) for entry in list_filter]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if self.committee_path is not None:
            return queryset.filter(**{f"{self.committee_path}__in": committees_of(request)})
        if self.municipality_path is not None:
            municipalities = Committee.objects.filter(pk__in=committees_of(request)).values(
                "municipality_id"
            )
            return queryset.filter(**{f"{self.municipality_path}__in": municipalities})
        return queryset

    # Set for records only administrators keep, although they belong to a nämnd (who
    # holds which role).
    administrators_only = False

    def _owned_by_a_nämnd(self) -> bool:
        # A nämnd itself is set up by administrators, like the records of no nämnd.
        return not self.administrators_only and self.committee_path not in (None, "pk")

    def has_view_permission(self, request, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj)
        if request.user.is_superuser or not allowed:
            return allowed
        if self.administrators_only:
            return False
        # Records of neither a nämnd nor a kommun (users, groups) are for administrators.
        return self.committee_path is not None or self.municipality_path is not None

    def has_add_permission(self, request, *args) -> bool:
        allowed = super().has_add_permission(request, *args)
        return allowed and (request.user.is_superuser or self._owned_by_a_nämnd())

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (request.user.is_superuser or self._owned_by_a_nämnd())

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (request.user.is_superuser or self._owned_by_a_nämnd())

    def get_inline_instances(self, request, obj=None):
        return [_scoped_inline(inline) for inline in super().get_inline_instances(request, obj)]

    # --- the history ------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        before = self._snapshot(type(obj)._default_manager.filter(pk=obj.pk).first())
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self._record(request, obj, before, self._snapshot(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record(request, obj, self._snapshot(obj), {})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._record(request, obj, self._snapshot(obj), {})
            super().delete_queryset(request, queryset)

    def _snapshot(self, obj) -> dict:
        if obj is None:
            return {}
        values = {}
        for field in obj._meta.concrete_fields:
            if field.primary_key or isinstance(field, models.BinaryField):
                continue
            value = getattr(obj, field.name) if field.is_relation else field.value_from_object(obj)
            values[str(field.verbose_name)] = str(value) if field.is_relation and value else value
        return values

    def _record(self, request, obj, before: dict, after: dict) -> None:
        committee = _value_of(obj, self.committee_path) if self.committee_path else None
        if committee is None:
            return  # records of no nämnd are set up by administrators, not reported on
        period = getattr(obj, "period", None)
        subject = f"{obj._meta.verbose_name.capitalize()}: {obj}"
        record_changes(
            committee=committee,
            period=period if period is not None and period.pk else None,
            user=request.user,
            source=ChangeSource.ADMIN,
            edits=[
                Edit(subject, name, before.get(name), after.get(name))
                for name in dict.fromkeys([*before, *after])
            ],
        )


class RowValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """The values found in the rows the user may see, also through a relation
    ("period__year"), where Django's filter would list those of every row of the model."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .distinct()
            .order_by(field_path)
            .values_list(field_path, flat=True)
        )


class RelatedInRowsListFilter(admin.RelatedOnlyFieldListFilter):
    """The related records found in the rows the user may see, named in one query: a
    period's name needs its nämnd, which Django's filter would fetch once per period."""

    def field_choices(self, field, request, model_admin):
        found = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        related = field.remote_field.model._default_manager.filter(pk__in=found).select_related()
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            related = related.order_by(*ordering)
        return [(record.pk, str(record)) for record in related]


def _scoped_filter(model, entry):
    """A list filter of `model` that offers only what the rows a scoped user sees hold."""
    if not isinstance(entry, str):
        return entry
    field = get_fields_from_path(model, entry)[-1]
    if field.is_relation:
        return (entry, RelatedInRowsListFilter)
    plain = not (field.choices or isinstance(field, (models.BooleanField, models.DateField)))
    if "__" in entry and plain:
        return (entry, RowValuesFieldListFilter)
    return entry


def _scoped_inline(inline):
    if isinstance(inline, ScopedChoices):
        return inline
    inline.__class__ = type(inline.__class__.__name__, (ScopedChoices, inline.__class__), {})
    return inline


class AmnAdminSite(admin.AdminSite):
    site_header = "Budget- och måluppföljning – administration"
    site_title = "Administration"
    index_title = "Administration"

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or bool(committees_of(request))

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CommitteeScopedAdmin):
            # The registered class first: its settings (administrators_only, read-only
            # permissions) win, and its overrides reach the scoping through super().
            admin_class = type(admin_class.__name__, (admin_class, CommitteeScopedAdmin), {})
        super().register(model_or_iterable, admin_class, **options)
