import django_filters
from django.utils.translation import gettext_lazy as _

from .models import ChangeRecord, SecurityEvent


class ChangeRecordFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(label=_("Who (user name)"), field_name="user__username", lookup_expr="icontains")
    object_type = django_filters.CharFilter(label=_("Object type"), lookup_expr="icontains")
    territory = django_filters.CharFilter(label=_("Territory (SOATE code)"), method="filter_territory")
    since = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label=_("Until"), field_name="created_at", lookup_expr="date__lte", widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}))
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ChangeRecord.Action.choices)

    class Meta:
        model = ChangeRecord
        fields = ["user", "object_type", "territory", "since", "until", "action"]

    def filter_territory(self, queryset, name, value):
        from aimak.territories.selectors import by_code

        territory = by_code(value)
        return queryset.filter(territory_path__startswith=territory.path) if territory else queryset.none()


class SecurityEventFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("User name"), lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label=_("Event"), choices=SecurityEvent.Kind.choices)
    since = django_filters.DateFilter(label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = SecurityEvent
        fields = ["username", "kind", "since"]
