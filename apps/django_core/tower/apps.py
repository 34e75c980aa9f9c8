from django.apps import AppConfig


class TowerConfig(AppConfig):
    """The Control Tower: instruments, regime snapshots, the stack's health, and the commands."""

    name = "apps.django_core.tower"
    label = "tower"
