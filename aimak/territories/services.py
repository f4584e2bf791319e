"""Writes to the gazetteer: keeping paths, versions and search keys true, and applying changes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import (
    PATH_STEP,
    GazetteerEdition,
    Territory,
    TerritoryChange,
    TerritoryChangeLink,
    TerritoryKind,
    TerritoryName,
    TerritoryVersion,
    path_step,
)
from .names import FULL_FORM, search_key, short_from_russian

LANGS = ("ky", "ru", "en")
VERSIONED_FIELDS = ("code", "kind", "parent_id", "path", "depth", "name_ky", "name_ru", "name_en")


def pcode_for(code: str) -> str:
    return "KG" + code[3:] if code.startswith("417") else ""


# --- paths and search keys ------------------------------------------------------------------


def compute_paths(territories: dict[int, Territory]) -> list[Territory]:
    """Set path and depth from the parent chain; returns the territories that changed."""
    changed = []
    done: dict[int, str] = {}

    def resolve(t: Territory, seen=()) -> str:
        if t.pk in done:
            return done[t.pk]
        if t.pk in seen:
            raise ValueError(f"cycle in the territory tree at {t.code}")
        if t.parent_id is None:
            path = path_step(t.pk)
        else:
            parent = territories.get(t.parent_id) or Territory.objects.get(pk=t.parent_id)
            territories.setdefault(parent.pk, parent)
            path = resolve(parent, seen + (t.pk,)) + path_step(t.pk)
        done[t.pk] = path
        return path

    for t in list(territories.values()):
        path = resolve(t)
        depth = len(path) // PATH_STEP - 1
        if t.path != path or t.depth != depth:
            t.path, t.depth = path, depth
            changed.append(t)
    return changed


def refresh_search_keys(territories) -> None:
    """Recompute the folded search text of the given territories (names, variants, codes)."""
    territories = list(territories)
    others: dict[int, list[str]] = {}
    for tid, name in TerritoryName.objects.filter(territory__in=[t.pk for t in territories]).values_list("territory_id", "name"):
        others.setdefault(tid, []).append(name)
    for t in territories:
        values = [getattr(t, f"{f}_{lang}") for f in ("name", "short_name") for lang in LANGS]
        values += others.get(t.pk, [])
        values += [t.code, t.pcode, t.iso_code]
        t.search_key = search_key(values)
    Territory.objects.bulk_update(territories, ["search_key"], batch_size=500)  # derived, not audited


def sync_open_versions(territories) -> None:
    """Make each territory's open version match its fields (corrections, not historic changes)."""
    territories = {t.pk: t for t in territories}
    versions = TerritoryVersion.objects.filter(territory_id__in=territories.keys(), valid_to__isnull=True)
    have = set()
    updates = []
    for v in versions:
        have.add(v.territory_id)
        t = territories[v.territory_id]
        if any(getattr(v, f) != getattr(t, f) for f in VERSIONED_FIELDS):
            for f in VERSIONED_FIELDS:
                setattr(v, f, getattr(t, f))
            updates.append(v)
    TerritoryVersion.objects.bulk_update(updates, list(VERSIONED_FIELDS), batch_size=500)
    missing = [t for pk, t in territories.items() if pk not in have and t.valid_to is None]
    TerritoryVersion.objects.bulk_create(
        [TerritoryVersion(territory=t, valid_from=t.valid_from, **{f: getattr(t, f) for f in VERSIONED_FIELDS}) for t in missing],
        batch_size=500,
    )


# --- territorial changes --------------------------------------------------------------------


class ChangeError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class ChangeRow:
    line: int
    from_code: str = ""
    to_code: str = ""
    share: Decimal | None = None
    names: dict = field(default_factory=dict)  # name_ru, name_ky, name_en
    kind: str = ""
    parent_code: str = ""


@dataclass
class ChangeSpec:
    key: str
    kind: str
    effective_date: date
    rows: list[ChangeRow]
    note: str = ""

    @property
    def line(self) -> int:
        return self.rows[0].line

    def fingerprint(self) -> str:
        payload = [self.kind, self.effective_date.isoformat(), self.note]
        for r in self.rows:
            payload.append([r.from_code, r.to_code, str(r.share or ""), sorted(r.names.items()), r.kind, r.parent_code])
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


class ChangeApplier:
    """Applies one change event; every failure names the input line and the reason."""

    def __init__(self, spec: ChangeSpec, edition: GazetteerEdition):
        self.spec = spec
        self.day = spec.effective_date
        self.edition = edition
        self.change: TerritoryChange | None = None

    # lookups
    def unit(self, code: str, line: int) -> Territory:
        t = Territory.objects.filter(code=code, valid_to__isnull=True).first()
        if t is None:
            ended = Territory.objects.filter(code=code).order_by("-valid_to").first()
            if ended:
                raise ChangeError(line, _("Territory %(code)s (%(name)s) was already abolished on %(date)s.") % {"code": code, "name": ended.name, "date": ended.valid_to})
            raise ChangeError(line, _("No territory has the code %(code)s.") % {"code": code})
        opened = t.versions.filter(valid_to__isnull=True).values_list("valid_from", flat=True).first()
        if opened and opened > self.day:
            raise ChangeError(
                line,
                _("Territory %(code)s already has a later change (%(later)s); changes must be loaded in date order.")
                % {"code": code, "later": opened},
            )
        return t

    # building blocks
    def _record_former_names(self, t: Territory, names: dict) -> None:
        for lang in LANGS:
            old, new = getattr(t, f"name_{lang}"), (names.get(f"name_{lang}") or "").strip()
            if old and new and new != old:
                TerritoryName.objects.update_or_create(
                    territory=t, name=old, kind=TerritoryName.Kind.FORMER, defaults={"language": lang, "valid_to": self.day}
                )

    def _new_version(self, t: Territory) -> None:
        """Close the open version at the change date and open one with the territory's fields."""
        open_version = t.versions.filter(valid_to__isnull=True).first()
        values = {f: getattr(t, f) for f in VERSIONED_FIELDS}
        if open_version and open_version.valid_from == self.day:
            for f, v in values.items():
                setattr(open_version, f, v)
            open_version.change = self.change
            open_version.save()
            return
        if open_version:
            open_version.valid_to = self.day
            open_version.save(update_fields=["valid_to"])
        TerritoryVersion.objects.create(territory=t, valid_from=self.day, change=self.change, **values)

    def _move_subtree(self, t: Territory) -> None:
        """After t's parent changed, recompute paths below it and version every moved unit."""
        subtree = {x.pk: x for x in Territory.objects.filter(path__startswith=t.path, valid_to__isnull=True)}
        subtree[t.pk] = t
        for moved in compute_paths(subtree):
            moved.save(update_fields=["path", "depth", "updated_at"])
            if moved.pk != t.pk:
                self._new_version(moved)
        t.save()
        self._new_version(t)

    def _set_names(self, t: Territory, names: dict) -> None:
        for lang in LANGS:
            value = (names.get(f"name_{lang}") or "").strip()
            if not value:
                continue
            setattr(t, f"name_{lang}", value)
            if lang == "ru":
                short = short_from_russian(value)
            else:
                suffix = FULL_FORM[lang].get(t.kind, "{}").replace("{}", "")
                short = value[: -len(suffix)].strip() if suffix and value.endswith(suffix) else value
            setattr(t, f"short_name_{lang}", short)

    def _abolish(self, t: Territory, line: int, moving_children_to: Territory | None = None) -> None:
        children = list(t.children.filter(valid_to__isnull=True))
        if children and moving_children_to is None:
            raise ChangeError(
                line,
                _("Territory %(code)s still has %(count)d units under it (%(names)s); move them in an earlier event first.")
                % {"code": t.code, "count": len(children), "names": ", ".join(c.name for c in children[:5])},
            )
        for child in children:
            child.parent = moving_children_to
            self._move_subtree(child)
        open_version = t.versions.filter(valid_to__isnull=True).first()
        if open_version:
            if open_version.valid_from == self.day:
                raise ChangeError(line, _("Territory %(code)s cannot be created and abolished on the same day.") % {"code": t.code})
            open_version.valid_to = self.day
            open_version.save(update_fields=["valid_to"])
        t.valid_to = self.day
        t.save(update_fields=["valid_to", "updated_at"])

    def _create(self, row: ChangeRow, kind: str, parent: Territory | None) -> Territory:
        if not row.names.get("name_ru"):
            raise ChangeError(row.line, _("A new territory needs at least its Russian name (name_ru)."))
        if kind not in TerritoryKind.values:
            raise ChangeError(row.line, _("Unknown kind of territory: %(kind)s.") % {"kind": kind or "—"})
        t = Territory(code=row.to_code, pcode=pcode_for(row.to_code), kind=kind, parent=parent, valid_from=self.day, path="")
        self._set_names(t, row.names)
        t.save()
        compute_paths({t.pk: t})
        t.save(update_fields=["path", "depth"])
        TerritoryVersion.objects.create(territory=t, valid_from=self.day, change=self.change, **{f: getattr(t, f) for f in VERSIONED_FIELDS})
        return t

    def _parent(self, row: ChangeRow) -> Territory | None:
        return self.unit(row.parent_code, row.line) if row.parent_code else None

    def _link(self, predecessor, successor, share=Decimal(1)):
        TerritoryChangeLink.objects.create(change=self.change, predecessor=predecessor, successor=successor, share=share)

    # the kinds of change
    def apply(self) -> TerritoryChange:
        spec = self.spec
        self.change = TerritoryChange.objects.create(
            key=spec.key, kind=spec.kind, effective_date=self.day, edition=self.edition, note=spec.note, fingerprint=spec.fingerprint()
        )
        getattr(self, f"_apply_{spec.kind}")()
        touched = Territory.objects.filter(
            Q(successor_links__change=self.change) | Q(predecessor_links__change=self.change)
        ).distinct()
        refresh_search_keys(touched)
        return self.change

    def _single(self) -> ChangeRow:
        if len(self.spec.rows) != 1:
            raise ChangeError(self.spec.line, _("A %(kind)s event has exactly one row.") % {"kind": self.spec.kind})
        return self.spec.rows[0]

    def _apply_create(self):
        for row in self.spec.rows:
            if Territory.objects.filter(code=row.to_code, valid_to__isnull=True).exists():
                raise ChangeError(row.line, _("A territory with the code %(code)s already exists.") % {"code": row.to_code})
            if not row.parent_code:
                raise ChangeError(row.line, _("A new territory needs the code of its parent (parent_code)."))
            t = self._create(row, row.kind, self._parent(row))
            self._link(None, t)

    def _apply_rename(self):
        row = self._single()
        t = self.unit(row.from_code, row.line)
        if not any(row.names.values()):
            raise ChangeError(row.line, _("A renaming needs the new name in at least one language."))
        self._record_former_names(t, row.names)
        self._set_names(t, row.names)
        t.save()
        self._new_version(t)
        self._link(t, t)

    def _apply_code_change(self):
        row = self._single()
        t = self.unit(row.from_code, row.line)
        if Territory.objects.filter(code=row.to_code, valid_to__isnull=True).exclude(pk=t.pk).exists():
            raise ChangeError(row.line, _("A territory with the code %(code)s already exists.") % {"code": row.to_code})
        TerritoryName.objects.update_or_create(
            territory=t, name=t.code, kind=TerritoryName.Kind.FORMER_CODE, defaults={"valid_to": self.day}
        )
        t.code, t.pcode = row.to_code, pcode_for(row.to_code)
        t.save()
        self._new_version(t)
        self._link(t, t)

    def _apply_reparent(self):
        row = self._single()
        t = self.unit(row.from_code, row.line)
        parent = self._parent(row)
        if parent is None:
            raise ChangeError(row.line, _("A move needs the code of the new parent (parent_code)."))
        if parent.path.startswith(t.path):
            raise ChangeError(row.line, _("A territory cannot be moved under itself or its own descendant."))
        t.parent = parent
        self._move_subtree(t)
        self._link(t, t)

    def _apply_abolish(self):
        row = self._single()
        t = self.unit(row.from_code, row.line)
        self._abolish(t, row.line)
        self._link(t, None)

    def _apply_merge(self):
        rows = self.spec.rows
        targets = {r.to_code for r in rows}
        if len(targets) != 1 or not next(iter(targets)):
            raise ChangeError(rows[0].line, _("All rows of a merger must name the same successor code (to_code)."))
        if len(rows) < 2:
            raise ChangeError(rows[0].line, _("A merger needs at least two predecessors."))
        target_code = rows[0].to_code
        predecessors = [(r, self.unit(r.from_code, r.line)) for r in rows]
        codes = [r.from_code for r in rows]
        if len(set(codes)) != len(codes):
            raise ChangeError(rows[0].line, _("A predecessor is listed twice in the same merger."))
        names = {k: v for r in rows for k, v in r.names.items() if v}
        successor = next((t for r, t in predecessors if t.code == target_code), None)
        if successor is None:
            successor = Territory.objects.filter(code=target_code, valid_to__isnull=True).first()
        if successor is None:
            kinds = {t.kind for _r, t in predecessors}
            kind = next((r.kind for r in rows if r.kind), None) or (kinds.pop() if len(kinds) == 1 else "")
            parent_code = next((r.parent_code for r in rows if r.parent_code), "")
            parents = {t.parent_id for _r, t in predecessors}
            if parent_code:
                parent = self.unit(parent_code, rows[0].line)
            elif len(parents) == 1:
                parent = predecessors[0][1].parent
            else:
                raise ChangeError(rows[0].line, _("The predecessors have different parents; give the successor's parent_code."))
            successor = self._create(ChangeRow(line=rows[0].line, to_code=target_code, names=names), kind, parent)
        elif names:
            self._record_former_names(successor, names)
            self._set_names(successor, names)
            successor.save()
            self._new_version(successor)
        for row, t in predecessors:
            if t.pk != successor.pk:
                self._abolish(t, row.line, moving_children_to=successor)
            self._link(t, successor)

    def _apply_split(self):
        rows = self.spec.rows
        sources = {r.from_code for r in rows}
        if len(sources) != 1:
            raise ChangeError(rows[0].line, _("All rows of a split must name the same predecessor (from_code)."))
        total = sum((r.share or Decimal(0)) for r in rows)
        if any(r.share is None for r in rows) or abs(total - 1) > Decimal("0.0001"):
            raise ChangeError(rows[0].line, _("The shares of a split must be given on every row and add up to 1 (they add up to %(total)s).") % {"total": total})
        source = self.unit(rows[0].from_code, rows[0].line)
        continues = False
        for row in rows:
            if row.to_code == source.code:
                continues = True
                successor = source
            else:
                successor = Territory.objects.filter(code=row.to_code, valid_to__isnull=True).first()
                if successor is None:
                    parent = self._parent(row) if row.parent_code else source.parent
                    successor = self._create(row, row.kind or source.kind, parent)
            self._link(source, successor, row.share)
        if not continues:
            self._abolish(source, rows[0].line)


def apply_change(spec: ChangeSpec, edition: GazetteerEdition) -> tuple[TerritoryChange, bool]:
    """Apply a change event once; returns (change, applied_now). Repeats are recognised by key."""
    existing = TerritoryChange.objects.filter(key=spec.key).first()
    if existing:
        if existing.fingerprint != spec.fingerprint():
            raise ChangeError(
                spec.line, _("Event %(key)s was already loaded with different content; give the corrected event a new id.") % {"key": spec.key}
            )
        return existing, False
    return ChangeApplier(spec, edition).apply(), True
