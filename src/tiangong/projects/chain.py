"""A county's own stage chain: added or renamed stages on top of the installation's chain.

Counties name their stages differently (供地 or 拿地) and some follow more of them (环评, 能评);
the installation's configuration holds one chain. A county's chain is checked here before it is
used, every problem at once, in Chinese (the county's officers edit it on a page):

- stage ids are lower-case codes, unique; labels unique and non-empty;
- every stage of the installation's chain stays (renaming is free, removing is not: the 晾晒's
  rules, the KPIs and the hand-over name them), in the installation's order;
- added stages are gated by an officer (never automatic) and automatic stages come last;
- every gated stage names at least one piece of evidence, each once.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from tiangong.errors import Problem
from tiangong.projects.config import ConfigError, ProjectsConfig

_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
WHERE = "阶段链"


def chain_problems(base: ProjectsConfig, stages: list[dict[str, Any]]) -> list[str]:
    """Why `stages` (dicts of the configuration's Stage fields, in order) cannot replace the
    installation's chain of `base`; empty when it can."""
    out: list[str] = []
    ids = [str(s.get("id", "")) for s in stages]
    labels = [str(s.get("label", "")).strip() for s in stages]
    for i, (sid, label) in enumerate(zip(ids, labels, strict=True), 1):
        if not _ID.match(sid):
            out.append(f"第 {i} 个阶段的代码“{sid}”应为小写字母开头的字母、数字或下划线"
                       "（至多 20 个字符）")
        if not label:
            out.append(f"第 {i} 个阶段（{sid}）没有名称")
        elif len(label) > 20:
            out.append(f"阶段名称“{label}”超过 20 个字")
    out += [f"阶段代码“{d}”重复" for d in sorted({x for x in ids if ids.count(x) > 1})]
    out += [f"阶段名称“{d}”重复" for d in sorted({x for x in labels if x and
                                                  labels.count(x) > 1})]
    known = {s.id: s for s in base.stages}
    for kept_stage in base.stages:
        if kept_stage.id not in ids:
            out.append(f"不能删除阶段“{kept_stage.label}”（{kept_stage.id}）：晾晒规则、指标和交接要用到它，"
                       "可以改名")
    kept = [sid for sid in ids if sid in known]
    order = [s.id for s in base.stages if s.id in kept]
    if kept != order and len(set(kept)) == len(kept):
        out.append("原有阶段的先后顺序不能改变：应为 "
                   + " → ".join(known[sid].label for sid in order))
    seen_automatic = False
    for s, label in zip(stages, labels, strict=True):
        sid, automatic = str(s.get("id", "")), bool(s.get("automatic", False))
        if automatic and sid not in known:
            out.append(f"新增阶段“{label}”不能设为系统自动认定（没有认定它的数据）")
        if sid in known and automatic != known[sid].automatic:
            how = "由系统认定" if known[sid].automatic else "由人工通过关口"
            out.append(f"阶段“{label}”{how}，不能更改")
        if seen_automatic and not automatic:
            out.append(f"阶段“{label}”不能排在系统自动认定的阶段之后")
        seen_automatic = seen_automatic or automatic
        evidence = [str(e).strip() for e in s.get("evidence", [])]
        if not automatic and not [e for e in evidence if e]:
            out.append(f"阶段“{label}”的关口须至少列出一项证明材料")
        out += [f"阶段“{label}”的证明材料“{e}”重复"
                for e in sorted({e for e in evidence if evidence.count(e) > 1})]
    return out


def county_config(base: ProjectsConfig, stages: list[dict[str, Any]]) -> ProjectsConfig:
    """`base` with the county's chain; raises ConfigError listing every problem."""
    problems = chain_problems(base, stages)
    if not problems:
        try:
            return ProjectsConfig.model_validate({**base.model_dump(), "stages": stages})
        except ValidationError as err:
            problems = [str(e["msg"]).removeprefix("Value error, ") for e in err.errors()]
    raise ConfigError([Problem(p, WHERE) for p in problems], title="阶段链无效")
