from __future__ import annotations

from django.urls import path

from tiangong.platform.dashboard import insight_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("enterprises/", views.enterprises, name="enterprises"),
    path("boundaries/", views.boundaries, name="boundaries"),
    path("boundaries/<int:pk>.json", views.boundary_json, name="boundary_json"),
    path("quality/", insight_views.quality, name="quality"),
    path("indices/", insight_views.indices, name="indices"),
]
