from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registers", "0015_federation_ladder_minimum_sessions"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubmittedForm",
            fields=[
                ("token", models.UUIDField(primary_key=True, serialize=False)),
                ("submitted_at", models.DateTimeField(db_index=True)),
                ("redirect_to", models.CharField(blank=True, max_length=500)),
            ],
            options={
                "ordering": ["-submitted_at"],
            },
        ),
    ]
