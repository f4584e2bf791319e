from ..models import Territory


def feature(t: Territory, *, full: bool = False) -> dict:
    geometry = (t.geometry if full else t.geometry_web) or t.geometry_web
    if not geometry and t.latitude is not None:
        geometry = {"type": "Point", "coordinates": [t.longitude, t.latitude]}
    return {
        "type": "Feature",
        "id": t.code,
        "geometry": geometry,
        "properties": {
            "code": t.code,
            "pcode": t.pcode,
            "name": t.name,
            "short_name": t.short_name or t.name,
            "kind": t.kind,
            "kind_label": str(t.get_kind_display()),
            "level": t.level,
            "url": t.get_absolute_url(),
        },
    }


def feature_collection(territories, *, full: bool = False) -> dict:
    return {"type": "FeatureCollection", "features": [feature(t, full=full) for t in territories]}
