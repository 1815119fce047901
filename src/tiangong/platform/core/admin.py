"""Admin for administrators: reference data and users editable, logs and events read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tiangong.platform.core import models as m


@admin.register(m.User)
class PlatformUserAdmin(UserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "region", "department",
                    "enterprise", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("平台角色", {"fields": (
        "role", "region", "department", "enterprise", "phone", "must_change_password")}))
    raw_id_fields = ("region", "department", "enterprise")


@admin.register(m.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")
    list_filter = ("level",)
    raw_id_fields = ("parent",)


@admin.register(m.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("county", "code", "name")
    raw_id_fields = ("county",)


@admin.register(m.Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("uscc", "name", "region", "industry_code")
    search_fields = ("uscc", "name")
    raw_id_fields = ("region",)


@admin.register(m.WorkCalendarDay)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("date", "county", "is_workday", "source", "note")
    list_filter = ("source", "is_workday")
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(m.ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    list_display = ("time", "user_name", "action", "content_type", "object_repr", "request_id")
    list_filter = ("action", "content_type")


@admin.register(m.WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdmin):
    list_display = ("time", "workflow", "action_label", "from_state", "to_state", "actor_name")
    list_filter = ("workflow",)


@admin.register(m.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    readonly_fields = ("key_hash", "prefix", "last_used")
