"""The figures' API routes (see `attendance_site.api_urls`)."""

from django.urls import path

from reports import api

urlpatterns = [
    path(
        "schools/<int:school_id>/figures/",
        api.SchoolFiguresApi.as_view(),
        name="school_figures",
    ),
]
