"""Enterprise names: normalisation and parsing into parts (region/trade/industry/form/branch).

Departments write the same firm's name differently (台州市黄岩华泰… vs 华泰…（台州）…, 有限公司 vs
有限责任公司, full-width characters, stray spaces), and whole-string edit distance misleads on
Chinese names (温州华泰 vs 温州华太 is a typo, 温州 vs 台州 is another firm). Linking therefore
compares name *parts*. Parsing is a handful of anchored regular expressions applied with pandas'
vectorised `.str` methods, so a province roster parses in a second or two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from tiangong.demo import vocabulary as vocab

# Legal forms, longest first so 股份有限公司 wins over 有限公司; mapped to a legal class, since
# 有限公司 is the registered short form of 有限责任公司 and departments use either.
LEGAL_FORMS: dict[str, str] = {
    "集团股份有限公司": "股份", "集团有限责任公司": "有限", "集团有限公司": "有限",
    "股份有限公司": "股份", "有限责任公司": "有限", "有限公司": "有限", "股份合作公司": "股份合作",
    "普通合伙企业": "合伙", "合伙企业": "合伙", "个人独资企业": "独资", "公司": "公司",
    "总厂": "厂", "厂": "厂",
}
BRANCH_MARKERS = ("分公司", "分厂", "分店", "分部", "分场", "办事处", "营业部", "经营部")
_REGION_SUFFIX = "省市县区"
# A generic region token for places not in the vocabulary: 2–3 Han characters and a suffix.
_GENERIC_REGION = r"[\u4e00-\u9fff]{2,3}?(?:省|市|县|区)"
_EXTRA_REGION_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "畲族自治县",
                          "自治县")


def short_region(token: str) -> str:
    """浙江省 → 浙江, 台州市 → 台州, 黄岩区 → 黄岩; a short name is returned as it is."""
    for suffix in _EXTRA_REGION_SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix) + 1:
            return token[: -len(suffix)]
    if len(token) > 2 and token[-1] in _REGION_SUFFIX:
        return token[:-1]
    return token


def default_regions() -> list[str]:
    """Region names (full and short) from the vocabulary; callers may add their own."""
    names: set[str] = set()
    for _, full, short in vocab.PROVINCES:
        names |= {full, short}
    for _, city in vocab.ZHEJIANG_CITIES:
        names |= {city, city + "市"}
    for _, county in vocab.ZHEJIANG_COUNTIES:
        names |= {county, short_region(county)}
    return sorted(names)


def industry_words() -> list[str]:
    """Industry words firms put in their names (vocabulary), longest first."""
    words = {w for _, ws, _ in vocab.INDUSTRIES for w in ws}
    return sorted(words, key=lambda w: (-len(w), w))


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=8)
def _patterns(regions: tuple[str, ...]) -> dict[str, re.Pattern[str]]:
    region = f"(?:{_alternation(regions)}|{_GENERIC_REGION})"
    return {
        "branch": re.compile(
            rf"^(?P<rest>.*?)(?P<branch>(?:{region})?(?:{_alternation(BRANCH_MARKERS)}))$"),
        "bracket": re.compile(r"\(([^()]*)\)"),
        "form": re.compile(rf"^(?P<rest>.*?)(?P<form>{_alternation(LEGAL_FORMS)})$"),
        "region": re.compile(rf"^(?P<region>(?:{region})+)(?P<rest>.+)$"),
        "token": re.compile(region),
        "industry": re.compile(rf"^(?P<trade>.+?)(?P<industry>{_alternation(industry_words())})$"),
    }


# Traditional characters common in firm and place names → simplified (a Hong Kong or Taiwan
# parent's register entry, or a department typing on a traditional input method); only
# one-to-one pairs, so the mapping never guesses.
_TRADITIONAL = str.maketrans(
    "臺灣縣區鎮鄉島廣東華國際業電機廠製膠紡織貿實發興陽飾車輪鋼鐵銅鋁環綠藥醫療設備儀氣體熱網"
    "絡資訊豐達聯眾億萬龍鳳門開關頭長樂義壽園塗檢測運輸農產經營銷務購創術學葉馬湯黃巖溫嶺寧紹"
    "蘇滬閩贛齊輕紙飛錦順協會戶號樓廈鋒衛藝專紅藍銀權責識別碼",
    "台湾县区镇乡岛广东华国际业电机厂制胶纺织贸实发兴阳饰车轮钢铁铜铝环绿药医疗设备仪气体热网"
    "络资讯丰达联众亿万龙凤门开关头长乐义寿园涂检测运输农产经营销务购创术学叶马汤黄岩温岭宁绍"
    "苏沪闽赣齐轻纸飞锦顺协会户号楼厦锋卫艺专红蓝银权责识别码")


def normalize_names(names: pd.Series) -> pd.Series:
    """NFKC (full-width → half-width, （）→()), traditional characters → simplified
    (`_TRADITIONAL`), no whitespace, Latin letters upper-cased."""
    text = names.fillna("").astype(str)
    text = text.map(lambda s: unicodedata.normalize("NFKC", s).translate(_TRADITIONAL))
    return text.str.replace(r"\s+", "", regex=True).str.upper()


def parse_names(names: pd.Series, regions: Iterable[str] | None = None) -> pd.DataFrame:
    """One row of parts per name, on the same index as `names`.

    Columns: norm (normalised full name), region (most specific region, short form, or None),
    regions (all region tokens, short form, as a '|'-joined string), bracketed (a region was
    written in brackets, 华泰（台州）…: usually the city only), trade, industry, form
    (legal form as written), legal (legal class), branch, and key (region + trade + industry
    + legal class + branch), the exact-match key.
    """
    # parsed once per distinct name (an export writes a firm's name on every account, month
    # and parcel; the roster and the records share most names), then spread back
    codes, uniques = pd.factorize(names, use_na_sentinel=False)
    if len(uniques) < len(names):
        parts = parse_names(pd.Series(uniques, dtype=names.dtype), regions)
        return parts.take(codes).set_axis(names.index)
    pats = _patterns(tuple(sorted(set(regions) if regions is not None else default_regions())))
    norm = normalize_names(names)
    text = norm
    # The branch pattern is slow (a lazy prefix before every region); few names have a marker.
    marked = text.str.contains(_alternation(BRANCH_MARKERS), regex=True)
    branch = text[marked].str.extract(pats["branch"]).reindex(text.index)
    has_branch = branch["branch"].notna()
    text = text.where(~has_branch, branch["rest"])
    # Bracketed parts are usually a region (华泰（台州）有限公司); keep them as region tokens.
    bracketed = text.str.findall(pats["bracket"]).map(lambda xs: "".join(xs))
    text = text.str.replace(pats["bracket"], "", regex=True)
    form = text.str.extract(pats["form"])
    has_form = form["form"].notna()
    text = text.where(~has_form, form["rest"])
    region = text.str.extract(pats["region"])
    has_region = region["region"].notna() & (region["rest"].str.len() >= 2)
    text = text.where(~has_region, region["rest"])
    prefix = region["region"].where(has_region, "").fillna("") + "|" + bracketed
    tokens = prefix.map(lambda s: [short_region(t) for t in pats["token"].findall(s)])
    industry = text.str.extract(pats["industry"])
    has_industry = industry["industry"].notna() & (industry["trade"].str.len() >= 2)
    trade = industry["trade"].where(has_industry, text.str.slice(0, 2))
    words = industry["industry"].where(has_industry, text.str.slice(2))
    legal = form["form"].map(LEGAL_FORMS)
    branch_marker = branch["branch"].where(has_branch, "").fillna("")
    out = pd.DataFrame({
        "norm": norm,
        "region": tokens.map(lambda ts: ts[-1] if ts else None),
        "regions": tokens.map(lambda ts: "|".join(dict.fromkeys(ts))),
        "bracketed": bracketed.map(lambda s: bool(pats["token"].search(s))),
        "trade": trade.fillna(""),
        "industry": words.fillna(""),
        "form": form["form"],
        "legal": legal,
        "branch": branch_marker,
    }, index=names.index)
    out["key"] = (out["region"].fillna("") + "/" + out["trade"] + out["industry"] + "/"
                  + out["legal"].fillna("") + "/" + out["branch"])
    return out


def trade_similarity(a: str, b: str) -> float:
    """Share of characters in common, by position-free multiset overlap (1.0 = same trade)."""
    if not a or not b:
        return 0.0
    common = sum(min(a.count(c), b.count(c)) for c in set(a))
    return common / max(len(a), len(b))
