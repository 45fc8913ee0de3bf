from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "registers/home.html",
        {"today": today, "schools": selectors.schools_today_for_user(user=request.user, day=today)},
    )
