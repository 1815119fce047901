"""The platform user: one role, bound to a region, a department or an enterprise.

The binding is what the scope mechanism reads; `clean()` refuses a role without the binding its
row in platform.md's table needs (a county analyst without a county, an enterprise user without
an enterprise), so a roster import cannot create an account that sees everything or nothing by
accident.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from tiangong.platform.core.models.base import ChangeLoggedModel
from tiangong.platform.core.models.reference import Department, Enterprise, Region
from tiangong.platform.core.roles import (
    DEPARTMENT_ROLES,
    ENTERPRISE_ROLES,
    READ_ONLY_ROLES,
    REGION_ROLES,
    Role,
)
from tiangong.platform.core.scope import Scope, ScopedQuerySet


class PlatformUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser, ChangeLoggedModel):
    role = models.CharField("角色", max_length=20, choices=Role.choices,
                            default=Role.ENTERPRISE_USER)
    region = models.ForeignKey(Region, verbose_name="所属区划", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="users")
    department = models.ForeignKey(Department, verbose_name="所属部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    enterprise = models.ForeignKey(Enterprise, verbose_name="所属企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    phone = models.CharField("手机号", max_length=20, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)

    objects = PlatformUserManager()
    scope: ClassVar[Scope] = Scope(region="region", department="department",
                                   enterprise="enterprise", owner="")

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username}（{self.get_role_display()}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The administrator role manages the installation: the Django admin needs staff and
        # superuser flags; other roles never get them from the role (a superuser created with
        # `createsuperuser` keeps its flags).
        superuser: bool = bool(getattr(self, "is_superuser", False))
        if superuser and self.role == Role.ENTERPRISE_USER and not self.enterprise_id:
            self.role = Role.ADMINISTRATOR  # `createsuperuser` leaves the default role
        if self.role == Role.ADMINISTRATOR:
            self.is_staff = self.is_superuser = True
        super().save(*args, **kwargs)

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    def county(self) -> Region | None:
        """The county the user works in, when there is exactly one (department, town, county)."""
        if self.department_id:
            return self.department.county
        if self.enterprise_id:
            return self.enterprise.region.county()
        return self.region.county() if self.region_id else None

    def clean(self) -> None:
        super().clean()
        problems: dict[str, str] = {}
        if self.role in REGION_ROLES:
            levels = REGION_ROLES[self.role]
            if self.region_id is None:
                problems["region"] = f"角色“{self.get_role_display()}”必须绑定一个行政区划。"
            elif levels is not None and self.region.level not in levels:
                problems["region"] = (f"角色“{self.get_role_display()}”应绑定"
                                      f"{'、'.join(_LEVEL_WORDS[x] for x in levels)}级区划，"
                                      f"而 {self.region} 是{_LEVEL_WORDS[self.region.level]}级。")
        if self.role in DEPARTMENT_ROLES and self.department_id is None:
            problems["department"] = "部门用户必须绑定一个部门。"
        if self.role in ENTERPRISE_ROLES and self.enterprise_id is None:
            problems["enterprise"] = "企业用户必须绑定一家企业（统一社会信用代码）。"
        if problems:
            raise ValidationError(problems)


_LEVEL_WORDS = {"province": "省", "city": "市", "county": "县", "town": "乡镇"}
