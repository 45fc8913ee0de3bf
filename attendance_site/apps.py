from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site's own wiring that is no app's business: the signed-in session's clock and
    whether it owes the second step of signing in."""

    name = "attendance_site"
    verbose_name = "Site"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from attendance_site.sessions import note_sign_in
        from attendance_site.two_step import note_second_step

        user_logged_in.connect(note_sign_in, dispatch_uid="attendance_site.note_sign_in")
        user_logged_in.connect(note_second_step, dispatch_uid="attendance_site.note_second_step")
