"""Enterprise direct service (企业码 直通): categories, routing, working-day clocks, outcomes,
KPIs and the hotline importer, as a library the platform's services app calls.

Nothing here imports Django: the platform passes its calendar (anything with `is_workday`)
and its tables; tests, benchmarks and the demo generator use the same functions directly.
"""
