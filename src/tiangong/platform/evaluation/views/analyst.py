"""The county analyst's flow: upload exports (or pick a stored intake) → intake and evaluation
as background tasks with progress → publish a stored run for 公示 with start and end dates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tiangong.platform.core.models import TaskProgress
from tiangong.platform.core.progress import enqueue_with_progress
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import restrict
from tiangong.platform.evaluation.forms import PublishForm, UploadForm, form_errors
from tiangong.platform.evaluation.models import Publication
from tiangong.platform.evaluation.publishing import PublishRefused, prepare
from tiangong.platform.evaluation.queries import publication_or_404
from tiangong.platform.evaluation.tasks import (
    evaluate_task,
    exact_what_if_all_task,
    intake_task,
    publish_run_task,
)
from tiangong.platform.evaluation.uploads import UploadRefused, save_exports
from tiangong.runs import RunStore, default_store_path
from tiangong.runs.intakes import list_intakes


def store_path() -> str:
    return str(settings.TIANGONG_RUN_STORE or default_store_path())


def _analyst(request: HttpRequest) -> Any:
    user = request.user
    if user.role != Role.COUNTY_ANALYST or user.is_read_only or user.county() is None:
        raise PermissionDenied("只有县级分析人员可以归集、评价和发布。")
    return user




def _store_listing() -> tuple[list[Any], list[Any], str]:
    path = store_path()
    try:
        with RunStore(path, read_only=True) as st:
            return list(reversed(st.list()))[:30], list(reversed(list_intakes(st)))[:30], ""
    except FileNotFoundError:
        return [], [], "运行库尚未建立：请先上传部门导出文件进行数据归集。"
    except Exception as err:  # locked by a running task, or not a run store
        return [], [], f"暂时无法读取运行库（{path}）：{err}。如有后台任务正在运行，请稍后刷新。"


def analyst_home(request: HttpRequest) -> HttpResponse:
    user = _analyst(request)
    runs, intakes, problem = _store_listing()
    published = {p.run_id: p for p in restrict(Publication, user).filter(county=user.county())}
    tasks = restrict(TaskProgress, user).filter(user=user).order_by("-id")[:10]
    return render(request, "evaluation/analyst_home.html", {
        "runs": runs, "intakes": intakes, "problem": problem, "published": published,
        "tasks": tasks, "upload_form": UploadForm(), "publish_form": PublishForm(),
        "open_publications": restrict(Publication, user).filter(
            county=user.county(), state=Publication.PUBLISHED).order_by("-id")[:10]})


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    user = _analyst(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("evaluation:analyst_home")
    try:
        folder = save_exports(form.cleaned_data["files"])
    except UploadRefused as err:
        messages.error(request, str(err))
        return redirect("evaluation:analyst_home")
    result = enqueue_with_progress(intake_task, f"数据归集 {form.cleaned_data['year']} 年",
                                   user, user.county(), str(folder), form.cleaned_data["year"],
                                   user.pk)
    return redirect("core:task_detail", result.id)


@require_POST
def evaluate_intake(request: HttpRequest) -> HttpResponse:
    user = _analyst(request)
    intake_id = (request.POST.get("intake") or "").strip()
    scheme = (request.POST.get("scheme") or "huangyan_2022").strip()
    if not intake_id or len(intake_id) > 20:
        messages.error(request, "请选择要评价的数据归集批次。")
        return redirect("evaluation:analyst_home")
    result = enqueue_with_progress(evaluate_task, f"评价（归集 {intake_id}）", user,
                                   user.county(), intake_id, scheme, user.pk)
    return redirect("core:task_detail", result.id)


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    user = _analyst(request)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("evaluation:analyst_home")
    data = form.cleaned_data
    previous = None
    if data.get("previous"):
        previous = restrict(Publication, user).filter(pk=data["previous"]).first()
        if previous is None:
            messages.error(request, "找不到要更正的原发布。")
            return redirect("evaluation:analyst_home")
    try:
        pub = prepare(store_path(), data["run_id"].strip(), user.county(), data["start"],
                      data["end"], hide_ranks=data["hide_ranks"], user=user,
                      digest=data.get("digest") or None, previous=previous)
    except PublishRefused as err:
        messages.error(request, str(err))
        return redirect("evaluation:analyst_home")
    result = enqueue_with_progress(publish_run_task, f"发布 {pub.run_id}", user, user.county(),
                                   pub.pk, user.pk)
    Publication.objects.filter(pk=pub.pk).update(task_id=str(result.id))
    return redirect("core:task_detail", result.id)


@require_POST
def exact_what_if_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the exact what-if of every firm of a publication in the background."""
    user = _analyst(request)
    pub = publication_or_404(user, pk)
    if pub.county_id != user.county().pk or pub.state != Publication.PUBLISHED:
        raise PermissionDenied("只能为本县已发布的评价结果发起精确测算。")
    result = enqueue_with_progress(exact_what_if_all_task, f"升档精确测算（{pub.run_id}）",
                                   user, user.county(), pub.pk, user.pk)
    return redirect("core:task_detail", result.id)
