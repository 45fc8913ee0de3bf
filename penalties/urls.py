from django.urls import path

from . import views

urlpatterns = [
    path(
        "schools/<int:school_id>/threshold-cases/",
        views.threshold_cases,
        name="threshold_cases",
    ),
]
