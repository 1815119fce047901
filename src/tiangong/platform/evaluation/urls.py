from __future__ import annotations

from django.urls import path

from tiangong.platform.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.home, name="home"),
    path("analyst/", views.home, name="analyst_home"),
    path("objections/", views.home, name="objection_list"),
    path("publications/<int:pk>/", views.home, name="publication_detail"),
    path("results/<int:pk>/", views.home, name="result_detail"),
    path("objections/<int:pk>/", views.home, name="objection_detail"),
]
