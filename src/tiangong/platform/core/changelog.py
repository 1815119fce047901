"""The change log: every create, update and delete of a ChangeLoggedModel, from signals.

Before-images are read in pre_save (one query by primary key) and kept on the instance; after
post_save the pair is written as JSON with the acting user and request id from core.context.
Password hashes are never written. Bulk operations (`QuerySet.update`, `bulk_create`) bypass
signals: code that uses them for platform objects calls `record_change` itself, as
`apply_transition` does.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from tiangong.platform.core.context import actor_user, request_id

_SECRET_FIELDS = frozenset({"password", "key_hash"})


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Concrete field values by attname (foreign keys as ids), JSON-safe, secrets masked."""
    out: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.name in _SECRET_FIELDS:
            out[f.name] = "******"
            continue
        out[f.attname] = _json_value(getattr(instance, f.attname))
    return out


def _region_path(instance: models.Model) -> str:
    scope = getattr(type(instance), "scope", None)
    path = getattr(scope, "region", None)
    if path is None:
        return ""
    node: Any = instance
    for part in [p for p in path.split("__") if p]:
        node = getattr(node, part, None)
        if node is None:
            return ""
    return str(getattr(node, "path", "") or "")


def record_change(instance: models.Model, action: str, before: dict[str, Any] | None,
                  after: dict[str, Any] | None) -> None:
    """Write one ObjectChange row attributed to the current actor."""
    from tiangong.platform.core.models.changes import ObjectChange

    if action == "update" and before is not None and after is not None:
        volatile = {f.attname for f in instance._meta.concrete_fields
                    if getattr(f, "auto_now", False)}
        if {k: v for k, v in before.items() if k not in volatile} == \
                {k: v for k, v in after.items() if k not in volatile}:
            return
    user = actor_user()
    ObjectChange.objects.create(
        user=user, user_name=user.get_username() if user is not None else "系统",
        request_id=request_id(),
        action=action, content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk), object_repr=str(instance)[:200],
        before=before, after=after, region_path=_region_path(instance))


def bulk_create_logged(model: type, objs: list[Any], batch_size: int = 2000) -> list[Any]:
    """`bulk_create` for change-logged models with one ObjectChange "create" row per object,
    also written in bulk (imports of 100,000 enterprises cannot afford a save() each).
    Needs primary keys back from the database (PostgreSQL; SQLite ≥ 3.35)."""
    from tiangong.platform.core.models.changes import ObjectChange

    created = model._default_manager.bulk_create(objs, batch_size=batch_size)  # type: ignore[attr-defined]
    user = actor_user()
    ct = ContentType.objects.get_for_model(model)
    ObjectChange.objects.bulk_create([
        ObjectChange(user=user, user_name=user.get_username() if user is not None else "系统",
                     request_id=request_id(), action="create", content_type=ct,
                     object_id=str(obj.pk), object_repr=str(obj)[:200], before=None,
                     after=snapshot(obj), region_path=_region_path(obj))
        for obj in created], batch_size=batch_size)
    return list(created)


def log_created_frame(model: type, frame: Any, reprs: Any, region_paths: Any) -> int:
    """One ObjectChange "create" row per row of `frame` (attnames, the primary key included),
    written in bulk: the change log of a bulk import (`core.bulk.insert_frame`), with the same
    `after` image `snapshot` gives for a saved instance (fields missing from the frame take
    their defaults; times in the platform's time zone, ISO 8601)."""
    import pandas as pd
    from django.utils import timezone

    from tiangong.platform.core.bulk import insert_frame
    from tiangong.platform.core.models.changes import ObjectChange

    if len(frame) == 0:
        return 0
    zone = str(timezone.get_current_timezone())
    cols: dict[str, list[Any]] = {}
    for f in model._meta.concrete_fields:  # type: ignore[attr-defined]
        if f.name in _SECRET_FIELDS:
            cols[f.attname] = ["******"] * len(frame)
        elif f.attname not in frame:
            cols[f.attname] = [_json_value(f.get_default())] * len(frame)
        elif isinstance(f, models.DateTimeField):
            at = pd.to_datetime(frame[f.attname])
            at = (at.dt.tz_localize(zone) if at.dt.tz is None else at.dt.tz_convert(zone))
            cols[f.attname] = [None if pd.isna(t) else t.to_pydatetime().isoformat()
                               for t in at]
        elif isinstance(f, models.DateField):
            days = pd.to_datetime(frame[f.attname])
            cols[f.attname] = [None if pd.isna(d) else d.date().isoformat() for d in days]
        else:
            cols[f.attname] = [None if v is None or (isinstance(v, float) and v != v)
                               else _json_value(v.item() if hasattr(v, "item") else v)
                               for v in frame[f.attname].tolist()]
    names = list(cols)
    after = [dict(zip(names, row, strict=True)) for row in zip(*cols.values(), strict=True)]
    user = actor_user()
    return insert_frame(ObjectChange, pd.DataFrame({
        "user_id": user.pk if user is not None else None,
        "user_name": user.get_username() if user is not None else "系统",
        "request_id": request_id(), "action": "create",
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "object_id": [str(v) for v in frame["id"].tolist()],
        "object_repr": [str(r)[:200] for r in reprs], "before": None, "after": after,
        "region_path": list(region_paths)}))


def _logged(sender: type) -> bool:
    from tiangong.platform.core.models.base import ChangeLoggedModel

    return isinstance(sender, type) and issubclass(sender, ChangeLoggedModel) \
        and not sender._meta.abstract


def _pre_save(sender: type, instance: models.Model, raw: bool = False, **_: Any) -> None:
    if raw or not _logged(sender) or instance._state.adding or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()  # type: ignore[attr-defined]
    instance._tiangong_before = snapshot(old) if old is not None else None


def _post_save(sender: type, instance: models.Model, created: bool, raw: bool = False,
               **_: Any) -> None:
    if raw or not _logged(sender):
        return
    before = None if created else getattr(instance, "_tiangong_before", None)
    record_change(instance, "create" if created else "update", before, snapshot(instance))
    instance._tiangong_before = None


def _post_delete(sender: type, instance: models.Model, **_: Any) -> None:
    if _logged(sender):
        record_change(instance, "delete", snapshot(instance), None)


def connect_signals() -> None:
    pre_save.connect(_pre_save, dispatch_uid="tiangong_changelog_pre")
    post_save.connect(_post_save, dispatch_uid="tiangong_changelog_post")
    post_delete.connect(_post_delete, dispatch_uid="tiangong_changelog_delete")
