"""Importers of territorial reference data.

Each importer reads a source (a path, a URL or an uploaded file), checks every row, writes in
one transaction and reports what it created, updated, left unchanged, skipped and rejected.
Any rejected row rolls the whole import back. Running an importer twice changes nothing.
Known errors of the shared data set (SOURCES.md) are corrected on load and reported as such.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aimak.audit import services as audit
from aimak.core.imports import ImportReport, SourceError, read_csv, read_json, run_import
from aimak.core.text import fold, transliterate

from .models import GazetteerEdition, Territory, TerritoryKind
from .names import clean_short, derived_names, full_name, short_from_russian
from .services import (
    ChangeError,
    ChangeRow,
    ChangeSpec,
    apply_change,
    compute_paths,
    pcode_for,
    refresh_search_keys,
    sync_open_versions,
)

CODE_RE = re.compile(r"^417\d{11}$")
PCODE_RE = re.compile(r"^KG\d{11}$")
COUNTRY_CODE = "41700000000000"

# Known errors in the shared data (see ../shared/data/SOURCES.md), corrected on load.
RU_NAME_FIXES = {"Тонский районрайон": "Тонский район"}
EN_NAME_FIXES = {"Ak-Bashy": "At-Bashy", "Kochokor": "Kochkor"}
KY_NAME_FIXES = {"Жалалабат": "Жалал-Абад"}  # open-admin-data's region name; its own districts file and OCHA write Жалал-Абад
ISO_FIXES_BY_NAME = {"jalalabad": "KG-J"}  # Who's On First codes Jalal-Abad as KG-C
SOATE_DUPLICATE_ROWS = {"41700000000021": "41721000000000"}  # a second "город Ош" row

SOATE_KINDS = {
    "oblast_or_republican_city": None,  # decided by code: 11 and 21 are republican cities
    "rayon": TerritoryKind.RAYON,
    "city_oblast_significance": TerritoryKind.CITY,
    "capital_district": TerritoryKind.CITY_DISTRICT,
    "aiyl_aimak": TerritoryKind.AIYL_AIMAK,
    "town_or_pgt": TerritoryKind.TOWN,
    "village": TerritoryKind.VILLAGE,
    "village_under_town": TerritoryKind.VILLAGE,
    "city_subordinate_unit": TerritoryKind.VILLAGE,
    "capital_sub_unit": TerritoryKind.VILLAGE,
}
REPUBLICAN_CITY_OBLAST_CODES = {"11", "21"}


def kind_from_code(code: str, hint: str = "") -> str | None:
    """The kind of a unit from its SOATE code (and the classifier's own hint where given)."""
    if hint in SOATE_KINDS and SOATE_KINDS[hint]:
        return SOATE_KINDS[hint]
    oblast, rayon, aimak, village = code[3:5], code[5:8], code[8:11], code[11:14]
    if code == COUNTRY_CODE:
        return TerritoryKind.COUNTRY
    if rayon == "000" and aimak == "000" and village == "000":
        return TerritoryKind.REPUBLICAN_CITY if oblast in REPUBLICAN_CITY_OBLAST_CODES else TerritoryKind.OBLAST
    if aimak == "000" and village == "000":
        return TerritoryKind.RAYON
    if village == "000":
        return TerritoryKind.AIYL_AIMAK if aimak.startswith("8") else TerritoryKind.TOWN
    return TerritoryKind.VILLAGE


def _current_by_code() -> dict[str, Territory]:
    return {t.code: t for t in Territory.objects.filter(valid_to__isnull=True)}


def _edition(name: str, source: str, effective_date=None) -> GazetteerEdition:
    edition, _created = GazetteerEdition.objects.get_or_create(name=name, defaults={"source": source, "effective_date": effective_date})
    return edition


# --- SOATE ------------------------------------------------------------------------------------


def import_soate(source, *, dry_run=False, edition_name="SOATE 2019", **_options) -> ImportReport:
    """The SOATE classifier CSV: codes, Russian names and parents."""
    report = ImportReport(source=str(getattr(source, "name", source)), title=_("SOATE classifier"))

    def work(report):
        rows = read_csv(source, ["soate_code", "name_ru", "parent_soate_code"])
        seen: dict[str, int] = {}
        parsed = []
        for line, row in rows:
            code = (row.get("soate_code") or "").strip()
            name = (row.get("name_ru") or "").strip()
            parent = (row.get("parent_soate_code") or "").strip()
            if "__extra__" in row:
                report.reject(line, _("The row has more columns than the header."), code)
                continue
            if not CODE_RE.match(code):
                report.reject(line, _("The SOATE code must be 14 digits starting with 417, not “%(code)s”.") % {"code": code})
                continue
            if code in SOATE_DUPLICATE_ROWS:
                report.skip(line, _("Duplicate row of %(code)s in the classifier; skipped.") % {"code": SOATE_DUPLICATE_ROWS[code]}, code)
                continue
            if code in seen:
                report.reject(line, _("Duplicate code; it is already on line %(line)d.") % {"line": seen[code]}, code)
                continue
            seen[code] = line
            if not name:
                report.reject(line, _("The Russian name is empty."), code)
                continue
            if name in RU_NAME_FIXES:
                report.correct(line, _("Name “%(old)s” corrected to “%(new)s”.") % {"old": name, "new": RU_NAME_FIXES[name]}, code)
                name = RU_NAME_FIXES[name]
            if parent and not CODE_RE.match(parent):
                report.reject(line, _("The parent code must be 14 digits starting with 417, not “%(code)s”.") % {"code": parent}, code)
                continue
            kind = kind_from_code(code, (row.get("kind_by_code") or "").strip())
            if kind is None:
                report.reject(line, _("Cannot tell the kind of unit from the code."), code)
                continue
            parsed.append((line, code, name, parent or COUNTRY_CODE, kind))

        existing = _current_by_code()
        known = set(seen) | set(existing) | {COUNTRY_CODE}
        for line, code, _name, parent, _kind in parsed:
            if parent not in known:
                report.reject(line, _("Unknown parent code %(parent)s.") % {"parent": parent}, code)
            elif parent == code:
                report.reject(line, _("A unit cannot be its own parent."), code)
        if report.rejected:
            return

        # Units that territorial change events have touched keep the state the events gave them:
        # the classifier file is older than the events, so loading it again must not undo them.
        from .models import TerritoryName, TerritoryVersion

        evented = set(TerritoryVersion.objects.filter(change__isnull=False).values_list("territory_id", flat=True))
        protected = {t.code for t in existing.values() if t.pk in evented}
        protected |= set(Territory.objects.filter(valid_to__isnull=False).values_list("code", flat=True))
        protected |= set(TerritoryName.objects.filter(kind=TerritoryName.Kind.FORMER_CODE).values_list("name", flat=True))
        kept = []
        for item in parsed:
            if item[1] in protected:
                report.skip(item[0], _("Changed by a territorial change event since the classifier was loaded; kept as the event left it."), item[1])
            else:
                kept.append(item)
        parsed = kept

        edition = _edition(edition_name, report.source)
        country = existing.get(COUNTRY_CODE)
        if country is None:
            country = Territory.objects.create(
                code=COUNTRY_CODE, pcode="KG", kind=TerritoryKind.COUNTRY, path="",
                name_ru="Кыргызская Республика", name_ky="Кыргыз Республикасы",
                name_en="Kyrgyz Republic", short_name_ru="Кыргызстан", short_name_ky="Кыргызстан", short_name_en="Kyrgyzstan",
                iso_code="KG", sources={"names": "aimak"},
            )
            existing[COUNTRY_CODE] = country
            report.created += 1

        new, changed = [], []
        for line, code, name, _parent, kind in parsed:
            t = existing.get(code)
            short = short_from_russian(name)
            if t is None:
                t = Territory(code=code, pcode=pcode_for(code), kind=kind, name_ru=name, short_name_ru=short, path="",
                              sources={"soate": edition.name})
                existing[code] = t
                new.append(t)
            elif (t.name_ru, t.short_name_ru, t.kind) != (name, short, kind):
                t.name_ru, t.short_name_ru, t.kind = name, short, kind
                changed.append(t)
        audit.bulk_create(Territory, new, batch_size=500)
        report.created += len(new)

        # parents, then paths (ids are known now)
        by_code = existing
        moved = []
        for line, code, _name, parent, _kind in parsed:
            t = by_code[code]
            parent_id = by_code[parent].pk
            if t.parent_id != parent_id:
                t.parent_id = parent_id
                moved.append(t)
        for t in moved:
            if t not in new and t not in changed:
                changed.append(t)
        report.updated += len(changed)
        report.unchanged += len(parsed) - len(new) - len(changed)
        everything = {t.pk: t for t in by_code.values()}
        try:
            path_changed = compute_paths(everything)
        except ValueError as exc:
            report.reject(None, str(exc))
            return
        audit.bulk_update(Territory, 
            list({t.pk: t for t in new + changed + path_changed}.values()),
            ["parent", "path", "depth", "name_ru", "short_name_ru", "kind"],
            batch_size=500,
        )
        sync_open_versions(everything.values())
        refresh_search_keys(list({t.pk: t for t in new + changed}.values()) + ([country] if country in new else []))
        if country.pk and not country.search_key:
            refresh_search_keys([country])

    return run_import(report, work, dry_run=dry_run)


# --- open-admin-data (Kyrgyz and English names, centroids) -----------------------------------


def _float(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def import_oad(source, *, dry_run=False, **_options) -> ImportReport:
    """open-admin-data JSON (regions, districts or aiyl aimaks): ky/en names, P-codes, centroids."""
    report = ImportReport(source=str(getattr(source, "name", source)), title=_("Kyrgyz and English names (open-admin-data)"))

    def work(report):
        records = read_json(source)
        if not isinstance(records, list):
            raise SourceError(_("Expected a JSON list of territories."))
        existing = _current_by_code()
        seen = {}
        touched = []
        for index, rec in enumerate(records, start=1):
            if not isinstance(rec, dict):
                report.reject(index, _("Record %(n)d is not an object.") % {"n": index})
                continue
            pcode = str(rec.get("id") or (rec.get("code") or {}).get("id") or "")
            name = rec.get("name") or {}
            if not PCODE_RE.match(pcode):
                report.reject(index, _("The P-code must be KG followed by 11 digits, not “%(code)s”.") % {"code": pcode})
                continue
            if pcode in seen:
                report.reject(index, _("Duplicate P-code; it is already record %(n)d.") % {"n": seen[pcode]}, pcode)
                continue
            seen[pcode] = index
            code = "417" + pcode[2:]
            t = existing.get(code)
            if t is None:
                report.skip(index, _("No SOATE unit has this code (%(name)s); skipped.") % {"name": name.get("en") or name.get("local")}, pcode)
                continue
            short_ky = clean_short(name.get("local") or "")
            short_en = clean_short(name.get("en") or "")
            if short_en in EN_NAME_FIXES:
                report.correct(index, _("Name “%(old)s” corrected to “%(new)s”.") % {"old": short_en, "new": EN_NAME_FIXES[short_en]}, pcode)
                short_en = EN_NAME_FIXES[short_en]
            if short_ky in KY_NAME_FIXES:
                report.correct(index, _("Name “%(old)s” corrected to “%(new)s”.") % {"old": short_ky, "new": KY_NAME_FIXES[short_ky]}, pcode)
                short_ky = KY_NAME_FIXES[short_ky]
            geo = rec.get("geo") or {}
            lat, lon = _float(geo.get("lat")), _float(geo.get("lon"))
            if (lat is None) != (lon is None) or (lat is not None and not (39 <= lat <= 44 and 69 <= lon <= 81)):
                report.reject(index, _("Coordinates %(lat)s, %(lon)s are not in Kyrgyzstan.") % {"lat": geo.get("lat"), "lon": geo.get("lon")}, pcode)
                continue
            values = {
                "pcode": pcode,
                "short_name_ky": short_ky or t.short_name_ky,
                "name_ky": full_name(short_ky, t.kind, "ky") if short_ky else t.name_ky,
                "short_name_en": short_en or t.short_name_en,
                "name_en": full_name(short_en, t.kind, "en") if short_en else t.name_en,
                "latitude": lat if lat is not None else t.latitude,
                "longitude": lon if lon is not None else t.longitude,
            }
            if all(getattr(t, k) == v for k, v in values.items()):
                report.unchanged += 1
                continue
            for k, v in values.items():
                setattr(t, k, v)
            t.sources = {**t.sources, "names_ky_en": "open-admin-data", "centroid": "open-admin-data"}
            touched.append(t)
        if report.rejected:
            return
        audit.bulk_update(Territory, touched, ["pcode", "name_ky", "short_name_ky", "name_en", "short_name_en", "latitude", "longitude", "sources"], batch_size=500)
        sync_open_versions(touched)
        refresh_search_keys(touched)
        report.updated += len(touched)

    return run_import(report, work, dry_run=dry_run)


def complete_missing_names(*, dry_run=False, **_options) -> ImportReport:
    """Oblasts, rayons and aiyl aimaks the sources give no Kyrgyz or English name for get one
    derived from the Russian name; each is listed so that someone can check it."""
    report = ImportReport(source="SOATE", title=_("Names and centres completed from other data"))
    kinds = [TerritoryKind.OBLAST, TerritoryKind.RAYON, TerritoryKind.CITY, TerritoryKind.CITY_DISTRICT, TerritoryKind.AIYL_AIMAK, TerritoryKind.REPUBLICAN_CITY]

    def work(report):
        touched = []
        lacking = Q(name_ky__isnull=True) | Q(name_ky="") | Q(name_en__isnull=True) | Q(name_en="")
        for t in Territory.objects.filter(lacking, valid_to__isnull=True, kind__in=kinds):
            derived = derived_names(t.name_ru, t.kind)
            for key, value in derived.items():
                if not getattr(t, key):
                    setattr(t, key, value)
            t.sources = {**t.sources, "names_ky_en": "derived from Russian"}
            touched.append(t)
            report.correct(None, _("%(ru)s: Kyrgyz “%(ky)s”, English “%(en)s” (derived, please check)") % {"ru": t.name_ru, "ky": t.name_ky, "en": t.name_en}, t.code)
        audit.bulk_update(Territory, touched, ["name_ky", "short_name_ky", "name_en", "short_name_en", "sources"])
        sync_open_versions(touched)
        refresh_search_keys(touched)
        # Units without a centre get the mean position of their villages.
        centred = []
        without = Territory.objects.filter(valid_to__isnull=True, kind__in=kinds + [TerritoryKind.TOWN], latitude__isnull=True)
        means = (
            Territory.objects.filter(parent__in=without, latitude__isnull=False, valid_to__isnull=True)
            .order_by()
            .values("parent_id")
            .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("id"))
        )
        found = {m["parent_id"]: m for m in means}
        for t in without:
            m = found.get(t.pk)
            if m is None:
                report.skip(None, _("%(name)s has no centre and no village with coordinates.") % {"name": t.name_ru}, t.code)
                continue
            t.latitude, t.longitude = round(m["lat"], 5), round(m["lon"], 5)
            t.sources = {**t.sources, "centroid": "mean of %d villages" % m["n"]}
            centred.append(t)
            report.correct(None, _("%(name)s: centre placed at the mean of its %(n)d villages.") % {"name": t.name_ru, "n": m["n"]}, t.code)
        audit.bulk_update(Territory, centred, ["latitude", "longitude", "sources"])
        # Villages and towns the sources name only in Cyrillic get a Latin spelling for English pages.
        latin = []
        for t in Territory.objects.filter(Q(name_en__isnull=True) | Q(name_en=""), valid_to__isnull=True, kind__in=[TerritoryKind.VILLAGE, TerritoryKind.TOWN]):
            t.name_en = t.short_name_en = transliterate(t.short_name_ru or t.name_ru)
            t.sources = {**t.sources, "name_en": "transliterated"}
            latin.append(t)
        audit.bulk_update(Territory, latin, ["name_en", "short_name_en", "sources"], batch_size=500)
        sync_open_versions(latin)
        refresh_search_keys(latin)
        if latin:
            report.notes.append(_("%(count)d villages and towns got a Latin spelling of their Russian name for English pages.") % {"count": len(latin)})
        report.updated = len({t.pk for t in touched + centred + latin})

    return run_import(report, work, dry_run=dry_run)


# --- boundaries (GeoJSON) ---------------------------------------------------------------------

KEY_PROPERTIES = ("soate", "soate_code", "SOATE", "ADM3_PCODE", "ADM2_PCODE", "ADM1_PCODE", "pcode", "PCODE", "code")
WEB_TOLERANCE = {1: 0.004, 2: 0.002, 3: 0.001}  # degrees; about 400, 200, 100 m


def _feature_code(props: dict, key: str | None) -> str:
    keys = [key] if key else KEY_PROPERTIES
    for k in keys:
        value = str(props.get(k) or "").strip()
        if CODE_RE.match(value):
            return value
        if PCODE_RE.match(value):
            return "417" + value[2:]
    return ""


def _iso_of(props: dict) -> str:
    conc = props.get("wof:concordances") or {}
    return str(props.get("iso:code") or conc.get("iso:id") or props.get("ne:iso_3166_2") or "").strip()


def import_boundaries(source, *, dry_run=False, key=None, **_options) -> ImportReport:
    """GeoJSON polygons keyed by P-code or SOATE code (or, for oblasts, ISO code or name)."""
    from shapely.geometry import mapping, shape
    from shapely.validation import make_valid

    report = ImportReport(source=str(getattr(source, "name", source)), title=_("Boundaries (GeoJSON)"))

    def work(report):
        data = read_json(source)
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
            raise SourceError(_("Expected a GeoJSON FeatureCollection."))
        existing = _current_by_code()
        top = [t for t in existing.values() if t.kind in (TerritoryKind.OBLAST, TerritoryKind.REPUBLICAN_CITY)]
        by_iso = {t.iso_code: t for t in top if t.iso_code}
        by_name = {}
        for t in top:
            for value in (t.short_name_ru, t.short_name_ky, t.short_name_en, t.name_ru, t.name_en):
                if value:
                    by_name[fold(value)] = t
        seen = {}
        touched = []
        for index, feature in enumerate(data["features"], start=1):
            props = (feature or {}).get("properties") or {}
            code = _feature_code(props, key)
            t = existing.get(code) if code else None
            iso = _iso_of(props)
            names = [props.get("wof:name"), *(props.get("name:rus_x_preferred") or []), *(props.get("name:eng_x_preferred") or [])]
            folded_names = [fold(n) for n in names if n]
            fixed_iso = next((ISO_FIXES_BY_NAME[n] for n in folded_names if n in ISO_FIXES_BY_NAME), None)
            if fixed_iso and fixed_iso != iso:
                report.correct(index, _("ISO code %(old)s corrected to %(new)s.") % {"old": iso or "—", "new": fixed_iso}, props.get("wof:name", ""))
                iso = fixed_iso
            if t is None and not code:
                t = next((by_name[n] for n in folded_names if n in by_name), None) or by_iso.get(iso)
            if t is None:
                label = code or props.get("wof:name") or props.get("ADM2_EN") or ""
                report.reject(index, _("No territory matches this feature (looked for a SOATE/P-code, ISO code or name)."), label)
                continue
            if t.pk in seen:
                report.reject(index, _("A second boundary for %(name)s; the first is feature %(n)d.") % {"name": t.name, "n": seen[t.pk]}, t.code)
                continue
            seen[t.pk] = index
            try:
                geom = shape(feature.get("geometry") or {})
            except Exception as exc:  # shapely raises several kinds for broken geometry
                report.reject(index, _("The geometry cannot be read: %(reason)s") % {"reason": exc}, t.code)
                continue
            if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
                report.reject(index, _("Expected a polygon, found %(type)s.") % {"type": geom.geom_type}, t.code)
                continue
            minx, miny, maxx, maxy = geom.bounds
            if not (68 <= minx and maxx <= 81.5 and 38.5 <= miny and maxy <= 44):
                report.reject(index, _("The boundary lies outside Kyrgyzstan; are the coordinates longitude, latitude in WGS 84?"), t.code)
                continue
            if not geom.is_valid:
                geom = make_valid(geom)
                report.correct(index, _("Invalid polygon repaired."), t.code)
            web = geom.simplify(WEB_TOLERANCE.get(t.level, 0.001), preserve_topology=True)
            full = mapping(geom)
            web_json = _rounded(mapping(web), 4)
            full_json = _as_lists(full)
            updates = {"geometry": full_json, "geometry_web": web_json}
            if iso and t.kind in (TerritoryKind.OBLAST, TerritoryKind.REPUBLICAN_CITY):
                updates["iso_code"] = iso
            if t.latitude is None:
                point = geom.representative_point()
                updates["latitude"], updates["longitude"] = round(point.y, 5), round(point.x, 5)
            if all(getattr(t, k) == v for k, v in updates.items()):
                report.unchanged += 1
                continue
            for k, v in updates.items():
                setattr(t, k, v)
            t.sources = {**t.sources, "boundary": report.source.rsplit("/", 1)[-1]}
            touched.append(t)
        if report.rejected:
            return
        audit.bulk_update(Territory, touched, ["geometry", "geometry_web", "iso_code", "latitude", "longitude", "sources"], batch_size=50)
        refresh_search_keys(touched)
        report.updated = len(touched)

    return run_import(report, work, dry_run=dry_run)


def _as_lists(value):
    if isinstance(value, (list, tuple)):
        return [_as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


def _rounded(value, digits):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    return value


# --- villages (GeoNames / Who's On First points) ---------------------------------------------

MAX_VILLAGE_DISTANCE_KM = 30.0
RAYON_ALLOWANCE_KM = 40.0


def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def import_villages(source, *, dry_run=False, **_options) -> ImportReport:
    """Village points: matched by name to the classifier's villages, and among namesakes to the
    one whose aiyl aimak centre is nearest. Points that match no village are reported."""
    report = ImportReport(source=str(getattr(source, "name", source)), title=_("Villages (points)"))

    def work(report):
        rows = read_csv(source, ["name", "lat", "lon"])
        villages = list(Territory.objects.filter(valid_to__isnull=True, kind=TerritoryKind.VILLAGE).select_related("parent__parent"))
        by_name = defaultdict(list)
        for v in villages:
            # match on the classifier's name and on names from open-admin-data, never on names
            # this importer set itself (a second run must find what the first one found)
            own = v.sources.get("names_ky_en") == "open-admin-data"
            for value in (v.name_ru, v.name_ky if own else "", v.name_en if own else ""):
                if value:
                    by_name[fold(value)].append(v)
        best: dict[int, tuple[float, int, dict]] = {}
        for line, row in rows:
            label = row.get("name_rus") or row.get("name") or ""
            if (row.get("deprecated") or "").strip():
                report.skip(line, _("Marked as deprecated in the source."), label)
                continue
            lat, lon = _float(row.get("lat")), _float(row.get("lon"))
            if lat is None or lon is None or not (39 <= lat <= 44 and 69 <= lon <= 81):
                report.reject(line, _("Coordinates %(lat)s, %(lon)s are not in Kyrgyzstan.") % {"lat": row.get("lat"), "lon": row.get("lon")}, label)
                continue
            candidates = {}
            for column in ("name_rus", "name_kir", "name_eng", "name"):
                for v in by_name.get(fold(row.get(column) or ""), []):
                    candidates[v.pk] = v
            if not candidates:
                report.skip(line, _("No village of this name in the classifier."), label)
                continue
            scored = []
            for v in candidates.values():
                # the aiyl aimak's centre; failing that, the rayon's, with a wider allowance
                anchor, allowance = v.parent, 0.0
                if anchor is not None and (anchor.latitude is None or anchor.sources.get("centroid", "").startswith("mean of")):
                    anchor, allowance = anchor.parent, RAYON_ALLOWANCE_KM
                if anchor is None or anchor.latitude is None:
                    continue
                scored.append((max(0.0, _km(lat, lon, anchor.latitude, anchor.longitude) - allowance), v))
            if not scored:
                report.skip(line, _("Namesakes found, but their aiyl aimaks have no coordinates to choose between them."), label)
                continue
            distance, village = min(scored, key=lambda s: s[0])
            if distance > MAX_VILLAGE_DISTANCE_KM:
                report.skip(
                    line,
                    _("The nearest village of this name (%(village)s, %(parent)s) is %(km).0f km away.")
                    % {"village": village.name_ru, "parent": village.parent.name if village.parent else "", "km": distance},
                    label,
                )
                continue
            previous = best.get(village.pk)
            if previous is None or distance < previous[0]:
                if previous:
                    report.skip(previous[1], _("Another point of the same name is nearer to %(village)s.") % {"village": village.name_ru}, label)
                best[village.pk] = (distance, line, {"lat": lat, "lon": lon, "row": row})
            else:
                report.skip(line, _("Another point of the same name is nearer to %(village)s.") % {"village": village.name_ru}, label)
        if report.rejected:
            return
        touched = []
        by_pk = {v.pk: v for v in villages}
        for pk, (_distance, line, found) in best.items():
            v = by_pk[pk]
            row = found["row"]
            values = {}
            if v.sources.get("centroid") != "open-admin-data":  # a municipal centroid outranks a GeoNames point
                values = {"latitude": round(found["lat"], 6), "longitude": round(found["lon"], 6)}
            ky, en = (row.get("name_kir") or "").strip(), (row.get("name_eng") or "").strip()
            latin = (row.get("name") or "").strip()
            if not en and latin and fold(latin) == fold(v.name_ru):  # the Latin spelling of the same name
                en = latin
            if ky and not v.name_ky:
                values["name_ky"] = values["short_name_ky"] = ky
            if en and (not v.name_en or v.sources.get("name_en") == "transliterated"):
                values["name_en"] = values["short_name_en"] = en
            population = row.get("gn_population") or ""
            if population.isdigit() and int(population) > 0 and v.population is None:
                values["population"] = int(population)
            if all(getattr(v, k) == val for k, val in values.items()):
                report.unchanged += 1
                continue
            for k, val in values.items():
                setattr(v, k, val)
            v.sources = {**v.sources, "point": "GeoNames via Who's On First", "geonames_id": row.get("geonames_id") or None}
            if "name_en" in values:
                v.sources["name_en"] = "GeoNames"
            touched.append(v)
        audit.bulk_update(Territory, 
            touched, ["latitude", "longitude", "name_ky", "short_name_ky", "name_en", "short_name_en", "population", "sources"], batch_size=500
        )
        sync_open_versions(touched)
        refresh_search_keys(touched)
        report.updated = len(touched)
        without = sum(1 for v in villages if v.latitude is None)
        report.notes.append(_("%(matched)d of %(total)d classifier villages have a point; %(without)d have none.") % {
            "matched": len(villages) - without, "total": len(villages), "without": without})

    return run_import(report, work, dry_run=dry_run)


# --- territorial changes (CSV of events) ------------------------------------------------------

CHANGE_COLUMNS = ["event", "date", "type", "from_code", "to_code"]


def _parse_date(value: str) -> date | None:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            from datetime import datetime

            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def import_changes(source, *, dry_run=False, edition_name=None, **_options) -> ImportReport:
    """A CSV of change events (merge, split, rename, reparent, code_change, create, abolish).

    Rows with the same ``event`` id form one event. Events already loaded are recognised by
    their id and skipped; an id loaded earlier with other content is rejected.
    """
    report = ImportReport(source=str(getattr(source, "name", source)), title=_("Territorial changes"))

    def work(report):
        rows = read_csv(source, CHANGE_COLUMNS)
        events: dict[str, ChangeSpec] = {}
        for line, row in rows:
            key = (row.get("event") or "").strip()
            kind = (row.get("type") or "").strip().lower()
            day = _parse_date(row.get("date") or "")
            if not key:
                report.reject(line, _("The event id is empty."))
                continue
            if kind not in {k for k, _l in ChangeKinds}:
                report.reject(line, _("Unknown type of change “%(type)s”; use one of: %(types)s.") % {"type": kind, "types": ", ".join(k for k, _l in ChangeKinds)}, key)
                continue
            if day is None:
                report.reject(line, _("The date “%(date)s” is not a date (use YYYY-MM-DD).") % {"date": row.get("date")}, key)
                continue
            codes_ok = True
            for column in ("from_code", "to_code", "parent_code"):
                value = (row.get(column) or "").strip()
                if value and not CODE_RE.match(value):
                    report.reject(line, _("%(column)s must be a 14-digit SOATE code, not “%(value)s”.") % {"column": column, "value": value}, key)
                    codes_ok = False
            if not codes_ok:
                continue
            share = None
            if (row.get("share") or "").strip():
                try:
                    share = Decimal(row["share"].strip().replace(",", "."))
                except InvalidOperation:
                    report.reject(line, _("The share “%(share)s” is not a number.") % {"share": row["share"]}, key)
                    continue
                if not (0 < share <= 1):
                    report.reject(line, _("The share must be more than 0 and at most 1."), key)
                    continue
            change_row = ChangeRow(
                line=line,
                from_code=(row.get("from_code") or "").strip(),
                to_code=(row.get("to_code") or "").strip(),
                share=share,
                names={f"name_{lang}": (row.get(f"name_{lang}") or "").strip() for lang in ("ru", "ky", "en")},
                kind=(row.get("kind") or "").strip(),
                parent_code=(row.get("parent_code") or "").strip(),
            )
            needs_from = kind != "create"
            needs_to = kind in ("create", "merge", "split", "code_change")
            if needs_from and not change_row.from_code:
                report.reject(line, _("from_code is required for a %(type)s.") % {"type": kind}, key)
                continue
            if needs_to and not change_row.to_code:
                report.reject(line, _("to_code is required for a %(type)s.") % {"type": kind}, key)
                continue
            spec = events.get(key)
            if spec is None:
                events[key] = ChangeSpec(key=key, kind=kind, effective_date=day, rows=[change_row], note=(row.get("note") or "").strip())
            elif spec.kind != kind or spec.effective_date != day:
                report.reject(line, _("Rows of event %(key)s disagree on its type or date (see line %(line)d).") % {"key": key, "line": spec.line}, key)
            else:
                spec.rows.append(change_row)
        if report.rejected:
            return
        for spec in sorted(events.values(), key=lambda s: (s.effective_date, s.line)):
            # stored data, so not in the importer's language: the date and the file
            name = edition_name or f"{spec.effective_date.isoformat()} · {report.source.rsplit('/', 1)[-1]}"
            edition = _edition(name, report.source, spec.effective_date)
            try:
                with transaction.atomic():  # a failed event leaves no half of itself behind
                    _change, applied = apply_change(spec, edition)
            except ChangeError as exc:
                report.reject(exc.line, exc.message, spec.key)
                continue
            if applied:
                report.created += 1
            else:
                report.unchanged += 1

    return run_import(report, work, dry_run=dry_run)


from .models import TerritoryChange  # noqa: E402

ChangeKinds = TerritoryChange.Kind.choices


# --- registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    name: str
    label: str
    run: Callable
    extensions: tuple[str, ...]
    help: str = ""


IMPORTERS = {
    imp.name: imp
    for imp in (
        Importer("soate", gettext_lazy("SOATE classifier (CSV)"), import_soate, (".csv",),
                 gettext_lazy("Columns soate_code, name_ru, parent_soate_code (kind_by_code optional).")),
        Importer("names", gettext_lazy("Kyrgyz and English names with centroids (open-admin-data JSON)"), import_oad, (".json",),
                 gettext_lazy("A JSON list of records with id (P-code), name.local, name.en and geo.lat/lon.")),
        Importer("boundaries", gettext_lazy("Boundaries (GeoJSON polygons)"), import_boundaries, (".geojson", ".json"),
                 gettext_lazy("Features keyed by a P-code or SOATE code property (ADM1/2/3_PCODE, pcode, soate).")),
        Importer("villages", gettext_lazy("Village points (CSV)"), import_villages, (".csv",),
                 gettext_lazy("Columns name, name_rus, name_kir, name_eng, lat, lon.")),
        Importer("changes", gettext_lazy("Territorial changes (CSV of events)"), import_changes, (".csv",),
                 gettext_lazy("Columns event, date, type, from_code, to_code, share, name_ru, name_ky, name_en, kind, parent_code, note.")),
    )
}

REFERENCE_FILES = [
    ("soate", ("territories", "soate_2019.csv")),
    ("names", ("territories", "oad_regions.json")),
    ("names", ("territories", "oad_districts.json")),
    ("names", ("territories", "oad_aiyl_aimaks.json")),
    ("boundaries", ("geo", "kgz_adm1_oblasts.geojson")),
    ("boundaries", ("geo", "kgz_adm2_rayons_2018.geojson")),
    ("villages", ("territories", "villages_points.csv")),
]
