"""Django's PostgreSQL backend, grouping by every selected column of a partitioned model.

Django groups an aggregate query by a model's primary key alone when it selects the row,
since PostgreSQL accepts the other columns as functionally dependent on it. A table partitioned
by school year has the primary key (id, date) (registers/lib/partitions.py) while Django knows
`id`, so PostgreSQL refuses `GROUP BY id` there. A model that sets `partitioned_by_school_year`
is grouped by all of its selected columns instead, as on other databases.
"""

from django.db.backends.postgresql import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model) -> bool:
        if getattr(model, "partitioned_by_school_year", False):
            return False
        return super().allows_group_by_selected_pks_on_model(model)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
