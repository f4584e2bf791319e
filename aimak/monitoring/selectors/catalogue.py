"""Reading the catalogue: indicators, their version history and the forms that use them."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Domain, FormIndicator, Indicator, IndicatorVersion, PeriodClosure, ReportingForm
from . import forms as form_selectors

# How the version history names the fields that changed.
FIELD_LABELS = {
    "code": _("code"), "domain": _("domain"),
    "name_ky": _("name (Kyrgyz)"), "name_ru": _("name (Russian)"), "name_en": _("name (English)"),
    "definition_ky": _("definition (Kyrgyz)"), "definition_ru": _("definition (Russian)"), "definition_en": _("definition (English)"),
    "unit_ky": _("unit (Kyrgyz)"), "unit_ru": _("unit (Russian)"), "unit_en": _("unit (English)"),
    "source_ky": _("data source (Kyrgyz)"), "source_ru": _("data source (Russian)"), "source_en": _("data source (English)"),
    "value_type": _("value type"), "polarity": _("polarity"), "disaggregation": _("disaggregation"),
    "period_type": _("period type"), "collection_level": _("collection level"), "aggregation": _("aggregation up the tree"),
    "min_value": _("smallest valid value"), "max_value": _("largest valid value"), "thresholds": _("thresholds"),
    "critical_value": _("critical value"), "index_weight": _("weight in the index"), "numerator": _("numerator"),
    "denominator": _("denominator"), "factor": _("factor"), "is_active": _("in use"),
}


def indicators():
    return Indicator.objects.select_related("domain", "numerator", "denominator").order_by("domain__order", "code")


def indicator_by_code(code: str) -> Indicator | None:
    return indicators().filter(code=code).first()


def domains():
    return Domain.objects.annotate(indicator_count=Count("indicators")).order_by("order", "code")


def formulas_using(indicator: Indicator):
    """Formula indicators that take this one as numerator or denominator."""
    return Indicator.objects.filter(Q(numerator=indicator) | Q(denominator=indicator)).order_by("code")


def forms_using(indicator: Indicator):
    """Forms on which the indicator is entered, or, for a formula, its parts are."""
    ids = [indicator.pk]
    if indicator.is_formula:
        ids += [indicator.numerator_id, indicator.denominator_id]
    return ReportingForm.objects.filter(items__indicator_id__in=ids).distinct().order_by("code")


def version_history(indicator: Indicator) -> list[dict]:
    """Every version, newest first, with the fields that changed against the one before."""
    versions = list(IndicatorVersion.objects.filter(indicator=indicator).select_related("changed_by").order_by("version"))
    out, previous = [], None
    for v in versions:
        changes = []
        if previous is not None:
            for key in sorted(set(previous.definition) | set(v.definition), key=lambda k: list(FIELD_LABELS).index(k) if k in FIELD_LABELS else 99):
                old, new = previous.definition.get(key), v.definition.get(key)
                if old != new:
                    changes.append({"field": key, "label": FIELD_LABELS.get(key, key), "old": _shown(old), "new": _shown(new)})
        out.append({"version": v, "changes": changes})
        previous = v
    out.reverse()
    return out


def _shown(value) -> str:
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def reporting_forms():
    return ReportingForm.objects.annotate(
        indicator_count=Count("items", distinct=True), area_count=Count("assignments", distinct=True)
    ).order_by("code")


def form_by_code(code: str) -> ReportingForm | None:
    return ReportingForm.objects.filter(code=code).first()


def form_items(form: ReportingForm):
    return FormIndicator.objects.filter(form=form).select_related("indicator", "indicator__domain").order_by("order", "id")


def form_assignments(form: ReportingForm) -> list[dict]:
    """Each assigned area with how many current territories of the kinds lie under it."""
    from aimak.territories.models import Territory

    out = []
    for a in form.assignments.select_related("area").order_by("area__path"):
        count = Territory.objects.current().filter(path__startswith=a.area.path, kind__in=a.kinds or []).count()
        out.append({"assignment": a, "area": a.area, "kinds": a.kinds or [], "expected": count})
    return out


def expected_count(form: ReportingForm) -> int:
    return form_selectors.expected_territories(form).count()


def closures(form: ReportingForm):
    return PeriodClosure.objects.filter(form=form).select_related("closed_by").order_by("-period_start")
