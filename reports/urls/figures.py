from django.urls import path

from reports.views import staff, transfer

SCHOOL = "schools/<int:school_id>/"

urlpatterns = [
    path(SCHOOL + "figures/", staff.school, name="report_school"),
    path(SCHOOL + "figures/classes/", staff.classes, name="report_classes"),
    path(SCHOOL + "figures/pupils/<int:pupil_id>/", staff.pupil, name="report_pupil"),
    path(SCHOOL + "exports/census.csv", staff.census, name="report_census"),
    path(SCHOOL + "exports/census.xml", staff.census_return, name="report_census_xml"),
    path(SCHOOL + "pupils/<int:pupil_id>/ctf/", transfer.pupil_ctf, name="pupil_ctf"),
]
