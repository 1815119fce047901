"""Pages of the example app: every read through restrict() / get_scoped_or_404()."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tiangong.platform.core.forms import AttachmentsField
from tiangong.platform.core.scope import get_scoped_or_404, restrict
from tiangong.platform.core.workflow import TransitionRefused, apply_transition, events_for
from tiangong.platform.example.models import ExampleCase


class ActionForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea)
    attachments = AttachmentsField()


def case_list(request: HttpRequest) -> HttpResponse:
    cases = restrict(ExampleCase, request.user).select_related("enterprise")
    return render(request, "example/case_list.html", {"cases": cases})


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped_or_404(ExampleCase, request.user, pk=pk)
    return render(request, "example/case_detail.html", {
        "case": case, "events": events_for(case), "form": ActionForm(),
        "actions": case.workflow.allowed(case, request.user),
        "state_label": case.workflow.state_label(case.state)})


@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = get_scoped_or_404(ExampleCase, request.user, pk=pk)
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(case)
    try:
        apply_transition(case, action, request.user, form.cleaned_data["note"],
                         form.cleaned_data["attachments"])
    except TransitionRefused as err:
        messages.error(request, str(err))
    else:
        messages.success(request, "操作成功。")
    return redirect(case)


def boom(request: HttpRequest) -> HttpResponse:
    """Raises, so tests can check that a server error shows the Chinese 500 page."""
    raise RuntimeError("example failure")
