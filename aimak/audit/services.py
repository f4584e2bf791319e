"""Writing the audit trail. Single saves and deletes are caught by signals (see signals.py);
bulk writes go through ``bulk_create`` / ``bulk_update`` here so they are recorded too."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models

from aimak.core import context

from .models import ChangeRecord, SecurityEvent

ALWAYS_EXCLUDED = {"password", "search_key", "updated_at", "created_at", "last_login"}


def is_audited(model) -> bool:
    return bool(getattr(model, "audited", False))


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(instance) -> dict:
    """The audited fields of an object as JSON; large geometry is summarised, not copied."""
    excluded = ALWAYS_EXCLUDED | set(getattr(type(instance), "audit_exclude", ()))
    out = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        value = field.value_from_object(instance)
        if isinstance(field, models.JSONField) and field.name.startswith("geometry"):
            value = None if value is None else {"type": value.get("type"), "size": len(str(value))}
        elif isinstance(field, models.FileField):
            value = value.name if value else ""  # the stored file's name, not its bytes
        out[field.attname if isinstance(field, models.ForeignKey) else field.name] = _jsonable(value)
    return out


def _territory_path(instance) -> str:
    from aimak.core.scoping import territory_field, territory_of

    if territory_field(type(instance)) is None:
        return ""
    territory = territory_of(instance)
    return getattr(territory, "path", "") or ""


def record(instance, action: str, before: dict | None, after: dict | None) -> ChangeRecord | None:
    if action == ChangeRecord.Action.UPDATE and before == after:
        return None
    return ChangeRecord.objects.create(**_record_fields(instance, action, before, after))


def _record_fields(instance, action, before, after) -> dict:
    return {
        "user": context.actor(),
        "integration": context.integration(),
        "request_id": context.request_id(),
        "action": action,
        "object_type": instance._meta.label_lower,
        "object_id": str(instance.pk),
        "object_repr": str(instance)[:300],
        "territory_path": _territory_path(instance),
        "before": before,
        "after": after,
    }


def _attach_related(model, objects) -> None:
    """Load each foreign key's objects for a whole batch in one query per key, so that the
    records' descriptions and territories (``str(value)`` reads its indicator, the territory
    path its territory) cost no query per object. Boundaries are left in the database."""
    for field in model._meta.concrete_fields:
        if not field.many_to_one:
            continue
        wanted = {getattr(o, field.attname) for o in objects if not field.is_cached(o)} - {None}
        if not wanted:
            continue
        related = field.related_model._base_manager.filter(pk__in=wanted)
        heavy = [f.name for f in field.related_model._meta.concrete_fields if f.name.startswith("geometry")]
        found = related.defer(*heavy).in_bulk() if heavy else related.in_bulk()
        for o in objects:
            target = found.get(getattr(o, field.attname))
            if target is not None and not field.is_cached(o):
                field.set_cached_value(o, target)


def bulk_create(model, objects, **kwargs):
    objects = model.objects.bulk_create(objects, **kwargs)
    if is_audited(model):
        _attach_related(model, objects)
        ChangeRecord.objects.bulk_create(
            [ChangeRecord(**_record_fields(o, ChangeRecord.Action.CREATE, None, snapshot(o))) for o in objects], batch_size=500
        )
    return objects


def bulk_update(model, objects, fields, **kwargs):
    """``Model.objects.bulk_update`` that records, per object, the fields that really changed."""
    objects = list(objects)
    if not objects:
        return 0
    if not is_audited(model):
        return model.objects.bulk_update(objects, fields, **kwargs)
    before = {o.pk: o for o in model.objects.filter(pk__in=[o.pk for o in objects])}
    _attach_related(model, objects)
    records = []
    for o in objects:
        old = before.get(o.pk)
        old_snap, new_snap = (snapshot(old) if old else None), snapshot(o)
        if old_snap != new_snap:
            records.append(ChangeRecord(**_record_fields(o, ChangeRecord.Action.UPDATE, old_snap, new_snap)))
    count = model.objects.bulk_update(objects, fields, **kwargs)
    ChangeRecord.objects.bulk_create(records, batch_size=500)
    return count


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def log_security_event(kind: str, *, user=None, username: str = "", request=None, detail: dict | None = None) -> SecurityEvent:
    request = request or context.current_request()
    username = username or (user.get_username() if user is not None and getattr(user, "is_authenticated", False) else "")
    user = context.person(user)
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username,
        ip_address=client_ip(request),
        request_id=context.request_id(),
        detail=detail or {},
    )
