from django.apps import AppConfig


class TowerConfig(AppConfig):
    """The Control Tower: instruments, regime snapshots, the stack's health, and the commands."""

    name = "apps.django_core.tower"
    label = "tower"

    def ready(self) -> None:
        from apps.django_core import deploy_checks  # noqa: F401  # registers the project's deploy checks
