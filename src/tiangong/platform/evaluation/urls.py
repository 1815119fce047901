"""URLs of the evaluation app (at /evaluation/)."""
from __future__ import annotations

from django.urls import path

from tiangong.platform.evaluation.views import analyst, objections, pdfs, public, results

app_name = "evaluation"
urlpatterns = [
    path("", results.home, name="home"),
    path("gongshi/", public.gongshi_index, name="gongshi_index"),
    path("gongshi/<int:pk>/", public.gongshi_list, name="gongshi_list"),
    path("gongshi/<int:pk>/pdf/", pdfs.gongshi_pdf, name="gongshi_pdf"),
    path("publications/<int:pk>/", results.publication_detail, name="publication_detail"),
    path("publications/<int:pk>/what-if/", analyst.exact_what_if_all, name="what_if_all"),
    path("results/<int:pk>/", results.result_detail, name="result_detail"),
    path("results/<int:pk>/pdf/", pdfs.result_pdf, name="result_pdf"),
    path("results/<int:pk>/what-if/", results.what_if_panel, name="what_if_panel"),
    path("results/<int:pk>/what-if/exact/", results.what_if_start, name="what_if_start"),
    path("results/<int:pk>/object/", objections.objection_file, name="objection_file"),
    path("objections/", objections.objection_list, name="objection_list"),
    path("objections/<int:pk>/", objections.objection_detail, name="objection_detail"),
    path("objections/<int:pk>/link/", objections.objection_link, name="objection_link"),
    path("objections/<int:pk>/<str:action>/", objections.objection_action,
         name="objection_action"),
    path("analyst/", analyst.analyst_home, name="analyst_home"),
    path("analyst/upload/", analyst.upload, name="upload"),
    path("analyst/evaluate/", analyst.evaluate_intake, name="evaluate"),
    path("analyst/publish/", analyst.publish, name="publish"),
]
