"""Users in bulk from a roster (xlsx or CSV), each with an initial password to be changed at the
first sign-in. Columns (Chinese or English headers): 用户名 username, 姓名 name, 角色 role,
区划代码 region, 部门代码 department, 统一社会信用代码 uscc, 邮箱 email, 手机 phone,
初始密码 password.

角色 takes the Chinese label ("县级分析员") or the identifier ("county_analyst"). 部门代码 is the
department's code within the county given in 区划代码. Without 初始密码 a random one is made; the
created accounts and their initial passwords are returned for the administrator to hand out.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction

from tiangong.identity.uscc import normalize_uscc
from tiangong.platform.core.roles import Role

COLUMNS = {
    "username": ("用户名", "username", "账号"), "name": ("姓名", "name"),
    "role": ("角色", "role"), "region": ("区划代码", "region", "region_code"),
    "department": ("部门代码", "department"), "uscc": ("统一社会信用代码", "uscc"),
    "email": ("邮箱", "email"), "phone": ("手机", "phone", "手机号"),
    "password": ("初始密码", "password"),
}
_ROLE_BY_LABEL = {str(label): value for value, label in Role.choices} | {
    v: v for v in Role.values}


@dataclass
class RosterResult:
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (username, initial password)
    problems: list[str] = field(default_factory=list)


def initial_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


def read_roster(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    frame = (pd.read_csv(p, dtype=str, keep_default_na=False) if p.suffix.lower() == ".csv"
             else pd.read_excel(p, dtype=str, keep_default_na=False))
    rename = {}
    for key, names in COLUMNS.items():
        for n in names:
            if n in frame.columns:
                rename[n] = key
                break
    return frame.rename(columns=rename)


def import_roster(frame: pd.DataFrame) -> RosterResult:
    """Create the roster's accounts, all or none: any bad row → nothing saved, every problem
    listed (line numbers as in the file, header = line 1)."""
    from tiangong.platform.core.models import Department, Enterprise, Region, User

    result = RosterResult()
    missing = [COLUMNS[k][0] for k in ("username", "role") if k not in frame.columns]
    if missing:
        result.problems.append(f"花名册缺少列：{'、'.join(missing)}")
        return result
    users: list[tuple[Any, str]] = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        def get(key: str, row: dict[Any, Any] = row) -> str:
            return str(row.get(key, "") or "").strip()
        username, role = get("username"), _ROLE_BY_LABEL.get(get("role"))
        where = f"第 {i} 行（{username or '无用户名'}）"
        if not username:
            result.problems.append(f"{where}：用户名为空")
            continue
        if role is None:
            result.problems.append(f"{where}：角色“{get('role')}”无法识别")
            continue
        if User.objects.filter(username=username).exists() or \
                any(u.username == username for u, _ in users):
            result.problems.append(f"{where}：用户名已存在")
            continue
        user = User(username=username, last_name=get("name"), email=get("email"),
                    phone=get("phone"), role=role, must_change_password=True)
        if get("region"):
            user.region = Region.objects.filter(code=get("region")).first()
            if user.region is None:
                result.problems.append(f"{where}：区划代码 {get('region')} 不存在")
                continue
        if get("department"):
            county = user.region.county() if user.region else None
            user.department = Department.objects.filter(county=county,
                                                        code=get("department")).first()
            if user.department is None:
                result.problems.append(f"{where}：部门代码 {get('department')} 在该县不存在")
                continue
            if role == Role.DEPARTMENT_USER:
                user.region = None
        if get("uscc"):
            user.enterprise = Enterprise.objects.filter(uscc=normalize_uscc(get("uscc"))).first()
            if user.enterprise is None:
                result.problems.append(f"{where}：企业 {get('uscc')} 不在平台企业库中")
                continue
        try:
            user.clean()
        except ValidationError as err:
            result.problems.append(f"{where}：" + "；".join(
                m for msgs in err.message_dict.values() for m in msgs))
            continue
        users.append((user, get("password") or initial_password()))
    if result.problems:
        return result
    with transaction.atomic():
        for user, password in users:
            user.set_password(password)
            user.save()
            result.accounts.append((user.username, password))
    return result
