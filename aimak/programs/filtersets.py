"""Filters of the program list and its exports: the same question for the page and the files."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aimak.monitoring.filtersets import TerritoryFilter
from aimak.territories.filtersets import TerritoryTextFilter

from .models import Edition, Program, Stage


class ProgramFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Title contains"))
    place = TerritoryTextFilter(label=_("Municipality name or code"))
    territory = TerritoryFilter(field_name="territory", label=_("Territory (SOATE code)"),
                                help_text=_("A rayon or oblast finds the programs of every municipality in it."))
    edition = django_filters.ModelChoiceFilter(queryset=Edition.objects.all(), to_field_name="code", label=_("Methodology edition"),
                                               empty_label=_("All editions"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Stage"), empty_label=_("All stages"))
    year = django_filters.NumberFilter(method="filter_year", label=_("Covers the year"))

    class Meta:
        model = Program
        fields = []

    def filter_text(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(title__icontains=value) if value else qs

    def filter_year(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(Q(start_year__lte=value) & Q(end_year__gte=value))
