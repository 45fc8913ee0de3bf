"""The reports app's pages: a school's `figures` and exports, and the `dashboards` (governors'
dashboard, federation overview), each mounted by `attendance_site.urls`."""
