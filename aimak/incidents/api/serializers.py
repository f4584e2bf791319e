"""Shapes of the incident API. Territories and types are named by their codes, so scripts and
files survive a database reload; the ACLED fields are spelled as ACLED spells them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimak.monitoring.api.serializers import TerritoryRefField, TranslationsSerializer, page_url, translations

from ..models import ActorKind, DisorderType, EventType, Incident, IncidentType, Precision


class IncidentTypeSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("Code of the type this sub-type belongs to."))
    names = serializers.SerializerMethodField()
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("Code of the indicator it is counted in."))
    disorder_type = serializers.ChoiceField(choices=DisorderType.choices, read_only=True)
    event_type = serializers.ChoiceField(choices=EventType.choices, read_only=True)

    class Meta:
        model = IncidentType
        fields = ["code", "name", "names", "parent", "disorder_type", "event_type", "sub_event_type", "indicator", "order", "is_active"]

    @extend_schema_field(TranslationsSerializer)
    def get_names(self, obj):
        return translations(obj, "name")


class IncidentTypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text=_("Code of the type this sub-type belongs to."))
    disorder_type = serializers.CharField(help_text=_("ACLED disorder type."))
    event_type = serializers.CharField(help_text=_("ACLED event type."))
    sub_event_type = serializers.CharField(help_text=_("ACLED sub-event type."))


@extend_schema_field(IncidentTypeRefSerializer)
class IncidentTypeRefField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return {"code": value.code, "name": value.name, "parent": value.parent.code if value.parent_id else None,
                "disorder_type": value.disorder_type, "event_type": value.event_type, "sub_event_type": value.sub_event_type}


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text=_("AIM<id> for Aimak's incidents, ACLED's event id for the reference layer."))
    territory = TerritoryRefField()
    incident_type = IncidentTypeRefField()
    date_precision = serializers.IntegerField(read_only=True, help_text=_("1 exact, 2 within a week, 3 within the month."))
    geo_precision = serializers.IntegerField(read_only=True, help_text=_("1 exact, 2 near the place, 3 only the area is known."))
    actor1_kind = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("ACLED inter code of the first actor (1–8)."))
    actor2_kind = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("ACLED inter code of the second actor (1–8)."))
    reported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "url", "origin", "external_id", "source_dataset", "date", "date_precision", "territory", "village",
            "latitude", "longitude", "geo_precision", "incident_type", "actor1", "actor1_kind", "assoc_actor1", "actor2", "actor2_kind",
            "assoc_actor2", "groups", "participants", "injured", "injured_women", "killed", "killed_women", "displaced_households",
            "description", "sources", "verification", "verification_note", "sensitivity", "reported_by", "integration",
            "created_at", "updated_at", "is_synthetic",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str | None:
        return page_url(obj)


# Plain integer ranges in the schema: the same choices under two field names would otherwise ask
# for a shared enum name in the project settings.
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 3, "default": 1,
                      "description": "1 exact; 2 within a week or near the place; 3 within the month or only the area is known."})
class PrecisionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Precision.choices, required=False, default=Precision.EXACT, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 8, "nullable": True,
                      "description": "ACLED inter code: " + "; ".join(f"{k.value} {k.name.lower().replace('_', ' ')}" for k in ActorKind)})
class ActorKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ActorKind.choices, required=False, allow_null=True, default=None, **kwargs)


def _code_field(help_text):
    return serializers.CharField(help_text=help_text, required=False, allow_blank=True)


class IncidentCreateSerializer(serializers.Serializer):
    """What a person or a script sends to record an incident; checked by the same rules as the form."""

    date = serializers.DateField(required=False, allow_null=True, help_text=_("YYYY-MM-DD; the first day of the week or month if only that is known."))
    date_precision = PrecisionField()
    territory = _code_field(_("SOATE code of the rayon or municipality."))
    village = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None, coerce_to_string=False)
    geo_precision = PrecisionField()
    incident_type = _code_field(_("Code of the incident sub-type (see /api/incidents/types/)."))
    actor1 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    actor1_kind = ActorKindField()
    assoc_actor1 = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    actor2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    actor2_kind = ActorKindField()
    assoc_actor2 = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    groups = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    participants = serializers.IntegerField(required=False, allow_null=True, default=None)
    injured = serializers.IntegerField(required=False, default=0)
    injured_women = serializers.IntegerField(required=False, allow_null=True, default=None)
    killed = serializers.IntegerField(required=False, default=0)
    killed_women = serializers.IntegerField(required=False, allow_null=True, default=None)
    displaced_households = serializers.IntegerField(required=False, default=0)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    sources = serializers.CharField(required=False, allow_blank=True, default="")
    sensitivity = serializers.ChoiceField(choices=Incident.Sensitivity.choices, required=False, default=Incident.Sensitivity.PUBLIC)

    def validate_territory(self, value):
        from aimak.territories.selectors import by_code

        if not value:
            return None
        found = by_code(value)
        if found is None:
            raise serializers.ValidationError(_("No territory has the code “%(value)s”.") % {"value": value})
        return found

    def validate_incident_type(self, value):
        if not value:
            return None
        found = IncidentType.objects.filter(code=value).first()
        if found is None:
            raise serializers.ValidationError(_("There is no incident type “%(code)s”.") % {"code": value})
        return found
