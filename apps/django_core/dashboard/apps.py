from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The Control Tower's pages: the stack and the instruments at ``/``, one instrument's chart at
    ``/instruments/<symbol>/``."""

    name = "apps.django_core.dashboard"
    label = "dashboard"
    verbose_name = "Control Tower dashboard"
