from datetime import date

from django.db import migrations, models


def school_year_start(apps, schema_editor):
    # Letters drawn before the period was kept rested on the school year from 1 August.
    LadderLetter = apps.get_model("penalties", "LadderLetter")
    for letter in LadderLetter.objects.only("pk", "as_of"):
        year = letter.as_of.year if letter.as_of.month >= 8 else letter.as_of.year - 1
        LadderLetter.objects.filter(pk=letter.pk).update(period_start=date(year, 8, 1))


class Migration(migrations.Migration):

    dependencies = [
        ("penalties", "0003_notices_served_received_stale"),
    ]

    operations = [
        migrations.AddField(
            model_name="ladderletter",
            name="period_start",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(school_year_start, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ladderletter",
            name="period_start",
            field=models.DateField(),
        ),
    ]
