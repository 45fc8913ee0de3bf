from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from attendance_site import two_step

urlpatterns = [
    path("", include("registers.urls")),
    path("", include("absences.urls.office")),
    path("", include("absences.urls.leave")),
    path("", include("absences.urls.followup")),
    path("", include("absences.urls.parents")),
    path("", include("penalties.urls")),
    path("", include("reports.urls.dashboards")),
    path("", include("reports.urls.figures")),
    path("api/v1/", include("attendance_site.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-step/", two_step.two_step, name="two_step"),
    path("accounts/two-step/set-up/", two_step.two_step_set_up, name="two_step_set_up"),
    path("admin/", admin.site.urls),
]
