"""Partitions of the marks, pupil weeks and registers made ahead of the school years that need
them (registers/lib/partitions.py)."""

import logging
from datetime import date

from django.db import connection, transaction

from registers.lib.partitions import partitions_ensure

logger = logging.getLogger(__name__)


def school_year_partitions_ensure(*, today: date) -> list[str]:
    """This school year's and the next's partitions, and one for every year found in a default
    partition (its rows moved in), in one transaction; returns the names of those made."""
    with transaction.atomic():
        made = partitions_ensure(connection, today=today)
    if made:
        logger.info("School-year partitions made: %s", ", ".join(made))
    return made
