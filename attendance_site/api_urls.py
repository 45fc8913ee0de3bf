"""The API under /api/v1/, namespace "api": each app's routes, mounted here, where the site
knows every app (as cookiecutter-django's `config/api_router.py` does), so no app mounts
another's."""

from absences import api_urls as absences_api_urls
from penalties import api_urls as penalties_api_urls
from registers import api_urls as registers_api_urls
from reports import api_urls as reports_api_urls

app_name = "api"

urlpatterns = [
    *registers_api_urls.urlpatterns,
    *reports_api_urls.urlpatterns,
    *absences_api_urls.urlpatterns,
    *penalties_api_urls.urlpatterns,
]
