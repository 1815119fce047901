"""Notifications: one per distinct active user, e-mail when an address exists, SMS through the
adapter, a failing mail server never breaks the caller."""

from __future__ import annotations

from django.core import mail

from tiangong.platform.core.models import Notification
from tiangong.platform.core.notify import LoggingSmsSender, notify
from tiangong.platform.core.testing import World


def test_notify_channels(world: World) -> None:
    town, county = world.users["town_official"], world.users["county_analyst"]
    town.email, town.phone = "town@example.cn", "13800000000"
    town.save()
    county.is_active = False
    county.save()
    LoggingSmsSender.sent.clear()
    made = notify([town, town, county, None], "异议已受理", "请查看。", url="/example/1/", sms=True)
    assert made == 1
    n = Notification.objects.get()
    assert (n.user, n.title, n.url, n.read_at) == (town, "异议已受理", "/example/1/", None)
    assert [m.to for m in mail.outbox] == [["town@example.cn"]]
    assert mail.outbox[0].subject == "【天工】异议已受理"
    assert LoggingSmsSender.sent == [("13800000000", "【天工】异议已受理")]


def test_mail_failure_keeps_the_notification(world: World, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    user = world.users["town_official"]
    user.email = "town@example.cn"
    user.save()
    assert notify([user], "测试") == 1  # port 9 refuses: logged, not raised
    assert Notification.objects.filter(user=user).count() == 1
