"""Core forms: sign-in with a failure rate limit, and upload size validation for app forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone


def client_ip(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR", "") if request is not None else "")


class RateLimitedLoginForm(AuthenticationForm):
    """Refuses sign-in after LOGIN_FAILURE_LIMIT failures for a user name (or
    LOGIN_FAILURE_IP_LIMIT from one address) within the window, before checking the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def clean(self) -> dict[str, Any]:
        from tiangong.platform.core.models.security import LoginFailure

        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request)
        since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        recent = LoginFailure.objects.filter(time__gte=since)
        minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
        if recent.filter(username=username).count() >= settings.LOGIN_FAILURE_LIMIT or \
                recent.filter(ip=ip).count() >= settings.LOGIN_FAILURE_IP_LIMIT:
            raise ValidationError(f"登录失败次数过多，请 {minutes} 分钟后再试。", code="throttled")
        try:
            return super().clean()
        except ValidationError:
            LoginFailure.objects.create(username=username[:150], ip=ip)
            raise


def validate_upload_size(upload: Any) -> None:
    """Field validator for app forms: a file above the configured cap, in Chinese."""
    limit = settings.MAX_UPLOAD_BYTES
    if upload is not None and upload.size > limit:
        raise ValidationError(f"文件“{upload.name}”为 {upload.size / 1048576:.1f} MB，"
                              f"超过上限 {limit / 1048576:.0f} MB。")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input (workflow attachments), each checked against the size cap."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "附件")
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        out = [super(AttachmentsField, self).clean(f, initial) for f in files]
        for f in out:
            validate_upload_size(f)
        return out
