"""Shapes of the program API. Municipalities are named by their SOATE codes; the whole content
of a program is the same structured document its versions freeze and its documents render."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aimak.monitoring.api.serializers import TerritoryRefField, page_url

from ..models import Edition, Program, Stage


class EditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Edition
        fields = ["code", "name", "description", "valid_from", "is_active", "template"]


class ProgramSerializer(serializers.ModelSerializer):
    territory = TerritoryRefField(help_text=_("The city or aiyl aimak."))
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = ["id", "title", "territory", "edition", "language", "start_year", "end_year", "stage", "stage_label",
                  "resolution_number", "resolution_date", "previous", "is_synthetic", "updated_at", "url"]

    def get_url(self, obj) -> str | None:
        return page_url(obj)


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "partial", "missing"])
    figure = serializers.CharField()
    explanation = serializers.CharField()


class FinancingLineSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    source = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=1)
