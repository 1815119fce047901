"""天工 tiangong: reproducible evaluation of manufacturing enterprises (亩均论英雄).

The library is the product; the CLI is a thin shell over it. Start with
`tiangong.evaluation.evaluate.evaluate`, keep runs with
`tiangong.runs.RunStore`, explain one enterprise with `tiangong.evaluation.explain.explain`.
"""

__version__ = "0.1.0"
