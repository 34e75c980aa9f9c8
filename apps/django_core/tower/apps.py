from django.apps import AppConfig


class TowerConfig(AppConfig):
    """The Control Tower: django_core's own app (commands now; models as the platform grows)."""

    name = "apps.django_core.tower"
    label = "tower"
