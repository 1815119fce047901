"""Categories file, routing rules and duplicate suggestions, on files written here."""

from __future__ import annotations

import pandas as pd
import pytest

from tiangong.services.config import ConfigError, load_categories
from tiangong.services.duplicates import similarity, suggest_duplicates
from tiangong.services.routing import load_rules, propose

CONFIG = load_categories()


def test_default_categories_follow_the_published_limits():
    assert CONFIG.category("policy").limits.close_days == 7  # 泉州 2022
    assert CONFIG.category("permit").limits.close_days == 15  # 许昌 2011
    assert CONFIG.category("land").limits.close_days == 30  # 许昌 2011 complex
    assert CONFIG.category("complex").limits.close_days == 25  # 枣庄
    lim = CONFIG.category("tax").limits
    assert (lim.assign_days, lim.objection_days, lim.partner_days,
            lim.extension_notice_days) == (3, 1, 3, 1)
    assert CONFIG.chain_of("3525") == "模塑" and CONFIG.chain_of("3580") == "医药健康"
    assert CONFIG.chain_of("3551") == "机电装备" and CONFIG.chain_of("4411") is None
    with pytest.raises(ConfigError, match="未知的诉求类别“xyz”"):
        CONFIG.category("xyz")


def test_bad_categories_file_lists_every_problem(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("defaults:\n  assign_days: -1\n  colour: red\ncategories:\n"
                    "  - code: a\n    name: 甲\n    close_days: 2\n"
                    "  - code: a\n    name: 乙\n    close_days: 7\n"
                    "  - name: 丙\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_categories(path)
    text = str(err.value)
    assert ":2 [assign_days]" in text and ":3 [colour]" in text
    assert "协办时限 3 + 提前量 1 个工作日超过办结时限 2" in text
    assert "类别代码 a 重复" in text and "每个类别须有 code 和 name" in text


def test_most_specific_rule_wins():
    rules = load_rules(CONFIG)
    p = propose(rules, "policy", town="新前街道")
    assert (p.lead, p.partners, p.rule_id) == ("经信局", (), "R01")
    p = propose(rules, "policy", chain="医药健康")
    assert (p.lead, p.partners, p.rule_id) == ("市场监管局", ("经信局",), "R14")
    p = propose(rules, "infra", town="北城街道")
    assert (p.lead, p.partners) == ("北城街道", ("住建局", "交通运输局"))
    assert "R07" in p.explanation
    p = propose(rules, "power", enterprise_class="D")
    assert (p.lead, p.partners) == ("经信局", ("供电公司",))
    assert propose(rules, "power", enterprise_class="A").lead == "供电公司"


def test_bad_rules_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("rule_id,category,town,chain,enterprise_class,lead,partners,note\n"
                    "X1,nosuch,,,,经信局,,\nX1,policy,,钢铁,E,,,\nX3,tax,,,,税务局,税务局,\n",
                    encoding="gb18030")
    with pytest.raises(ConfigError) as err:
        load_rules(CONFIG, path)
    text = str(err.value)
    for part in (":2 [category]", ":3 [rule_id]", ":3 [chain]", ":3 [enterprise_class]",
                 ":3 [lead]", ":4 [partners]"):
        assert part in text, part


def test_duplicate_suggestions():
    assert similarity("申请增容报装", "增容报装进度") == pytest.approx(3 / 7)  # 增容 容报 报装
    req = pd.DataFrame({
        "request_id": ["a", "b", "c", "d", "e"],
        "uscc": ["X", "X", "X", "Y", "X"],
        "received_at": pd.to_datetime(["2026-03-02", "2026-03-05", "2026-03-06", "2026-03-06",
                                       "2026-05-01"]),
        "text": ["厂区增容报装进度缓慢", "增容报装进度查询", "招工补贴政策", "厂区增容报装进度缓慢",
                 "增容报装进度查询"]})
    out = suggest_duplicates(req)
    # b repeats a (same firm, 3 days); d is another firm; e is 57 days later; c another topic
    assert out[["request_id", "duplicate_of"]].values.tolist() == [["b", "a"]]
