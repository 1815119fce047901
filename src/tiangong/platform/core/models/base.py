"""Feature mixins of every platform model (NetBox-style): change logging, scope, immutability.

`PlatformModel` = change-logged + the scoped manager; apps subclass it and declare a `scope`
(see tiangong.platform.core.scope). `ImmutableModel` refuses any edit once saved: published
results are rows nobody may change, not even an administrator through the admin.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from tiangong.platform.core.scope import Scope, ScopedManager, ScopedQuerySet


class ImmutableError(Exception):
    """An attempt to change or delete a row that is immutable once saved."""

    def __init__(self, model: str) -> None:
        super().__init__(f"{model}已发布，不能修改或删除；如需更正，请重新发布。")


class ChangeLoggedModel(models.Model):
    """Every create, update and delete of a subclass is recorded in ObjectChange (by signals)."""

    class Meta:
        abstract = True


class PlatformModel(ChangeLoggedModel):
    """Change-logged and scoped: `Model.objects.restrict(user)` is the only way views read it."""

    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedManager()
    scope: ClassVar[Scope] = Scope()

    class Meta:
        abstract = True


class ImmutableQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableError(str(self.model._meta.verbose_name))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError(str(self.model._meta.verbose_name))


class ImmutableModel(ChangeLoggedModel):
    """Written once (create or bulk_create), never updated or deleted through the ORM."""

    created = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()
    scope: ClassVar[Scope] = Scope()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError(str(self._meta.verbose_name))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError(str(self._meta.verbose_name))
