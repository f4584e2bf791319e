"""Filters shared by the territory pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import selectors
from .models import Level, Territory, TerritoryKind


class TerritoryTextFilter(django_filters.CharFilter):
    """Rows whose territory matches what a person types: the start of a SOATE code, or a name in
    any language and spelling (the same folded search as the gazetteer). ``field_name`` is the
    lookup to the territory (default "territory")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "territory")
        kwargs.setdefault("label", _("Territory name or code"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        from aimak.core.text import fold

        value = (value or "").strip()
        if value.isdigit():
            return qs.filter(**{f"{self.field_name}__code__startswith": value})
        key = fold(value)
        return qs.filter(**{f"{self.field_name}__search_key__contains": key}) if key else qs


@extend_schema_field(OpenApiTypes.INT)
class LevelFilter(django_filters.TypedChoiceFilter):
    pass


class TerritoryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=TerritoryKind.choices)
    level = LevelFilter(label=_("Level"), choices=Level.choices, coerce=int, method="filter_level")
    parent = django_filters.CharFilter(label=_("Part of (SOATE code)"), method="filter_parent")
    within = django_filters.CharFilter(label=_("Anywhere under (SOATE code)"), method="filter_within")
    abolished = django_filters.BooleanFilter(label=_("Include abolished units"), method="filter_abolished")

    class Meta:
        model = Territory
        fields = ["q", "kind", "level", "parent", "within", "abolished"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("abolished"):
            queryset = queryset.filter(valid_to__isnull=True)
        return super().filter_queryset(queryset)

    def filter_q(self, queryset, name, value):
        from aimak.core.text import fold

        key = fold(value)
        return queryset.filter(search_key__contains=key) if key else queryset

    def filter_level(self, queryset, name, value):
        return queryset.filter(kind__in=selectors.level_kinds(value))

    def filter_parent(self, queryset, name, value):
        parent = selectors.by_code(value)
        return queryset.filter(parent=parent) if parent else queryset.none()

    def filter_within(self, queryset, name, value):
        ancestor = selectors.by_code(value)
        return queryset.descendants_of(ancestor) if ancestor else queryset.none()

    def filter_abolished(self, queryset, name, value):
        return queryset
