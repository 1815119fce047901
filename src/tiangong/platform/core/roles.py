"""The roles of platform.md's table, and what each is bound to; a module of its own because the
user model, the scope mechanism and the workflow tables all read it.

Plain string constants (not an enum) so that workflow tables and type checkers see `str`.
"""

from __future__ import annotations

from typing import ClassVar


class Role:
    PROVINCE_ANALYST = "province_analyst"
    CITY_ANALYST = "city_analyst"
    COUNTY_ANALYST = "county_analyst"
    TOWN_OFFICIAL = "town_official"
    DEPARTMENT_USER = "department_user"
    ENTERPRISE_USER = "enterprise_user"
    EXPERT = "expert"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"

    LABELS: ClassVar[dict[str, str]] = {
        PROVINCE_ANALYST: "省级分析员",
        CITY_ANALYST: "市级分析员",
        COUNTY_ANALYST: "县级分析员",
        TOWN_OFFICIAL: "乡镇（园区）工作人员",
        DEPARTMENT_USER: "部门用户",
        ENTERPRISE_USER: "企业用户",
        EXPERT: "评审专家",
        SUPERVISOR: "督查人员",
        ADMINISTRATOR: "系统管理员",
    }
    choices: ClassVar[list[tuple[str, str]]] = list(LABELS.items())
    values: ClassVar[list[str]] = list(LABELS)


# Which binding each role needs, and the level its region must have (None: any level).
REGION_ROLES: dict[str, tuple[str, ...] | None] = {
    Role.PROVINCE_ANALYST: ("province",),
    Role.CITY_ANALYST: ("city",),
    Role.COUNTY_ANALYST: ("county",),
    Role.TOWN_OFFICIAL: ("town",),
    Role.SUPERVISOR: None,
}
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_USER})
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER})
READ_ONLY_ROLES = frozenset({Role.SUPERVISOR})
ALL_ROLES: tuple[str, ...] = tuple(Role.values)
