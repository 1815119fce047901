"""Pages of the evaluation app."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest, pk: int = 0) -> HttpResponse:
    return render(request, "base.html", {})
