"""The absences app's pages, by who uses them: `office`, `leave`, `followup`, `parents`
(each mounted by `attendance_site.urls`)."""
