"""Core URLs (namespace `core`)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from tiangong.platform.core.views import auth, pages

app_name = "core"
urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("enterprises/", pages.enterprise_list, name="enterprise_list"),
    path("my-enterprise/", pages.my_enterprise, name="my_enterprise"),
    path("enterprises/<str:uscc>/", pages.enterprise_detail, name="enterprise_detail"),
    path("changes/", pages.change_list, name="change_list"),
    path("notifications/", pages.notification_list, name="notification_list"),
    path("attachments/<int:pk>/", pages.attachment, name="attachment"),
    path("tasks/", pages.task_list, name="task_list"),
    path("tasks/<str:result_id>/", pages.task_detail, name="task_detail"),
]
