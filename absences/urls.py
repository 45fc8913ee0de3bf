from django.urls import include, path

urlpatterns = [
    path("", include("absences.urls_office")),
    path("", include("absences.urls_leave")),
    path("", include("absences.urls_followup")),
]
