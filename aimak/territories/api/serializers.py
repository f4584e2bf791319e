from rest_framework import serializers

from .. import selectors
from ..models import Territory, TerritoryVersion


class TerritoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["code", "name", "kind"]


class TerritorySerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField()
    short_names = serializers.SerializerMethodField()
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Territory
        fields = [
            "code", "pcode", "iso_code", "kind", "level", "name", "names", "short_name", "short_names", "parent",
            "latitude", "longitude", "population", "population_year", "valid_from", "valid_to", "url",
        ]

    def get_names(self, obj) -> dict:
        return {lang: getattr(obj, f"name_{lang}") or "" for lang in ("ky", "ru", "en")}

    def get_short_names(self, obj) -> dict:
        return {lang: getattr(obj, f"short_name_{lang}") or "" for lang in ("ky", "ru", "en")}

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class TerritoryWithChainSerializer(TerritorySerializer):
    parents = serializers.SerializerMethodField()

    class Meta(TerritorySerializer.Meta):
        fields = TerritorySerializer.Meta.fields + ["parents"]

    def get_parents(self, obj) -> list[dict]:
        chain = self.context.get("chains", {}).get(obj.pk)
        if chain is None:
            chain = selectors.ancestors(obj)
        return TerritoryBriefSerializer(chain, many=True).data


class TerritoryStateSerializer(serializers.ModelSerializer):
    """A territory as it was on a date."""

    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    names = serializers.SerializerMethodField()

    class Meta:
        model = TerritoryVersion
        fields = ["territory", "code", "kind", "name", "names", "parent", "valid_from", "valid_to"]

    def get_names(self, obj) -> dict:
        return {lang: getattr(obj, f"name_{lang}") or "" for lang in ("ky", "ru", "en")}


class SuccessorSerializer(serializers.Serializer):
    territory = serializers.CharField()
    name = serializers.CharField()
    share = serializers.FloatField()
