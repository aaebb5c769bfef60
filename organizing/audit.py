"""The audit log: services call `audit_record` inside their transaction."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit_record(
    *, actor, verb: str, obj: models.Model | None = None, object_type: str = "",
    object_id: Any = "", changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row; `changes` maps field to (before, after) or holds free detail."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    plain = {}
    for key, value in (changes or {}).items():
        if isinstance(value, (list, tuple)):
            plain[key] = [_plain(v) for v in value]
        else:
            plain[key] = _plain(value)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id or ""),
        changes=plain,
    )


def model_diff(instance: models.Model, data: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Return {field: (before, after)} for the fields of `data` that differ on `instance`."""
    diff = {}
    for field, after in data.items():
        before = getattr(instance, field)
        if before != after:
            diff[field] = (before, after)
    return diff
