"""The incident types: Aimak's finer kinds of incident, their ACLED mapping and the indicator
each one is counted in. Loaded from a JSON file (the starting list ships with Aimak); loading
the same file again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aimak.monitoring.models import Indicator

from ..models import DisorderType, EventType, IncidentType

STARTING_TYPES = Path(__file__).resolve().parents[1] / "catalogue" / "incident_types.json"
LANGS = ("ky", "ru", "en")
FIELDS = ("parent", "disorder_type", "event_type", "sub_event_type", "indicator", "order", "is_active",
          *(f"{f}_{lang}" for f in ("name", "description") for lang in LANGS))


@transaction.atomic
def load_incident_types(path=STARTING_TYPES) -> dict:
    """Create or update every type of the file; returns {"created", "updated", "unchanged"}.
    All or nothing: one bad row rejects the file, with every problem named by its code."""
    rows = json.loads(Path(path).read_text(encoding="utf-8")).get("incident_types") or []
    codes = {row.get("code") for row in rows}
    indicators = {i.code: i for i in Indicator.objects.all()}
    problems = []
    seen = set(IncidentType.objects.values_list("code", flat=True))
    for n, row in enumerate(rows, start=1):
        code = row.get("code") or f"#{n}"
        if not row.get("code"):
            problems.append(_("%(code)s: the code is empty.") % {"code": code})
        if row.get("parent") and row["parent"] not in seen:
            problems.append(_("%(code)s: the type “%(parent)s” must come before its sub-types in the file.") % {"code": code, "parent": row["parent"]}
                            if row["parent"] in codes else _("%(code)s: unknown type “%(parent)s”.") % {"code": code, "parent": row["parent"]})
        seen.add(row.get("code"))
        if row.get("event_type") and row["event_type"] not in EventType.values:
            problems.append(_("%(code)s: “%(value)s” is not an ACLED event type.") % {"code": code, "value": row["event_type"]})
        if row.get("disorder_type") and row["disorder_type"] not in DisorderType.values:
            problems.append(_("%(code)s: “%(value)s” is not an ACLED disorder type.") % {"code": code, "value": row["disorder_type"]})
        ind = row.get("indicator")
        if ind and (ind not in indicators or indicators[ind].value_origin != Indicator.ValueOrigin.INCIDENTS):
            problems.append(_("%(code)s: “%(indicator)s” is not an indicator counted from incident reports.") % {"code": code, "indicator": ind})
    if problems:
        raise ValidationError(problems)
    outcome = {"created": 0, "updated": 0, "unchanged": 0}
    for order, row in enumerate(rows):  # parents come before their sub-types in the file
        values = {
            "parent": IncidentType.objects.get(code=row["parent"]) if row.get("parent") else None,
            "disorder_type": row.get("disorder_type") or "", "event_type": row.get("event_type") or "",
            "sub_event_type": row.get("sub_event_type") or "",
            "indicator": indicators[row["indicator"]] if row.get("indicator") else None,
            "order": row.get("order", order), "is_active": row.get("is_active", True),
            **{f"{f}_{lang}": row.get(f"{f}_{lang}") or "" for f in ("name", "description") for lang in LANGS},
        }
        kind = IncidentType.objects.filter(code=row["code"]).first()
        if kind is None:
            IncidentType.objects.create(code=row["code"], **values)
            outcome["created"] += 1
        elif any(getattr(kind, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(kind, k, v)
            kind.save()
            outcome["updated"] += 1
        else:
            outcome["unchanged"] += 1
    return outcome
