"""The numbers of each demo firm: land, tax, value added, energy, emissions and the rest.

Evaluation results only mean something when the raw variables hang together the way they do
in a real county: a latent productivity drives tax, value added and revenue; energy and
electricity follow output and the industry's intensity; data are missing where departments
really lack them (规下 firms report no value added or energy; emissions cover only monitored
firms). Means of the 黄岩 2022 indicators over 规上 come out near its published benchmarks
(亩均税收 ≈ 24, 亩均增加值 ≈ 136, 单位能耗增加值 ≈ 2.7, 单位排放增加值 ≈ 4900, 全员劳动生产率
≈ 18, R&D占比 ≈ 0.03; 规下 亩均税收 ≈ 11.6, 单位用电税收 ≈ 0.235), so demo scores centre on 100.
"""

from __future__ import annotations

import numpy as np

from tiangong.demo import vocabulary as vocab

TCE_PER_10K_KWH = 2.95  # 等价值: 1 万kWh of electricity ≈ 2.95 吨标准煤 of primary energy

# Per GB/T 4754 division: VA/revenue, VA per tce (relative), electricity share of energy,
# pollution (relative), R&D propensity (relative), water in 吨 per 万元 revenue.
DIVISION: dict[str, tuple[float, float, float, float, float, float]] = {
    "13": (0.18, 3.0, 0.6, 1.5, 0.5, 8), "14": (0.25, 3.0, 0.6, 1.5, 0.6, 8),
    "15": (0.30, 3.5, 0.6, 1.5, 0.5, 10), "17": (0.20, 1.6, 0.75, 1.5, 0.8, 10),
    "18": (0.25, 6.0, 0.9, 0.4, 0.7, 2), "19": (0.22, 5.0, 0.85, 0.8, 0.6, 3),
    "20": (0.22, 2.5, 0.8, 0.8, 0.6, 2), "21": (0.24, 5.0, 0.9, 0.6, 0.8, 2),
    "22": (0.20, 1.0, 0.5, 2.0, 0.7, 15), "23": (0.26, 4.0, 0.9, 0.6, 0.8, 2),
    "24": (0.24, 5.0, 0.9, 0.5, 0.9, 2), "26": (0.22, 0.9, 0.45, 3.0, 1.2, 12),
    "27": (0.35, 2.5, 0.6, 2.0, 2.5, 10), "28": (0.15, 1.0, 0.6, 2.0, 0.8, 10),
    "29": (0.22, 2.2, 0.9, 0.8, 1.0, 2), "30": (0.25, 0.6, 0.4, 2.0, 0.6, 3),
    "31": (0.15, 0.4, 0.4, 2.5, 0.5, 5), "32": (0.12, 1.2, 0.6, 2.0, 0.6, 4),
    "33": (0.22, 3.0, 0.85, 0.9, 1.0, 2), "34": (0.25, 5.0, 0.9, 0.5, 1.3, 1.5),
    "35": (0.27, 5.5, 0.9, 0.5, 1.5, 1.5), "36": (0.22, 4.5, 0.85, 0.6, 1.4, 1.5),
    "37": (0.22, 4.5, 0.85, 0.6, 1.2, 1.5), "38": (0.22, 6.0, 0.9, 0.4, 1.5, 1.5),
    "39": (0.25, 7.0, 0.95, 0.5, 1.8, 2), "40": (0.30, 8.0, 0.95, 0.3, 2.0, 1.5),
    "41": (0.25, 4.0, 0.85, 0.6, 0.7, 2), "42": (0.15, 2.0, 0.7, 1.5, 0.4, 3),
    "43": (0.35, 6.0, 0.9, 0.4, 0.5, 1.5), "44": (0.30, 0.3, 0.2, 5.0, 0.3, 30),
    "45": (0.20, 2.0, 0.5, 1.0, 0.3, 2), "46": (0.45, 1.5, 0.95, 3.0, 0.3, 100),
}
# Calibration constants (found by simulation) that put the indicator means on the benchmarks.
_VA_PER_MU, _TAX_PER_VA, _ENERGY_SCALE, _EMISSION_SCALE = 136.7, 0.1395, 0.688, 0.695
_LABOUR, _RD_SHARE, _TAX_PER_MU_BELOW, _TAX_PER_KWH_BELOW = 18.08, 0.0325, 11.75, 0.238


def division_table(industry: np.ndarray) -> np.ndarray:
    """(n, 6) parameters of each firm's division, from its index into vocabulary.INDUSTRIES."""
    table = np.array([DIVISION[code[:2]] for code, _, _ in vocab.INDUSTRIES])
    return table[industry]


def _lognormal(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """Mean-one lognormal noise."""
    return np.exp(rng.standard_normal(n) * sigma - sigma * sigma / 2)


def firm_values(rng: np.random.Generator, above: np.ndarray, land: np.ndarray,
                industry: np.ndarray) -> dict[str, np.ndarray]:
    """Evaluation-year values of every firm, all present; `missing` masks them per row later.

    Both a 规上 and a 规下 version are produced for each firm (the firm's own class picks), so a
    firm that changes class between years still has every number its class needs.
    """
    n = above.size
    div = division_table(industry)
    va_rate, va_per_tce, elec_share, pollution, rd_bias, water_rate = div.T
    z = rng.standard_normal(n)  # latent productivity
    e = rng.standard_normal(n)

    # 规上: value added per 亩 from productivity; tax, revenue, energy, … from value added.
    va_mu = _VA_PER_MU * np.exp(0.9 * z - 0.405)
    tax_rate = _TAX_PER_VA * np.exp(0.45 * (0.6 * z + 0.8 * e) - 0.1)
    va_above = va_mu * land
    rev_above = np.maximum(va_above / (va_rate * _lognormal(rng, n, 0.25)), 2000 + 50 * e * e)
    # 规下: tax per 亩 from productivity; revenue below the 2000万 threshold.
    tax_mu_below = _TAX_PER_MU_BELOW * np.exp(0.85 * z - 0.36)
    tax_below = tax_mu_below * land
    rev_below = np.clip(tax_below / (0.045 * _lognormal(rng, n, 0.35)), 20.0, 1990.0)

    revenue = np.where(above, rev_above, rev_below)
    value_added = np.where(above, va_above, rev_below * va_rate * _lognormal(rng, n, 0.3))
    tax = np.where(above, va_above * tax_rate, tax_below)
    energy = value_added / (_ENERGY_SCALE * va_per_tce * np.exp(0.35 * z)
                            * _lognormal(rng, n, 0.8))
    share = np.clip(elec_share * _lognormal(rng, n, 0.15), 0.05, 0.98)
    tax_per_kwh = _TAX_PER_KWH_BELOW * _lognormal(rng, n, 0.8)
    electricity = np.where(above, energy * share / TCE_PER_10K_KWH,
                           np.maximum(tax_below, 0.05) / tax_per_kwh)
    energy = np.where(above, energy, electricity * TCE_PER_10K_KWH / share)
    emissions = value_added * pollution / (_EMISSION_SCALE * 4929.81 * _lognormal(rng, n, 1.0))
    productivity = _LABOUR * np.exp(0.45 * (0.5 * z + 0.87 * rng.standard_normal(n)) - 0.1)
    employees = np.where(above, np.maximum(8, np.round(value_added / productivity)),
                         np.maximum(1, np.round(revenue / (35 * _lognormal(rng, n, 0.5)))))
    rd_share = np.minimum(_RD_SHARE * rd_bias * _lognormal(rng, n, 0.7), 0.2)
    rd_share *= rng.random(n) > 0.15  # no R&D at all
    rd_share = np.where(above, rd_share, rd_share * 0.3)
    tech = revenue * 0.03 * _lognormal(rng, n, 1.1) * (rng.random(n) > 0.45)
    return {
        "eval_tax": tax, "value_added": value_added, "revenue": revenue, "energy_tce": energy,
        "electricity": electricity, "emissions": emissions,
        "water": revenue * water_rate * _lognormal(rng, n, 0.8), "employees": employees,
        "rd_expense": revenue * rd_share, "tech_invest": tech,
    }


# Share of rows without the value, by size class (规上, 规下): what departments lack.
MISSING: dict[str, tuple[float, float]] = {
    "land_area": (0.005, 0.01), "eval_tax": (0.005, 0.01), "value_added": (0.015, 0.9),
    "revenue": (0.01, 0.05), "energy_tce": (0.02, 0.85), "electricity": (0.015, 0.03),
    "emissions": (0.25, 0.92), "water": (0.08, 0.5), "employees": (0.015, 0.65),
    "rd_expense": (0.03, 0.95), "tech_invest": (0.1, 0.8),
}
ZERO: dict[str, float] = {"energy_tce": 0.005, "emissions": 0.02, "electricity": 0.003}
DECIMALS: dict[str, int] = {
    "land_area": 2, "eval_tax": 2, "value_added": 2, "revenue": 2, "energy_tce": 2,
    "electricity": 4, "emissions": 4, "water": 0, "employees": 0, "rd_expense": 2,
    "tech_invest": 2,
}
# Variables that grow with the firm from year to year (the rest follow them or stay put).
SCALED = ("eval_tax", "value_added", "revenue", "energy_tce", "electricity", "emissions",
          "water", "employees", "rd_expense", "tech_invest")


def year_values(rng: np.random.Generator, base: dict[str, np.ndarray], growth: np.ndarray,
                years_back: int) -> dict[str, np.ndarray]:
    """The firm's values `years_back` years before the evaluation year (0: the base itself)."""
    if years_back == 0:
        return dict(base)
    n = growth.size
    common = np.exp(-growth * years_back + 0.1 * rng.standard_normal(n))
    out = {}
    for name in SCALED:
        out[name] = base[name] * common * np.exp(0.05 * rng.standard_normal(n))
    out["employees"] = np.maximum(1, np.round(out["employees"]))
    return out


def finish(rng: np.random.Generator, values: dict[str, np.ndarray],
           above: np.ndarray) -> dict[str, np.ndarray]:
    """Round, then blank and zero values at the rates of MISSING and ZERO; NaN means null."""
    n = above.size
    refund = rng.random(n) < 0.01  # net tax refunds
    values["eval_tax"] = np.where(refund, -np.abs(values["eval_tax"]) * rng.uniform(0.02, 0.4, n),
                                  values["eval_tax"])
    out = {}
    for name, (p_above, p_below) in MISSING.items():
        x = np.round(values[name], DECIMALS[name])
        if name in ZERO:
            x[rng.random(n) < ZERO[name]] = 0.0
        x[rng.random(n) < np.where(above, p_above, p_below)] = np.nan
        out[name] = x
    return out
