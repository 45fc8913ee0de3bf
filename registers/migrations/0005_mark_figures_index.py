# The statistics read a school's marks of a period through this index alone (index-only scans).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registers', '0004_reminders_first_day_messages_parents_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='mark',
            index=models.Index(fields=['school', 'date', 'pupil', 'code'], name='mark_figures_idx'),
        ),
    ]
