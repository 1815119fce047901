"""The 12345 / 好差评 import page: the library importer over the county's roster, then the rows.

The library (`tiangong.services.importer`) reads the export, rejects or flags rows with reasons
and links firms; this view hands it the county's enterprises and calendar, stores what it took
and shows what it did not take, row by row, so nothing is lost silently.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tiangong.errors import TiangongError
from tiangong.platform.core.forms import validate_upload_size
from tiangong.platform.core.models import Enterprise
from tiangong.platform.core.roles import Role
from tiangong.platform.services.calendar import LibraryCalendar, county_of
from tiangong.platform.services.county_config import settings_for
from tiangong.platform.services.models import ServiceRequest
from tiangong.platform.services.store import store
from tiangong.services.importer import import_export


class ImportForm(forms.Form):
    file = forms.FileField(label="12345 / 好差评导出文件（xlsx、xls 或 CSV）",
                           validators=[validate_upload_size])


def import_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role != Role.COUNTY_ANALYST:
        raise PermissionDenied("只有直通办（县级分析员）可以导入热线工单。")
    county = county_of(user.region)
    form = ImportForm(request.POST or None, request.FILES or None)
    result: Any = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name or "x.csv").suffix.lower() or ".csv"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"export{suffix}"
            path.write_bytes(upload.read())
            try:
                result = _import(path, county)
            except TiangongError as err:
                messages.error(request, str(err))
        if result is not None:
            messages.success(request, f"导入 {result['taken']} 件；未导入 {len(result['rejected'])}"
                                      f" 行（原因见下表）；企业待确认 {result['confirm']} 件。")
    return render(request, "services/import.html", {"form": form, "result": result})


def _import(path: Path, county: Any) -> dict[str, Any]:
    firms = {e.uscc: e for e in Enterprise.objects.filter(region__path__startswith=county.path)
             .select_related("region")}
    roster = pd.DataFrame({"uscc": list(firms), "name": [f.name for f in firms.values()],
                           "town_name": [f.region.name for f in firms.values()],
                           "industry_code": [f.industry_code for f in firms.values()]})
    known = [f"{c}-{e}" for c, e in ServiceRequest.objects.filter(
        enterprise__region__path__startswith=county.path).exclude(external_id="")
        .values_list("channel", "external_id")]
    cal = LibraryCalendar(county)
    res = import_export(path, roster, settings_for(county).config, cal, known_ids=known)
    with transaction.atomic():
        taken, _ = store(county, firms, res.requests.to_pandas(), res.events.to_pandas(), "",
                         cal, create_departments=False)
    return {"taken": taken, "rejected": res.rejected.to_dict("records"),
            "warnings": res.warnings.to_dict("records"),
            "confirm": int(res.requests.column("needs_confirmation").to_numpy().sum())
            if res.requests.num_rows else 0, "excluded": res.excluded}
