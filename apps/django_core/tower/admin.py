"""The Control Tower in Django's admin: instruments editable, regime snapshots read-only."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from apps.django_core.tower.models import Instrument, RegimeSnapshot

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelAdmin takes no parameters
    InstrumentModelAdmin = admin.ModelAdmin[Instrument]
    RegimeSnapshotModelAdmin = admin.ModelAdmin[RegimeSnapshot]
else:
    InstrumentModelAdmin = RegimeSnapshotModelAdmin = admin.ModelAdmin


@admin.register(Instrument)
class InstrumentAdmin(InstrumentModelAdmin):
    list_display = ("symbol", "name", "asset_class", "active", "updated")
    list_filter = ("active", "asset_class")
    search_fields = ("symbol", "name")
    readonly_fields = ("created", "updated")

    def get_readonly_fields(self, request: HttpRequest, obj: Instrument | None = None) -> tuple[str, ...]:
        """The symbol is set once, when the instrument is added: its bars are stored under it."""
        return (*self.readonly_fields, "symbol") if obj is not None else tuple(self.readonly_fields)


@admin.register(RegimeSnapshot)
class RegimeSnapshotAdmin(RegimeSnapshotModelAdmin):
    """Snapshots are written by ``refresh_regimes`` only; the admin shows them."""

    list_display = ("instrument", "timeframe", "as_of", "method", "trend", "volatility", "source")
    list_filter = ("method", "trend", "volatility", "timeframe", "source")
    list_select_related = ("instrument",)
    search_fields = ("instrument__symbol",)
    ordering = ("-as_of", "-id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RegimeSnapshot | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RegimeSnapshot | None = None) -> bool:
        return False
