"""Forms of the evaluation app; every message in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from tiangong.platform.core.forms import AttachmentsField


class ObjectionForm(forms.Form):
    reason = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 4}),
                             max_length=4000, error_messages={"required": "请填写异议内容。"})
    attachments = AttachmentsField(label="证明材料（可多选）")


class ActionForm(forms.Form):
    note = forms.CharField(label="理由或说明", required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    working_days = forms.IntegerField(label="办理期限（工作日）", required=False, min_value=1,
                                      max_value=60, error_messages={
                                          "min_value": "期限至少 1 个工作日。",
                                          "max_value": "期限不能超过 60 个工作日。",
                                          "invalid": "期限请填写整数。"})
    attachments = AttachmentsField(label="附件")


class PublishForm(forms.Form):
    run_id = forms.CharField(label="评价运行", max_length=40)
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    start = forms.DateField(label="公示开始日期", error_messages={
        "required": "请填写公示开始日期。", "invalid": "公示开始日期格式应为 2026-12-01。"})
    end = forms.DateField(label="公示结束日期", error_messages={
        "required": "请填写公示结束日期。", "invalid": "公示结束日期格式应为 2026-12-15。"})
    hide_ranks = forms.BooleanField(label="排名不分先后（公示名单不显示名次）", required=False,
                                    initial=True)
    previous = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            raise forms.ValidationError("公示结束日期不能早于开始日期。")
        return data


class UploadForm(forms.Form):
    year = forms.IntegerField(label="数据年度", min_value=2000, max_value=2100, error_messages={
        "required": "请填写数据年度。", "invalid": "数据年度请填写四位数字。",
        "min_value": "数据年度不能早于 2000 年。", "max_value": "数据年度不能晚于 2100 年。"})
    files = AttachmentsField(label="部门导出文件（xlsx、xls、csv，或打包为 zip）")


def form_errors(form: forms.Form) -> str:
    """Every error of `form` as one Chinese sentence, each prefixed with its field's label."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}：{e}" if label else str(e) for e in errors)
    return "；".join(parts)
