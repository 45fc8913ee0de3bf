from django.urls import path

from . import views

CASE = "schools/<int:school_id>/threshold-cases/<int:case_id>/"
NOTICE = "schools/<int:school_id>/penalty-notices/<int:notice_id>/"

LADDER = "schools/<int:school_id>/intervention-ladder/"

urlpatterns = [
    path(LADDER, views.intervention_ladder, name="intervention_ladder"),
    path(LADDER + "letters/", views.ladder_letters, name="ladder_letters"),
    path(LADDER + "letters/preview/", views.ladder_letters_preview, name="ladder_letters_preview"),
    path(
        LADDER + "letters/<int:letter_id>/",
        views.ladder_letter_download,
        name="ladder_letter_download",
    ),
    path(
        "schools/<int:school_id>/threshold-cases/",
        views.threshold_cases,
        name="threshold_cases",
    ),
    path(
        "schools/<int:school_id>/suspension-notices/",
        views.suspension_notices,
        name="suspension_notices",
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
