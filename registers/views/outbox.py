"""The school's messages: what is still unsent or has failed, and trying a failed one again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from registers import access
from registers.selectors.outbox import school_outbox
from registers.services.outbox import outbox_retry


@login_required
@require_GET
def school_messages(request: HttpRequest, school_id: int) -> HttpResponse:
    school = access.get_school_for_messages(user=request.user, school_id=school_id)
    return render(
        request,
        "registers/messages.html",
        {"school": school, "outbox": school_outbox(school=school)},
    )


@login_required
@require_POST
def school_message_retry(request: HttpRequest, school_id: int, message_id: int) -> HttpResponse:
    school = access.get_school_for_messages(user=request.user, school_id=school_id)
    message = access.get_message_at_school(school=school, message_id=message_id)
    try:
        outbox_retry(school=school, message_id=message.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The message will be sent again now.")
    return redirect("school_messages", school_id=school.pk)
