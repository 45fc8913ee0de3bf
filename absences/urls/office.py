from django.urls import path

from absences.views import office

urlpatterns = [
    path("schools/<int:school_id>/absence-today/", office.absence_today, name="absence_today"),
    path(
        "schools/<int:school_id>/safeguarding/",
        office.safeguarding_flags,
        name="safeguarding_flags",
    ),
    path(
        "schools/<int:school_id>/safeguarding/<int:flag_id>/resolve/",
        office.safeguarding_flag_resolve,
        name="safeguarding_flag_resolve",
    ),
]
