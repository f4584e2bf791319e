"""Shapes of the calls API. Territories are named by their codes; the aggregated scores are
given only where the results are published or the person may see them (never who scored what)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimak.monitoring.api.serializers import TerritoryRefField, page_url

from .. import subjects
from ..models import Application, Call, Criterion
from ..selectors import calls as selectors


class CriterionSerializer(serializers.ModelSerializer):
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    evidence = serializers.SerializerMethodField(help_text=_("Codes of the subject's checks shown beside the criterion."))

    class Meta:
        model = Criterion
        fields = ["id", "order", "title", "description", "weight", "evidence"]

    def get_evidence(self, obj) -> list[str]:
        return subjects.codes(obj.evidence)


class CallSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_("competition or small_grants."))
    status = serializers.CharField(read_only=True, help_text=_("draft, open, review, decided or published."))
    territory = TerritoryRefField(help_text=_("The level at which the call is run."))
    eligible = serializers.SerializerMethodField(help_text=_("SOATE codes of the territories that may apply (with everything below them)."))
    criteria = CriterionSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()
    results_url = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "kind", "title", "description", "organiser", "territory", "eligible", "subject_type", "opens", "closes",
                  "review_until", "scale_min", "scale_max", "prizes", "status", "decision_note", "decided_at", "criteria", "url", "results_url"]

    def get_eligible(self, obj) -> list[str]:
        return [t.code for t in obj.eligible.all()]

    def get_url(self, obj) -> str | None:
        return page_url(obj)

    def get_results_url(self, obj) -> str | None:
        from django.urls import reverse

        return reverse("calls:results", args=[obj.pk]) if obj.status == Call.Status.PUBLISHED else None


class CriterionMeanSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text=_("Id of the criterion."))
    mean = serializers.FloatField(help_text=_("Mean of the members' scores."))
    scores = serializers.IntegerField(help_text=_("Number of members who scored it."))


class AggregateSerializer(serializers.Serializer):
    weighted = serializers.FloatField(allow_null=True, help_text=_("Σ weight × mean per criterion / Σ weight, on the call's scale."))
    percent = serializers.FloatField(allow_null=True, help_text=_("The weighted score as a percentage of the scale."))
    spread = serializers.FloatField(allow_null=True, help_text=_("Highest minus lowest member's weighted total."))
    members_scored = serializers.IntegerField()
    conflicts = serializers.IntegerField(help_text=_("Members who declared a conflict of interest."))
    criteria = CriterionMeanSerializer(many=True)


class ApplicationSerializer(serializers.ModelSerializer):
    territory = TerritoryRefField(help_text=_("The applicant municipality."))
    status = serializers.CharField(read_only=True, help_text=_("draft, submitted, withdrawn or ineligible."))
    result = serializers.CharField(read_only=True, help_text=_("winner, prize, not_awarded, or empty before the decision."))
    subject = serializers.SerializerMethodField(help_text=_("What the application is made with, e.g. programs.program:12."))
    scores = serializers.SerializerMethodField(help_text=_("Aggregated scores, where the results are published or you may see them."))
    url = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "call", "territory", "applicant_name", "title", "summary", "subject", "status", "submitted_at",
                  "result", "prize", "rank", "scores", "url"]

    def get_subject(self, obj) -> str | None:
        if not obj.subject_type_id:
            return None
        return f"{obj.subject_type.app_label}.{obj.subject_type.model}:{obj.subject_id}"

    def get_url(self, obj) -> str | None:
        return page_url(obj)

    @extend_schema_field(AggregateSerializer(allow_null=True))
    def get_scores(self, obj):
        seen = self.context.setdefault("sees_scores", {})
        if obj.call_id not in seen:
            seen[obj.call_id] = selectors.sees_scores(self.context["request"].user, obj.call)
        if not seen[obj.call_id]:
            return None
        means = self.context.get("means", {})
        return {
            "weighted": obj.weighted, "percent": obj.percent, "spread": obj.spread,
            "members_scored": obj.members_scored, "conflicts": obj.conflicts,
            "criteria": [{"criterion": criterion, "mean": row["mean"], "scores": row["n"]}
                         for (application, criterion), row in sorted(means.items()) if application == obj.pk],
        }
