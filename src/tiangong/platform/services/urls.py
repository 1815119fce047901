from __future__ import annotations

from django.urls import path

from tiangong.platform.services import importing, objection_link, settings_page, views

app_name = "services"
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("import/", importing.import_page, name="import"),
    path("settings/", settings_page.settings_page, name="settings"),
    path("kpi/", views.kpi, name="kpi"),
    path("kpi.xlsx", views.kpi_xlsx, name="kpi_xlsx"),
    path("kpi.pdf", views.kpi_pdf, name="kpi_pdf"),
    path("partner/<int:pk>/answer/", views.partner_answer, name="partner_answer"),
    path("approval/<int:pk>/<str:action>/", views.approval_action, name="approval_action"),
    path("from-objection/<int:pk>/", objection_link.from_objection, name="from_objection"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/approval/", views.approval_new, name="approval_new"),
    path("<int:pk>/<str:action>/", views.request_action, name="request_action"),
]
