"""Regional awards: top k per peer group per year, and streak awards such as the 金鼎.

The 浙江制造天工鼎 (domain.md §1) gives, each year, the 鼎 to the top 6 设区市, the top 20 counties
outside the 山区26县 and the top 6 of the 山区26县; three in a row earns the 金鼎. Peer groups are
attribute filters evaluated *in the award year*, because the 山区26县 list changed in 2024 and
2025 and a county's group follows the list in force. The composite score behind the award is not
public, so the ranking measure is whatever column the caller supplies (an `aggregate` column or
a composite index). Everything unknown about the rules (how ties at the k-th place are settled,
whether a streak restarts after a 金鼎) is a config field, not a guess baked into code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.regions.divisions import Regions, normalise_value
from tiangong.regions.ranking import rank_within

TIES = ("code", "include")
AFTER_STREAK = ("continue", "reset")


@dataclass(frozen=True)
class PeerGroup:
    """Regions competing with each other: a level and attribute filters, and how many win.

    where: attribute → value (or list of values; None matches a missing value) the region must
    hold in the award year; exclude: attribute → values it must not hold.
    """

    id: str
    k: int
    label: str = ""
    level: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)
    exclude: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AwardConfig:
    """An award: peer groups, the measure ranked and its direction, tie and streak rules.

    ties: "code" gives exactly k winners, equal values ordered by region code; "include" awards
    everyone tied at the k-th place. streak: consecutive award years that earn `streak_award`;
    after_streak: "continue" (every further consecutive year also earns it) or "reset" (the count
    starts again, so the next one needs another full streak).
    """

    groups: tuple[PeerGroup, ...]
    name: str = "award"
    measure: str = "score"
    higher_is_better: bool = True
    ties: str = "code"
    streak: int | None = None
    streak_award: str = ""
    after_streak: str = "continue"

    def __post_init__(self) -> None:
        problems = []
        if self.ties not in TIES:
            problems.append(Problem(f"ties must be one of {', '.join(TIES)}", "award", None,
                                    "ties"))
        if self.after_streak not in AFTER_STREAK:
            problems.append(Problem(f"after_streak must be one of {', '.join(AFTER_STREAK)}",
                                    "award", None, "after_streak"))
        if self.streak is not None and self.streak < 1:
            problems.append(Problem("streak must be at least 1", "award", None, "streak"))
        ids = [g.id for g in self.groups]
        problems += [Problem(f"peer group {g.id!r}: k must be at least 1", "award", None, "k")
                     for g in self.groups if g.k < 1]
        if len(set(ids)) != len(ids):
            problems.append(Problem("peer group ids must be unique", "award", None, "groups"))
        if problems:
            raise DataError(problems, title="invalid award configuration")

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> AwardConfig:
        """Build from plain data (YAML/JSON): groups as a list of PeerGroup fields."""
        groups = tuple(PeerGroup(**g) for g in spec.get("groups", ()))
        rest = {k: v for k, v in spec.items() if k != "groups"}
        return cls(groups=groups, **rest)


def tiangong_ding(mountain: str = "mountain_county", measure: str = "score") -> AwardConfig:
    """浙江制造天工鼎: top 6 cities, 20 counties outside / 6 inside 山区26县; 3 in a row: 金鼎."""
    return AwardConfig(
        name="天工鼎", measure=measure, streak=3, streak_award="金鼎",
        groups=(
            PeerGroup("city", 6, "设区市", level="city"),
            PeerGroup("county", 20, "县（市、区）(不含山区26县)", level="county",
                      exclude={mountain: 1}),
            PeerGroup("mountain", 6, "山区26县", level="county", where={mountain: 1}),
        ),
    )


def _matches(values: pd.Series, wanted: Any) -> pd.Series:
    """values (normalised text, NA allowed) in `wanted` (a value or a list; None = missing)."""
    items = list(wanted) if isinstance(wanted, list | tuple | set | frozenset) else [wanted]
    texts = normalise_value(pd.Series([v for v in items if v is not None], dtype="object"))
    hit = values.isin(texts.dropna().tolist()).fillna(False).astype(bool)
    if any(v is None for v in items):
        hit = hit | values.isna()
    return hit


def members(scores: pd.DataFrame, regions: Regions, group: PeerGroup) -> pd.Series:
    """Boolean mask of the rows of `scores` (region_code, year) that belong to `group`.

    A region of the group's level with no value of a filtering attribute in the award year
    (not in the regions table, or a year before the list existed) cannot be placed in or out
    of the group: that is an error naming the regions and years, never a silent "not a
    member". Filters that list None (`where: {attr: [1, None]}`) accept a missing value.
    """
    codes = scores["region_code"].astype("string")
    mask = pd.Series(True, index=scores.index)
    if group.level is not None:
        level = codes.map(regions.units.set_index("code")["level"]).astype("string")
        mask &= (level == group.level).fillna(False)
    years = sorted(scores["year"].unique().tolist())
    keyed = pd.DataFrame({"code": codes, "year": scores["year"].astype("Int64")})
    problems: list[Problem] = []
    for rule, keep in ((group.where, True), (group.exclude, False)):
        for attr, wanted in rule.items():
            if attr not in regions.attribute_names():
                problems.append(_unknown_attribute(group, attr, regions))
                continue
            held = regions.attribute(attr, years).astype({"code": "string", "year": "Int64"})
            value = keyed.merge(held, on=["code", "year"], how="left")["value"]
            values = pd.Series(value.to_numpy(), index=scores.index, dtype="string")
            if not _accepts_missing(wanted):
                problems += _uncovered(keyed[mask & values.isna()], group, attr)
            hit = _matches(values, wanted)
            mask &= hit if keep else ~hit
    if problems:
        raise DataError(problems, title=f"奖项分组 {group.id!r} 的成员无法确定")
    return mask


def _accepts_missing(wanted: Any) -> bool:
    items = list(wanted) if isinstance(wanted, list | tuple | set | frozenset) else [wanted]
    return any(v is None for v in items)


def _unknown_attribute(group: PeerGroup, attr: str, regions: Regions) -> Problem:
    known = ", ".join(regions.attribute_names()) or "无"
    hint = ""
    if attr == "mountain_county":
        hint = ("；山区26县名单请用 --regions 给出区划表，含 mountain_county 列（2021年起的名单），"
                "2024、2025年的名单在 shanhai_2024、shanhai_2025 列，按年度自动选用")
    return Problem(f"分组 {group.id!r} 按属性 {attr!r} 筛选，但区划表中没有该属性"
                   f"（已有属性：{known}）{hint}", "award", field=attr)


def _uncovered(rows: pd.DataFrame, group: PeerGroup, attr: str) -> list[Problem]:
    if rows.empty:
        return []
    pairs = rows.drop_duplicates().sort_values(["year", "code"])
    first = pairs.head(10)
    shown = "、".join(f"{c}（{y}年）" for c, y in zip(first["code"], first["year"], strict=True))
    more = f" 等 {len(pairs)} 个" if len(pairs) > 10 else ""
    return [Problem(f"分组 {group.id!r}：区划表没有这些地区在当年的 {attr!r} 值，无法判断是否属于"
                    f"该分组：{shown}{more}。请补全区划表（该名单在这些年份尚未公布时，"
                    "请用 --years 只评这些年份之后）", "award", field=attr)]


def award(scores: pd.DataFrame, regions: Regions, config: AwardConfig,
          history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank each peer group per year and mark winners and streak awards.

    scores: region_code, year and the config's measure (other columns ignored). history:
    (region_code, year) of earlier awards not in `scores` (e.g. published winners), counted
    for streaks. Returns one row per region and peer group it belongs to in a year.
    """
    needed = ["region_code", "year", config.measure]
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise DataError([Problem(f"scores lack columns {', '.join(missing)}", "award")])
    base = scores[needed].reset_index(drop=True)
    names = regions.names()
    parts = []
    for group in config.groups:  # a handful of groups; the rows inside are vectorised
        rows = base[members(base, regions, group)].copy()
        ranks = rank_within(rows, config.measure, ["year"],
                            higher_is_better=config.higher_is_better)
        place = ranks["rank"] if config.ties == "code" else ranks["rank_tied"]
        rows = rows.assign(peer_group=group.id, peer_label=group.label or group.id,
                           rank=ranks["rank"], rank_tied=ranks["rank_tied"],
                           n_peers=ranks["n_peers"], awarded=(place <= group.k).fillna(False))
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True) if parts else base.iloc[0:0]
    out = out.rename(columns={config.measure: "value"})
    out.insert(1, "region_name", out["region_code"].map(names).astype("string"))
    out = _streaks(out, config, history)
    return out.sort_values(["year", "peer_group", "rank", "region_code"], na_position="last",
                           kind="stable").reset_index(drop=True)


def _streaks(out: pd.DataFrame, config: AwardConfig,
             history: pd.DataFrame | None) -> pd.DataFrame:
    """`streak` (consecutive award years up to this one) and `streak_award` (e.g. 金鼎)."""
    won = out.loc[out["awarded"], ["region_code", "year"]]
    if history is not None:
        won = pd.concat([won, history[["region_code", "year"]]], ignore_index=True)
    won = won.astype({"region_code": "string", "year": "int64"}).drop_duplicates()
    won = won.sort_values(["region_code", "year"]).reset_index(drop=True)
    new_run = ((won["region_code"] != won["region_code"].shift())
               | (won["year"] != won["year"].shift() + 1))
    run_id = new_run.to_numpy(dtype=bool, na_value=True).cumsum()
    won["streak"] = won.groupby(run_id).cumcount() + 1
    out = out.merge(won, on=["region_code", "year"], how="left")
    out["streak"] = out["streak"].where(out["awarded"], 0).fillna(0).astype("int64")
    if config.streak is None:
        out["streak_award"] = False
    elif config.after_streak == "reset":
        out["streak_award"] = out["awarded"] & (out["streak"] % config.streak == 0)
    else:
        out["streak_award"] = out["awarded"] & (out["streak"] >= config.streak)
    return out


def history_from_winners(table: pd.DataFrame) -> pd.DataFrame:
    """(region_code, year) from a published winners list (columns region_code, eval_year|year)."""
    year = "eval_year" if "eval_year" in table.columns else "year"
    return pd.DataFrame({"region_code": table["region_code"].astype("string").str.strip(),
                         "year": pd.to_numeric(table[year]).astype("int64")}).drop_duplicates()
