# Withdrawn `J` (interview, before 19 August 2024) was an approved educational activity, which
# counts as attendance (the DfE's Common Basic Data Set, code set D00202, flags it as not an
# absence); the catalogue said authorised absence. The pupil weeks count marks by what their
# code counted as when they were written (registers/lib/pupil_weeks.py), so the weeks of the
# schools holding a `J` mark are counted again here, in the same transaction.

from django.db import migrations

from registers.lib.pupil_weeks import pupil_weeks_rebuild

INTERVIEW = "J"
MEANING = "Interview, an approved educational activity (withdrawn 2024; now J1)"
OLD_MEANING = "Interview (withdrawn 2024; now J1)"


def _count_as(apps, schema_editor, *, counts_as: str, meaning: str) -> None:
    AttendanceCode = apps.get_model("registers", "AttendanceCode")
    Mark = apps.get_model("registers", "Mark")
    AttendanceCode.objects.filter(code=INTERVIEW).update(counts_as=counts_as, meaning=meaning)
    school_ids = set(
        Mark.objects.filter(code_id=INTERVIEW).values_list("school_id", flat=True).distinct()
    )
    pupil_weeks_rebuild(schema_editor.connection, school_ids=school_ids)


def forwards(apps, schema_editor):
    _count_as(apps, schema_editor, counts_as="attendance", meaning=MEANING)


def backwards(apps, schema_editor):
    _count_as(apps, schema_editor, counts_as="authorised", meaning=OLD_MEANING)


class Migration(migrations.Migration):
    dependencies = [("registers", "0013_federation_unauthorised_absence_letters")]

    operations = [migrations.RunPython(forwards, backwards)]
