"""天工 platform: the Django project around the library (accounts, scope, workflows, pages, API).

Everything under `tiangong.platform` may import Django; nothing outside it may (a test imports every
library module and checks that `django` stays out of `sys.modules`). The platform calls the library,
never the other way round. How to write an app on the core: docs/platform-internals.md.
"""
