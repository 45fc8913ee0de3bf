"""The national attendance codes from 19 August 2024 (School Attendance (Pupil Registration)
(England) Regulations 2024), with what each counts as in the DfE's absence statistics, and the
three codes those regulations withdrew (kept for history imported from before that day)."""

import datetime

from django.db import migrations

WITHDRAWN_AFTER = datetime.date(2024, 8, 18)

# code, meaning, group, counts_as
CODES = [
    ("/", "Present (AM)", "present", "attendance"),
    ("\\", "Present (PM)", "present", "attendance"),
    ("L", "Late arrival before the register has closed", "present", "attendance"),
    ("K", "Attending education provision arranged by the local authority", "approved_activity", "attendance"),
    ("V", "Attending an educational visit or trip", "approved_activity", "attendance"),
    ("P", "Participating in a supervised sporting activity", "approved_activity", "attendance"),
    ("W", "Attending work experience", "approved_activity", "attendance"),
    ("B", "Attending any other approved educational activity", "approved_activity", "attendance"),
    ("C1", "Leave of absence: regulated performance or regulated employment abroad", "leave_of_absence", "authorised"),
    ("M", "Leave of absence: medical or dental appointment", "leave_of_absence", "authorised"),
    ("J1", "Leave of absence: interview", "leave_of_absence", "authorised"),
    ("S", "Leave of absence: study leave", "leave_of_absence", "authorised"),
    ("C2", "Leave of absence: part-time timetable", "leave_of_absence", "authorised"),
    ("C", "Leave of absence: exceptional circumstances", "leave_of_absence", "authorised"),
    ("T", "Parent travelling for occupational purposes", "other_authorised", "authorised"),
    ("R", "Religious observance", "other_authorised", "authorised"),
    ("I", "Illness (not medical or dental appointment)", "other_authorised", "authorised"),
    ("E", "Suspended or permanently excluded, no alternative provision made", "other_authorised", "authorised"),
    ("G", "Holiday not granted by the school", "unauthorised", "unauthorised"),
    ("N", "Reason for absence not yet established", "unauthorised", "unauthorised"),
    ("O", "Absent in other or unknown circumstances", "unauthorised", "unauthorised"),
    ("U", "Arrived after the register closed", "unauthorised", "unauthorised"),
    ("Q", "Unable to attend: lack of access arrangements", "unable_to_attend", "not_possible"),
    ("Y1", "Unable to attend: transport normally provided not available", "unable_to_attend", "not_possible"),
    ("Y2", "Unable to attend: widespread disruption to travel", "unable_to_attend", "not_possible"),
    ("Y3", "Unable to attend: part of the school premises closed", "unable_to_attend", "not_possible"),
    ("Y4", "Unable to attend: whole school site unexpectedly closed", "unable_to_attend", "not_possible"),
    ("Y5", "Unable to attend: criminal justice detention", "unable_to_attend", "not_possible"),
    ("Y6", "Unable to attend: public health guidance or law", "unable_to_attend", "not_possible"),
    ("Y7", "Unable to attend: any other unavoidable cause", "unable_to_attend", "not_possible"),
    ("D", "Dual registered: attending the other school", "not_counted", "not_possible"),
    ("X", "Non-compulsory school age, not required to attend", "not_counted", "not_possible"),
    ("Z", "Prospective pupil not yet on the admission register", "administrative", "not_possible"),
    ("#", "Planned whole-school closure", "administrative", "not_possible"),
]

# Withdrawn by the 2024 regulations; how they counted before then. `J` was an approved
# educational activity, so attendance (CBDS code set D00202: not an absence); migration 0010
# corrects databases made when this said authorised absence.
WITHDRAWN = [
    ("H", "Holiday agreed by the school (withdrawn 2024)", "withdrawn", "authorised"),
    ("J", "Interview, an approved educational activity (withdrawn 2024; now J1)", "withdrawn", "attendance"),
    ("Y", "Unable to attend due to exceptional circumstances (withdrawn 2024)", "withdrawn", "not_possible"),
]


def load_codes(apps, schema_editor):
    AttendanceCode = apps.get_model("registers", "AttendanceCode")
    rows = [
        AttendanceCode(code=code, meaning=meaning, group=group, counts_as=counts_as, display_order=order)
        for order, (code, meaning, group, counts_as) in enumerate(CODES, start=1)
    ]
    rows += [
        AttendanceCode(
            code=code,
            meaning=meaning,
            group=group,
            counts_as=counts_as,
            valid_until=WITHDRAWN_AFTER,
            display_order=100 + order,
        )
        for order, (code, meaning, group, counts_as) in enumerate(WITHDRAWN, start=1)
    ]
    AttendanceCode.objects.bulk_create(rows)


def unload_codes(apps, schema_editor):
    apps.get_model("registers", "AttendanceCode").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]

    operations = [migrations.RunPython(load_codes, unload_codes)]
