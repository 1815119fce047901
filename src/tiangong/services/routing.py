"""Routing rules as data: which department leads (主办) and which assist (协办).

衢州 routes by level, by kind and by industry chain; Place des Entreprises by subject and
territory with institution filters. Here one CSV row is one rule with optional conditions on
the category, the town, the industry chain and the enterprise's class (A/B/C/D of the 亩均
evaluation); an empty cell matches anything. The proposal for a request is the matching rule
with the most conditions (the most specific), ties going to the earlier row, so an analyst adds
a special case below the general one without reordering the file. `{town}` in a department
cell stands for the request's town (属地乡镇主办). The 直通办 may route differently; the share
routed right the first time is a KPI (`kpi.py`), which tells the analyst which rules to fix.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tiangong.errors import Problem
from tiangong.intake.readers import detect_encoding
from tiangong.services.config import ConfigError, ServiceConfig

COLUMNS = ("rule_id", "category", "town", "chain", "enterprise_class", "lead", "partners", "note")
CONDITIONS = ("category", "town", "chain", "enterprise_class")
CLASSES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Rule:
    rule_id: str
    line: int
    category: str
    town: str
    chain: str
    enterprise_class: str
    lead: str
    partners: tuple[str, ...]
    note: str = ""

    @property
    def specificity(self) -> int:
        return sum(bool(getattr(self, c)) for c in CONDITIONS)


@dataclass(frozen=True)
class Proposal:
    lead: str
    partners: tuple[str, ...]
    rule_id: str
    explanation: str


def load_rules(config: ServiceConfig, path: str | Path | None = None) -> list[Rule]:
    """The rules of `path` (or the packaged default), checked against the categories and
    chains of `config`; every problem is reported at once with its line."""
    if path is None:
        text, source = default_rules_text(), "routing.csv (默认)"
    else:
        raw = Path(path).read_bytes()
        text, source = raw.decode(detect_encoding(raw)), str(path)  # Excel saves GBK CSV
    return parse_rules(text, config, source)


def default_rules_text() -> str:
    """The packaged default routing rules, as text (a county's copy starts from it)."""
    return (resources.files("tiangong.services") / "data" / "routing.csv").read_text(
        encoding="utf-8")


def parse_rules(text: str, config: ServiceConfig, source: str) -> list[Rule]:
    """Routing rules from CSV text (e.g. a county's copy kept in a database), checked against
    `config`; `source` names it in the problems."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError([Problem(f"路由规则缺少列：{', '.join(missing)}", source, 1)])
    problems: list[Problem] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        cell = {k: (row.get(k) or "").strip() for k in COLUMNS}
        if not any(cell.values()):
            continue
        rid = cell["rule_id"] or f"L{line}"
        if rid in seen:
            problems.append(Problem(f"规则编号 {rid} 重复", source, line, "rule_id"))
        seen.add(rid)
        if cell["category"] and cell["category"] not in config.categories:
            problems.append(Problem(f"未知的诉求类别 {cell['category']}", source, line,
                                    "category"))
        if cell["chain"] and cell["chain"] not in config.industry_chains:
            problems.append(Problem(f"未知的产业链 {cell['chain']}（在类别配置的 "
                                    "industry_chains 中定义）", source, line, "chain"))
        if cell["enterprise_class"] and cell["enterprise_class"] not in CLASSES:
            problems.append(Problem(f"企业类别须为 A/B/C/D，而不是 {cell['enterprise_class']}",
                                    source, line, "enterprise_class"))
        if not cell["lead"]:
            problems.append(Problem("缺少主办单位 lead", source, line, "lead"))
        partners = tuple(p.strip() for p in cell["partners"].replace("；", ";").split(";")
                         if p.strip())
        if cell["lead"] in partners:
            problems.append(Problem("主办单位不能同时是协办单位", source, line, "partners"))
        rules.append(Rule(rid, line, cell["category"], cell["town"], cell["chain"],
                          cell["enterprise_class"], cell["lead"], partners, cell["note"]))
    if problems:
        raise ConfigError(problems, title="路由规则有误：")
    return rules


def _fill(department: str, town: str | None) -> str:
    return department.replace("{town}", town or "属地乡镇")


def propose(rules: list[Rule], category: str, town: str | None = None,
            chain: str | None = None, enterprise_class: str | None = None) -> Proposal | None:
    """The most specific matching rule's departments (None when no rule matches)."""
    facts = {"category": category, "town": town or "", "chain": chain or "",
             "enterprise_class": enterprise_class or ""}
    best: Rule | None = None
    for rule in rules:
        fits = all(not getattr(rule, c) or getattr(rule, c) == facts[c] for c in CONDITIONS)
        if fits and (best is None or rule.specificity > best.specificity):
            best = rule
    if best is None:
        return None
    lead = _fill(best.lead, town)
    partners = tuple(p for p in dict.fromkeys(_fill(p, town) for p in best.partners) if p != lead)
    matched = "、".join(f"{c}={getattr(best, c)}" for c in CONDITIONS if getattr(best, c))
    why = f"规则 {best.rule_id}（第 {best.line} 行{'：' + matched if matched else ''}）"
    return Proposal(lead, partners, best.rule_id, why + (f"；{best.note}" if best.note else ""))
