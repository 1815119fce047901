"""Major industrial projects from 签约 to 新升规: stages and gates, classes, money, 赛马, hand-over.

Library only (no Django): the platform's `projects` app stores the tables and calls these
functions. Entry points: `load_config`, `Portfolio`, `classify`, `project_money`, `showing`,
`kpi_table`, `unit_scores`, `freeze`, `detect_upgrades`, `check_commitments`, `read_ledger`.
"""
