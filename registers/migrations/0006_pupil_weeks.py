# Each pupil's marks counted by school week, kept by triggers on the marks table
# (registers/lib/pupil_weeks.py) and counted here once from the marks already written.
# The count takes about 25 s per 10 million marks (the development machine), during which
# marks cannot be written.

import django.db.models.deletion
from django.db import migrations, models

from registers.lib.pupil_weeks import pupil_weeks_rebuild, triggers_drop, triggers_install


def install(apps, schema_editor):
    # The triggers as they were then: the term totals' table comes with 0017.
    triggers_install(schema_editor.connection, terms=False)
    pupil_weeks_rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('registers', '0005_mark_figures_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='PupilWeek',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week_start', models.DateField(help_text='The Monday of the week.')),
                ('attended', models.SmallIntegerField()),
                ('authorised', models.SmallIntegerField()),
                ('unauthorised', models.SmallIntegerField()),
                ('not_possible', models.SmallIntegerField()),
                ('pupil', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registers.pupil')),
                ('school', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registers.school')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('school', 'week_start', 'pupil'), name='one_pupil_week_per_school')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
