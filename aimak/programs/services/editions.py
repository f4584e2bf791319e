"""The methodology editions: their template (sections, profile tables, inclusion checks and
thresholds, annex rules) is data, loaded from a JSON file; loading it again changes nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Edition

STARTING_EDITIONS = Path(__file__).resolve().parents[1] / "catalogue" / "editions.json"
LANGS = ("ky", "ru", "en")


def _template(edition: dict, tables: dict, column_sets: dict) -> dict:
    """The edition's own template, self-contained: profile tables with their columns inlined."""
    problems = []
    used = []
    for section in edition.get("sections", []):
        for code in section.get("tables", []):
            if code not in tables:
                problems.append(_("Edition %(edition)s: unknown profile table “%(table)s”.") % {"edition": edition["code"], "table": code})
            elif code not in used:
                used.append(code)
    if problems:
        raise ValidationError(problems)
    profile_tables = []
    for code in used:
        table = dict(tables[code])
        if table.get("columns") not in column_sets:
            raise ValidationError(_("Profile table %(table)s: unknown column set “%(columns)s”.") % {"table": code, "columns": table.get("columns")})
        table["columns"] = column_sets[table["columns"]]
        profile_tables.append(table)
    return {
        "sections": edition.get("sections", []),
        "profile_tables": profile_tables,
        "checks": edition.get("checks", {}),
        "annexes": edition.get("annexes", {}),
        "district_review": bool(edition.get("district_review")),
    }


@transaction.atomic
def load_editions(path=STARTING_EDITIONS) -> dict:
    """Create or update every edition of the file; returns {"created", "updated", "unchanged"}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    tables = {t["code"]: t for t in data.get("profile_tables", [])}
    outcome = {"created": 0, "updated": 0, "unchanged": 0}
    for row in data.get("editions", []):
        values = {
            "valid_from": date.fromisoformat(row["valid_from"]),
            "template": _template(row, tables, data.get("column_sets", {})),
            **{f"name_{lang}": row["name"].get(lang, "") for lang in LANGS},
            **{f"description_{lang}": row.get("description", {}).get(lang, "") for lang in LANGS},
        }
        edition = Edition.objects.filter(code=row["code"]).first()
        if edition is None:
            Edition.objects.create(code=row["code"], **values)
            outcome["created"] += 1
            continue
        if all(getattr(edition, k) == v for k, v in values.items()):
            outcome["unchanged"] += 1
            continue
        for k, v in values.items():
            setattr(edition, k, v)
        edition.save()
        outcome["updated"] += 1
    return outcome
