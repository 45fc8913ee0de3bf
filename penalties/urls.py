from django.urls import path

from . import views

CASE = "schools/<int:school_id>/threshold-cases/<int:case_id>/"
NOTICE = "schools/<int:school_id>/penalty-notices/<int:notice_id>/"

urlpatterns = [
    path(
        "schools/<int:school_id>/threshold-cases/",
        views.threshold_cases,
        name="threshold_cases",
    ),
    path(CASE, views.threshold_case_detail, name="threshold_case"),
    path(CASE + "support/", views.case_support, name="threshold_case_support"),
    path(CASE + "decide/", views.case_decide, name="threshold_case_decide"),
    path(CASE + "notice-to-improve/", views.notice_to_improve, name="notice_to_improve"),
    path(
        CASE + "notice-to-improve/letter/",
        views.notice_to_improve_letter,
        name="notice_to_improve_letter",
    ),
    path(CASE + "penalty-notices/", views.penalty_notice, name="penalty_notice_record"),
    path(NOTICE + "payment/", views.penalty_notice_payment, name="penalty_notice_payment"),
    path(
        NOTICE + "la-decision/", views.penalty_notice_la_decision, name="penalty_notice_la_decision"
    ),
]
