"""The project officer's ledger upload (issue 13 point 8): an Excel ledger is saved, imported
by a background task with progress (as the evaluation app's upload), and its status page lists
every row, column and cell the importer could not take, with the reason in Chinese.

County analysts (the county's 发改/经信/招商 project officers) import into their own county;
the status page is readable by whoever may see the task's progress row (its owner and the
regions above), like the core's task page."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tiangong.platform.core.models import TaskProgress
from tiangong.platform.core.progress import enqueue_with_progress, task_status
from tiangong.platform.core.roles import Role
from tiangong.platform.core.scope import get_scoped_or_404, restrict

TITLE = "项目台账导入"
MAX_BYTES = 20 * 1024 * 1024


class LedgerForm(forms.Form):
    file = forms.FileField(label="项目台账（xlsx 或 xls，一行一个项目）")


def _officer(request: HttpRequest) -> Any:
    user: Any = request.user
    if user.role != Role.COUNTY_ANALYST or user.is_read_only or user.county() is None:
        raise PermissionDenied("项目台账由县级项目管理人员（县级分析员）导入。")
    return user


def ledger_upload(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    form = LedgerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in (".xlsx", ".xls"):
            form.add_error("file", f"文件“{upload.name}”不是 Excel 台账：请上传 xlsx 或 xls 文件。")
        elif upload.size > MAX_BYTES:
            form.add_error("file", f"文件超过 {MAX_BYTES // 2**20} MB，请拆分后分批上传。")
        else:
            folder = Path(settings.MEDIA_ROOT) / "ledgers"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}{suffix}"
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            county = user.county()
            result = enqueue_with_progress(
                _task(), f"{TITLE}：{Path(upload.name).name}", user, county, str(path),
                county.code, user.pk, Path(upload.name).name)
            messages.success(request, "台账已上传，正在后台导入。")
            return redirect("projects:ledger_status", str(result.id))
    recent = restrict(TaskProgress, user).filter(user=user, title__startswith=TITLE
                                                 ).order_by("-id")[:10]
    return render(request, "projects/ledger_upload.html", {"form": form, "recent": recent})


def ledger_status(request: HttpRequest, result_id: str) -> HttpResponse:
    """Progress while the task runs; then the summary and every problem (htmx polls)."""
    row = get_scoped_or_404(TaskProgress, request.user, result_id=result_id,
                            title__startswith=TITLE)
    status = task_status(row.result_id)
    outcome: dict[str, Any] = {}
    if status["status"] == "SUCCESSFUL":
        from django_tasks import default_task_backend

        outcome = default_task_backend.get_result(row.result_id).return_value or {}
    template = ("projects/_ledger_status.html" if request.headers.get("HX-Request")
                else "projects/ledger_status.html")
    return render(request, template, {"task": row, "status": status, "outcome": outcome})


def _task() -> Any:
    from tiangong.platform.projects.tasks import ledger_task

    return ledger_task
