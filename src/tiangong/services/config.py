"""Request categories and their working-day limits, as data an analyst edits.

Limits differ by place and by kind of request (a policy question in 7 working days, a permit in
15, a land problem in 30), and counties change them by notice, not by software release; so
they live in a YAML file (`data/categories.yaml` is the default, with the published rules it
follows) and every category may override any default limit. Loading reports every problem at
once with its line, in the library's one error shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tiangong.errors import Problem, TiangongError
from tiangong.evaluation.scheme.loader import yaml_line_of


class ConfigError(TiangongError):
    """The categories file or the routing rules are invalid."""


@dataclass(frozen=True)
class Limits:
    """Working-day limits of one category (see data/categories.yaml for what each means)."""

    close_days: int = 15
    assign_days: int = 3
    objection_days: int = 1
    partner_days: int = 3
    partner_margin_days: int = 1
    extension_notice_days: int = 1
    extension_max_days: int = 15
    remind_before_days: tuple[int, ...] = (2, 1)
    escalate_after_days: tuple[int, ...] = (1, 5)
    reopen_limit: int = 1


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    limits: Limits
    complex: bool = False


@dataclass(frozen=True)
class ServiceConfig:
    categories: dict[str, Category]
    industry_chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""

    def category(self, code: str) -> Category:
        if code not in self.categories:
            known = "、".join(f"{c.code}（{c.name}）" for c in self.categories.values())
            raise ConfigError(f"未知的诉求类别“{code}”。已配置的类别：{known}")
        return self.categories[code]

    def chain_of(self, industry_code: str | None) -> str | None:
        """The industry chain whose longest prefix matches the industry code, if any."""
        code = (industry_code or "").strip()
        best: tuple[int, str] | None = None
        for chain, prefixes in self.industry_chains.items():
            for p in prefixes:
                if code.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), chain)
        return best[1] if best else None


_INT_FIELDS = {f.name for f in fields(Limits)} - {"remind_before_days", "escalate_after_days"}
_LIST_FIELDS = {"remind_before_days", "escalate_after_days"}


def _limits(raw: Any, base: Limits, where: tuple[Any, ...], data: Any, source: str,
            problems: list[Problem]) -> Limits:
    values: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        line = yaml_line_of(data, (*where, key))
        if key in _INT_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(Problem(f"{key} 须为非负整数（工作日），而不是 {value!r}",
                                        source, line, key))
                continue
            values[key] = value
        elif key in _LIST_FIELDS:
            if not isinstance(value, list) or not all(
                    isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
                problems.append(Problem(f"{key} 须为非负整数列表，而不是 {value!r}",
                                        source, line, key))
                continue
            values[key] = tuple(sorted(value, reverse=key == "remind_before_days"))
    return replace(base, **values)


def load_categories(path: str | Path | None = None) -> ServiceConfig:
    """The categories file at `path`, or the packaged default."""
    if path is None:
        text, source = default_categories_text(), "categories.yaml (默认)"
    else:
        text, source = Path(path).read_text(encoding="utf-8"), str(path)
    return parse_categories(text, source)


def default_categories_text() -> str:
    """The packaged default categories file, as text (a county's copy starts from it)."""
    ref = resources.files("tiangong.services") / "data" / "categories.yaml"
    return ref.read_text(encoding="utf-8")


def parse_categories(text: str, source: str) -> ServiceConfig:
    """A categories file's text (e.g. a county's copy kept in a database); `source` names it
    in the problems."""
    try:
        data = YAML().load(text)
    except Exception as err:  # ruamel's parser errors carry the line in their text
        raise ConfigError([Problem(f"不是有效的 YAML：{err}", source)]) from None
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise ConfigError([Problem("文件须包含 defaults 与 categories 两部分", source)])
    allowed = _INT_FIELDS | _LIST_FIELDS
    for key in (data.get("defaults") or {}):
        if key not in allowed:
            problems.append(Problem(f"未知的期限设置 {key}；可用：{', '.join(sorted(allowed))}",
                                    source, yaml_line_of(data, ("defaults", key)), key))
    base = _limits({k: v for k, v in (data.get("defaults") or {}).items() if k in allowed},
                   Limits(), ("defaults",), data, source, problems)
    categories: dict[str, Category] = {}
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        problems.append(Problem("categories 须为非空列表", source,
                                yaml_line_of(data, ("categories",)), "categories"))
        raw_categories = []
    for i, item in enumerate(raw_categories):
        line = yaml_line_of(data, ("categories", i))
        code = str(item.get("code", "")).strip() if isinstance(item, dict) else ""
        if not code or not isinstance(item, dict) or not item.get("name"):
            problems.append(Problem("每个类别须有 code 和 name", source, line))
            continue
        if code in categories:
            problems.append(Problem(f"类别代码 {code} 重复", source, line, "code"))
            continue
        unknown = set(item) - allowed - {"code", "name", "complex"}
        for key in sorted(unknown):
            problems.append(Problem(f"未知的类别设置 {key}", source,
                                    yaml_line_of(data, ("categories", i, key)), key))
        limits = _limits({k: v for k, v in item.items() if k in allowed}, base,
                         ("categories", i), data, source, problems)
        if "close_days" not in item:
            problems.append(Problem(f"类别 {code} 缺少办结时限 close_days", source, line, code))
        if limits.partner_days + limits.partner_margin_days > limits.close_days:
            problems.append(Problem(
                f"类别 {code}：协办时限 {limits.partner_days} + 提前量 "
                f"{limits.partner_margin_days} 个工作日超过办结时限 {limits.close_days}",
                source, line, code))
        categories[code] = Category(code, str(item["name"]), limits, bool(item.get("complex")))
    chains = {str(k): tuple(str(p) for p in v)
              for k, v in (data.get("industry_chains") or {}).items()}
    if problems:
        raise ConfigError(problems, title="诉求类别配置有误：")
    return ServiceConfig(categories, chains, source)
