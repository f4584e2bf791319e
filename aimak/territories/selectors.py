"""Reads from the gazetteer: search, the tree (now or as of a date), roll-up onto successors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When

from aimak.core.text import fold

from .models import (
    KIND_LEVEL,
    GazetteerEdition,
    Territory,
    TerritoryKind,
    TerritoryVersion,
    path_ids,
)

BOUNDARIES = ("geometry", "geometry_web")


def without_boundaries(queryset, *relations: str):
    """``queryset`` with the territory ``relations`` it selects (e.g. "territory") loaded without
    their boundaries: a rayon's outline is tens of kilobytes of JSON that a list of values, index
    rows or alerts never shows, and decoding it dominated those answers (issue 7's benchmark)."""
    return queryset.defer(*(f"{relation}__{field}" for relation in relations for field in BOUNDARIES))


def ancestors(territory: Territory) -> list[Territory]:
    """From the country down to the territory's parent, in one query."""
    ids = path_ids(territory.path)[:-1]
    found = {t.pk: t for t in Territory.objects.filter(pk__in=ids).defer(*BOUNDARIES)}
    return [found[i] for i in ids if i in found]


def ancestors_for(territories) -> dict[int, list[Territory]]:
    """Parent chains of many territories in one query (search results, lists)."""
    territories = list(territories)
    wanted = {i for t in territories for i in path_ids(t.path)[:-1]}
    found = {t.pk: t for t in Territory.objects.filter(pk__in=wanted).only("id", "code", "kind", "path", *_name_fields())}
    return {t.pk: [found[i] for i in path_ids(t.path)[:-1] if i in found] for t in territories}


def _name_fields():
    return [f"{f}_{lang}" for f in ("name", "short_name") for lang in ("ky", "ru", "en")] + ["name", "short_name"]


def children(territory: Territory | None, *, as_of: date | None = None):
    if as_of is not None:
        return tree_as_of(as_of).filter(parent=territory).order_by("name_ru")
    qs = Territory.objects.filter(valid_to__isnull=True)
    qs = qs.filter(parent=territory) if territory else qs.filter(parent__isnull=True)
    return qs.order_by("kind", "name_ru")


def child_items(parent: Territory, as_of: date | None) -> list[dict]:
    """Rows of the browsable tree: the children of a unit, now or on a date, each saying
    whether it has children of its own (one query either way)."""
    if as_of is None:
        qs = (
            Territory.objects.filter(parent=parent, valid_to__isnull=True)
            .annotate(n_children=Count("children", filter=Q(children__valid_to__isnull=True)))
            .order_by("kind", "name_ru")
        )
        return [{"territory": t, "name": t.name, "code": t.code, "kind": t.get_kind_display(), "has_children": t.n_children > 0} for t in qs]
    below = TerritoryVersion.objects.valid_on(as_of).filter(parent=OuterRef("territory"))
    versions = (
        TerritoryVersion.objects.valid_on(as_of)
        .filter(parent=parent)
        .annotate(has_children=Exists(below))
        .select_related("territory")
        .order_by("kind", "name_ru")
    )
    return [{"territory": v.territory, "name": v.name, "code": v.code, "kind": v.get_kind_display(), "has_children": v.has_children} for v in versions]


def search(query: str, *, limit: int = 20, kinds=None, include_abolished=False):
    """Territories whose names, variants or codes contain the query, however it is spelt.

    Exact names come first, then names that start with the query, then higher levels
    (an oblast before a village of the same name)."""
    key = fold(query)
    if len(key) < 2:
        return Territory.objects.none()
    qs = Territory.objects.filter(search_key__contains=key)
    if not include_abolished:
        qs = qs.filter(valid_to__isnull=True)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    level = Case(*[When(kind=k, then=Value(int(v))) for k, v in KIND_LEVEL.items()], output_field=IntegerField())
    rank = Case(
        When(search_key__contains=f"|{key}|", then=Value(0)),
        When(search_key__contains=f"|{key}", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=rank, depth_rank=level).order_by("rank", "depth_rank", "name_ru")[:limit]


def by_code(code: str) -> Territory | None:
    """A current territory by SOATE code or P-code; else the last unit that had that code."""
    code = code.strip().upper()
    if code.startswith("KG"):
        code = "417" + code[2:]
    found = Territory.objects.filter(code=code).order_by(
        Case(When(valid_to__isnull=True, then=Value(0)), default=Value(1)), "-valid_to"
    ).first()
    if found is None:  # a code the unit had before a code change
        found = Territory.objects.filter(other_names__kind="former_code", other_names__name=code).first()
    return found


def tree_as_of(day: date):
    """Each territory's state (code, name, parent, path) on a date."""
    return TerritoryVersion.objects.valid_on(day).select_related("territory")


def edition_as_of(day: date | None) -> GazetteerEdition | None:
    """The newest edition of the tree in force on a date: what a report on history names."""
    qs = GazetteerEdition.objects.all()
    if day is not None:
        qs = qs.filter(Q(effective_date__isnull=True) | Q(effective_date__lte=day))
    return qs.order_by(Case(When(effective_date__isnull=True, then=Value(0)), default=Value(1)), "effective_date", "created_at").last()


@dataclass(frozen=True)
class Successor:
    origin_id: int
    territory_id: int
    share: float


def successors(territory_ids, *, as_of: date, since: date | None = None) -> list[Successor]:
    """Where the given territories' data lands on the tree of ``as_of``.

    Follows merge/split links of changes effective after ``since`` (the date the data was
    recorded) and up to ``as_of``, multiplying shares; a territory unchanged in that window
    maps onto itself with share 1. The database walks the links (recursive SQL), so a
    roll-up can join this mapping instead of looping in Python.
    """
    ids = [int(i) for i in territory_ids]
    if not ids:
        return []
    start = since or date(1, 1, 1)
    date_cast = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    share_cast = "CAST({} AS NUMERIC)" if connection.vendor == "postgresql" else "({})"
    placeholders = ", ".join(["%s"] * len(ids))
    sql = f"""
    WITH RECURSIVE chain(origin, territory, share, since, hops) AS (
        SELECT t.id, t.id, {share_cast.format('1')}, {date_cast}, 0
        FROM territories_territory t WHERE t.id IN ({placeholders})
      UNION ALL
        SELECT chain.origin, l.successor_id, {share_cast.format('chain.share * l.share')}, c.effective_date, chain.hops + 1
        FROM chain
        JOIN territories_territorychangelink l ON l.predecessor_id = chain.territory
        JOIN territories_territorychange c ON c.id = l.change_id
        WHERE c.effective_date > chain.since AND c.effective_date <= {date_cast}
          AND l.successor_id IS NOT NULL AND chain.hops < 32
    )
    SELECT chain.origin, chain.territory, chain.share FROM chain
    WHERE NOT EXISTS (
        SELECT 1 FROM territories_territorychangelink l2
        JOIN territories_territorychange c2 ON c2.id = l2.change_id
        WHERE l2.predecessor_id = chain.territory AND c2.effective_date > chain.since
          AND c2.effective_date <= {date_cast}
    )
    """
    params = [start, *ids, as_of, as_of]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    merged: dict[tuple[int, int], float] = {}
    for origin, territory, share in rows:
        merged[(origin, territory)] = merged.get((origin, territory), 0.0) + float(share)
    return [Successor(o, t, s) for (o, t), s in sorted(merged.items())]


def roll_up(values: dict[int, float], *, as_of: date, since: date | None = None) -> dict[int, float]:
    """Re-express values recorded per territory on the tree of ``as_of`` (shares applied)."""
    out: dict[int, float] = {}
    for s in successors(values.keys(), as_of=as_of, since=since):
        out[s.territory_id] = out.get(s.territory_id, 0.0) + values[s.origin_id] * s.share
    return out


def level_kinds(level: int) -> list[str]:
    return [k for k, v in KIND_LEVEL.items() if v == level]


def map_layer(level: int):
    """Current territories of a level with what a map needs (boundary or point)."""
    return (
        Territory.objects.filter(valid_to__isnull=True, kind__in=level_kinds(level))
        .only("id", "code", "kind", "path", "latitude", "longitude", "geometry_web", *_name_fields())
        .order_by("code")
    )


def counts_by_kind() -> dict[str, int]:
    from django.db.models import Count

    rows = Territory.objects.filter(valid_to__isnull=True).order_by().values("kind").annotate(n=Count("id"))
    counts = {k: 0 for k in TerritoryKind.values}
    counts.update({r["kind"]: r["n"] for r in rows})
    return counts
