"""Who must report what: the reporters a form expects, and where a territory sat in the tree
during a period."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Q

from aimak.territories.models import Territory, TerritoryVersion
from aimak.territories.selectors import without_boundaries

from ..models import FormAssignment, PeriodClosure, ReportingForm


def expected_territories(form: ReportingForm, *, as_of: date | None = None):
    """Territories that must report ``form``: every territory of the assigned kinds under each
    assigned area, valid on ``as_of`` (today's tree when None)."""
    condition = Q(pk__in=[])
    for assignment in without_boundaries(FormAssignment.objects.filter(form=form).select_related("area"), "area"):
        condition |= Q(path__startswith=assignment.area.path, kind__in=assignment.kinds or [])
    qs = Territory.objects.filter(condition)
    return qs.valid_on(as_of) if as_of else qs.current()


def is_expected(form: ReportingForm, territory: Territory, *, as_of: date | None = None) -> bool:
    return expected_territories(form, as_of=as_of).filter(pk=territory.pk).exists()


def forms_for(territory: Territory):
    """Active forms that ``territory`` must report."""
    ids = [
        a.form_id for a in without_boundaries(FormAssignment.objects.filter(form__is_active=True).select_related("area"), "area")
        if territory.path.startswith(a.area.path) and territory.kind in (a.kinds or [])
    ]
    return ReportingForm.objects.filter(pk__in=ids)


def is_closed(form: ReportingForm, period_start: date) -> bool:
    return PeriodClosure.objects.filter(form=form, period_start=period_start).exists()


def path_as_of(territory: Territory, day: date) -> str:
    """The territory's materialised path on ``day`` (its version then), or its current path."""
    # the latest-starting version valid that day; an open start (NULL) sorts last on every database
    version = (
        TerritoryVersion.objects.filter(territory=territory).valid_on(day)
        .order_by(F("valid_from").desc(nulls_last=True), "-pk").first()
    )
    return version.path if version and version.path else territory.path
