"""A leaver's Common Transfer File: the office names the new school and downloads the file."""

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.db_routing import replica_reads
from core.http import AuthenticatedHttpRequest
from registers.forms import submit
from registers.selectors import latest_enrolment, left_for_another_school
from reports import access
from reports.ctf_export import ctf_export
from reports.forms import CtfDestinationForm

# A destination written as a DfE number ("884/2002", "884 2002", "8842002") fills the form.
_DFE_NUMBER = re.compile(r"\b(\d{3})[/ -]?(\d{4})\b")


@replica_reads
@login_required
@require_http_methods(["GET", "POST"])
def pupil_ctf(request: AuthenticatedHttpRequest, school_id: int, pupil_id: int) -> HttpResponse:
    school, pupil = access.get_pupil_for_transfer(
        user=request.user, school_id=school_id, pupil_id=pupil_id
    )
    enrolment = latest_enrolment(school=school, pupil=pupil)
    found = _DFE_NUMBER.search(enrolment.destination) if enrolment else None
    initial = {"dest_lea": found[1], "dest_estab": found[2]} if found else {}
    form = CtfDestinationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        ctf = submit(
            form,
            lambda data: ctf_export(
                school=school,
                pupil=pupil,
                dest_lea=data["dest_lea"],
                dest_estab=data["dest_estab"],
                by=request.user,
            ),
        )
        if ctf is not None:
            response = HttpResponse(ctf.data, content_type="application/xml; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{ctf.name}"'
            return response
    context = {
        "school": school,
        "pupil": pupil,
        "enrolment": enrolment,
        "can_send": left_for_another_school(enrolment),
        "form": form,
    }
    return render(request, "reports/pupil_ctf.html", context, status=status)
