"""Scheme files as analysts save them and as an attacker might: encodings, YAML slips, hostile
YAML (issue 15, points 12 and 17)."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tiangong.errors import SchemeError
from tiangong.evaluation.scheme.loader import load_scheme

HUANGYAN = resources.files("tiangong.evaluation.scheme.builtin").joinpath(
    "huangyan_2022.yaml").read_text("utf-8")
TAX_LINE = "{label: 亩均税收, expr: eval_tax / land_area, unit: 万元/亩}"


def test_a_scheme_saved_as_gbk_or_utf16_reads_as_the_utf8_one(tmp_path: Path) -> None:
    utf8 = tmp_path / "utf8.yaml"
    utf8.write_text(HUANGYAN, encoding="utf-8")
    reference = load_scheme(utf8)
    for encoding in ("gbk", "gb18030", "utf-16", "utf-8-sig"):
        path = tmp_path / f"{encoding}.yaml"
        path.write_bytes(HUANGYAN.encode(encoding))
        loaded = load_scheme(path)
        assert loaded.text == HUANGYAN and loaded.hash == reference.hash, encoding


def test_a_file_in_no_known_encoding_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    data = HUANGYAN.encode("utf-8")
    cut = data.index("亩均税收".encode())
    path.write_bytes(data[:cut] + b"\xff\xfe\x81\x30" + data[cut + 12:])
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert len(caught.value.problems) == 1
    problem = str(caught.value.problems[0])
    assert f"byte 0xff at offset {cut}" in problem and "save it as UTF-8" in problem
    assert "neither UTF-8 nor GB18030/GBK" in problem


@pytest.mark.parametrize("expr, fix", [
    ("pow(eval_tax, 0.5)", 'expr: "pow(eval_tax, 0.5)"'),
    ("pow(eval_tax, 0.5) / land_area", 'expr: "pow(eval_tax, 0.5) / land_area"'),
])
def test_an_unquoted_formula_with_a_comma_gets_the_likely_fix(tmp_path: Path, expr: str,
                                                              fix: str) -> None:
    path = tmp_path / "pow.yaml"
    path.write_text(HUANGYAN.replace(TAX_LINE, f"{{label: 亩均税收, expr: {expr}, unit: 万元/亩}}"),
                    encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert any("unknown key" in p.message and "a comma ends the value: quote the formula, "
               + fix in p.message for p in caught.value.problems)


def _load_in_a_bounded_process(path: Path) -> subprocess.CompletedProcess[str]:
    """Load in a child limited to 2 GB and 120 s: unprotected, these files never finish."""
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            "from tiangong.errors import SchemeError\n"
            "from tiangong.evaluation.scheme.loader import load_scheme\n"
            "try:\n    load_scheme(sys.argv[1])\n"
            "except SchemeError as e:\n    print(e.problems[0]); sys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=120)


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < 5000
    done = _load_in_a_bounded_process(path)
    assert done.returncode == 3, done.stderr[-500:]
    assert "expand to more than 200,000 values" in done.stdout


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    done = _load_in_a_bounded_process(path)
    assert done.returncode == 3, done.stderr[-500:]
    assert "nests 50000 levels deep; a scheme needs at most 64" in done.stdout
    nested = tmp_path / "block.yaml"
    nested.write_text("".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + f"{'  ' * 200}x: 1\n",
                      encoding="utf-8")
    done = _load_in_a_bounded_process(nested)
    assert done.returncode == 3 and "levels deep" in done.stdout


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(HUANGYAN + "#" * 1_000_001 + "\n", encoding="utf-8")
    with pytest.raises(SchemeError, match="a scheme is at most 1,000,000 bytes"):
        load_scheme(path)


def test_every_builtin_scheme_passes_the_limits() -> None:
    from tiangong.evaluation.scheme.loader import builtin_ids

    for scheme_id in builtin_ids():
        load_scheme(scheme_id)
