from __future__ import annotations

from django.contrib import admin

from tiangong.platform.dashboard.models import AwardSetting

admin.site.register(AwardSetting)
