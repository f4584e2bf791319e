"""Reads for the incident map: points for the incidents a filtered page finds, coloured by the
type group, and the counts shown beside the map (which also stand in for it without JavaScript)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from aimak.territories.models import Territory, path_ids

from ..models import Incident, IncidentType

# Okabe–Ito colours (told apart with colour blindness), one per type group in catalogue order.
PALETTE = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]
# A phone on a weak connection should not download the whole country's history at once.
MAP_LIMIT = 3000


def type_groups() -> list[dict]:
    """Top-level types with their colour: {"pk", "code", "name", "colour"}."""
    groups = IncidentType.objects.filter(parent__isnull=True).order_by("order", "code")
    return [{"pk": g.pk, "code": g.code, "name": g.name, "colour": PALETTE[i % len(PALETTE)]} for i, g in enumerate(groups)]


def group_counts(incidents: QuerySet) -> list[dict]:
    """The type groups with how many of ``incidents`` fall in each (zero groups left out)."""
    counts = dict(
        incidents.order_by().annotate(group=Coalesce("incident_type__parent_id", "incident_type_id"))
        .values("group").annotate(n=Count("id")).values_list("group", "n")
    )
    return [{**g, "count": counts[g["pk"]]} for g in type_groups() if counts.get(g["pk"])]


def placement_counts(incidents: QuerySet) -> dict:
    """How many incidents have their own coordinates and how many only their territory's."""
    return incidents.order_by().aggregate(
        total=Count("id"),
        exact=Count("id", filter=Q(latitude__isnull=False)),
        approximate=Count("id", filter=Q(latitude__isnull=True)),
    )


def _centres(territory_ids) -> dict[int, tuple[float, float] | None]:
    """Each territory's point, or that of the nearest area above it that has one."""
    places = {t.pk: t for t in Territory.objects.filter(pk__in=set(territory_ids)).only("id", "path", "latitude", "longitude")}
    above = {i for t in places.values() for i in path_ids(t.path)[:-1]}
    points = {
        pk: (lat, lon) for pk, lat, lon in Territory.objects.filter(pk__in=above | set(places), latitude__isnull=False, longitude__isnull=False)
        .values_list("id", "latitude", "longitude")
    }
    out = {}
    for pk, t in places.items():
        out[pk] = next((points[i] for i in reversed(path_ids(t.path)) if i in points), None)
    return out


def features(incidents: QuerySet, *, limit: int = MAP_LIMIT) -> tuple[list[dict], int]:
    """GeoJSON point features of the newest ``limit`` incidents, and how many could not be placed."""
    colours = {g["pk"]: g["colour"] for g in type_groups()}
    verification = dict(Incident.Verification.choices)
    origins = dict(Incident.Origin.choices)
    rows = list(
        incidents.order_by("-date", "-id")[:limit].values(
            "id", "origin", "external_id", "date", "date_precision", "latitude", "longitude", "village", "territory_id",
            "incident_type_id", "incident_type__parent_id", "injured", "killed", "verification", "sensitivity",
        )
    )
    kinds = IncidentType.objects.in_bulk({r["incident_type_id"] for r in rows})
    territories = Territory.objects.in_bulk({r["territory_id"] for r in rows})
    centres = _centres([r["territory_id"] for r in rows if r["latitude"] is None])
    out, unplaced = [], 0
    for r in rows:
        approximate = r["latitude"] is None
        point = centres.get(r["territory_id"]) if approximate else (float(r["latitude"]), float(r["longitude"]))
        if point is None:
            unplaced += 1
            continue
        group = r["incident_type__parent_id"] or r["incident_type_id"]
        reference = r["external_id"] if r["origin"] == Incident.Origin.ACLED and r["external_id"] else f"AIM{r['id']}"
        out.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(point[1], 6), round(point[0], 6)]},
            "properties": {
                "id": r["id"], "reference": reference, "url": reverse("incidents:incident", args=[r["id"]]),
                "date": r["date"].isoformat(), "date_approximate": r["date_precision"] != 1,
                "type": str(kinds[r["incident_type_id"]].name), "colour": colours.get(group, PALETTE[-1]),
                "territory": str(territories[r["territory_id"]].name), "village": r["village"],
                "injured": r["injured"], "killed": r["killed"],
                "verification": r["verification"], "verification_label": str(verification[r["verification"]]),
                "restricted": r["sensitivity"] == Incident.Sensitivity.RESTRICTED,
                "origin": r["origin"], "origin_label": str(origins[r["origin"]]),
                "approximate": approximate,
            },
        })
    return out, unplaced
