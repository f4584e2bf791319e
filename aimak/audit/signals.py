"""Catch every single save and delete of audited models (UI, API, imports, jobs alike)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import ChangeRecord
from .services import is_audited, record, snapshot


@receiver(pre_save)
def remember_before(sender, instance, raw=False, **kwargs):
    if raw or not is_audited(sender) or instance._state.adding or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old else None


@receiver(post_save)
def record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    if created:
        record(instance, ChangeRecord.Action.CREATE, None, snapshot(instance))
    else:
        record(instance, ChangeRecord.Action.UPDATE, getattr(instance, "_audit_before", None), snapshot(instance))
    instance._audit_before = None


@receiver(post_delete)
def record_delete(sender, instance, **kwargs):
    if is_audited(sender):
        record(instance, ChangeRecord.Action.DELETE, snapshot(instance), None)
