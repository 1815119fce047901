from __future__ import annotations

from django.urls import path

from tiangong.platform.example import views

app_name = "example"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/<str:action>/", views.case_action, name="case_action"),
    path("boom/", views.boom, name="boom"),
]
