from __future__ import annotations

from django.urls import path

from tiangong.platform.projects import chains, ledger_views, showing_pdf, views

app_name = "projects"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("towns/", views.town_suggestions, name="town_suggestions"),
    path("showing/", views.showing_page, name="showing"),
    path("showing.xlsx", views.showing_workbook, name="showing_workbook"),
    path("showing.pdf", showing_pdf.showing_pdf, name="showing_pdf"),
    path("import/", ledger_views.ledger_upload, name="ledger_upload"),
    path("import/<str:result_id>/", ledger_views.ledger_status, name="ledger_status"),
    path("units/<str:unit>/", views.units, name="units"),
    path("baselines/freeze/", views.baseline_freeze, name="baseline_freeze"),
    path("baselines/<int:pk>/", views.baseline_detail, name="baseline_detail"),
    path("new/", views.project_new, name="project_new"),
    path("chain/", chains.chain_page, name="chain"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/gate/<str:stage>/", views.gate, name="gate"),
    path("<int:pk>/back/", views.back, name="back"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/problem/", views.problem, name="problem"),
]
