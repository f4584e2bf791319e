"""Reads of form mappings: national configuration, the same for everyone signed in."""

from __future__ import annotations

from django.db.models import Count

from ..models import FormMapping


def mappings():
    return FormMapping.objects.select_related("form", "created_by").annotate(row_count=Count("rows")).order_by("name", "id")


def mapping(pk) -> FormMapping | None:
    return FormMapping.objects.select_related("form").filter(pk=pk).first()


def active_mapping_for(xform_id: str) -> FormMapping | None:
    """The mapping in use for a partner's form id, None when there is none."""
    if not xform_id:
        return None
    return FormMapping.objects.select_related("form").filter(xform_id=xform_id, is_active=True).first()


def rows_of(mapping: FormMapping) -> list:
    return list(mapping.rows.select_related("indicator").order_by("order", "id"))
