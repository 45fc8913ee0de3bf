from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('absences', '0005_parents_sign_in_requests'),
    ]

    operations = [
        migrations.AddField(
            model_name='leaverequest',
            name='requested_by_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='leaverequest',
            name='requester_lives_with_pupil',
            field=models.BooleanField(blank=True, null=True),
        ),
    ]
