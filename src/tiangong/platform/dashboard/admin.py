from __future__ import annotations

from django.contrib import admin

from tiangong.platform.dashboard.models import AwardSetting, IndexSetting

admin.site.register(AwardSetting)
admin.site.register(IndexSetting)
