import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registers", "0014_withdrawn_j_counts_as_attendance"),
    ]

    operations = [
        migrations.AddField(
            model_name="federation",
            name="ladder_minimum_sessions",
            field=models.PositiveSmallIntegerField(
                default=30,
                help_text="A step of the intervention ladder is recorded, and a letter drawn, only for a pupil with at least this many possible sessions this school year (30: three school weeks).",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(400),
                ],
            ),
        ),
    ]
