"""Notifications: in the platform (Notification rows), by e-mail (Django's mail backend) and by
SMS through an adapter (no provider is reachable here: the default adapter logs the message)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("tiangong.sms")


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsSender:
    """Writes each SMS to the `tiangong.sms` log; replace via settings.TIANGONG_SMS_BACKEND."""

    sent: list[tuple[str, str]] = []  # kept for inspection in tests and the admin shell

    def send(self, phone: str, text: str) -> None:
        log.info("短信 → %s：%s", phone, text)
        self.sent.append((phone, text))


def sms_sender() -> SmsSender:
    return import_string(settings.TIANGONG_SMS_BACKEND)()


def notify(users: Iterable[Any], title: str, body: str = "", *, url: str = "",
           email: bool = True, sms: bool = False) -> int:
    """Notify each distinct user once; returns the number of in-platform notifications made.

    Call it after commit (apply_transition does: `transaction.on_commit`). A failing mail server
    is logged, never raised into the user's request: the in-platform notification stands.
    """
    from tiangong.platform.core.models.notifications import Notification

    seen: set[int] = set()
    made = 0
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        Notification.objects.create(user=user, title=title[:200], body=body, url=url)
        made += 1
        if email and user.email:
            try:
                send_mail(f"【天工】{title}", f"{body}\n{url}", None, [user.email])
            except Exception:  # mail server down: the notification in the platform remains
                logging.getLogger("tiangong.mail").exception("邮件发送失败：%s", user.email)
        if sms and user.phone:
            sms_sender().send(user.phone, f"【天工】{title}")
    return made
