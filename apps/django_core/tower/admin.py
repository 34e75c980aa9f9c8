"""The Control Tower in Django's admin: instruments editable, regime snapshots read-only."""

from django.contrib import admin

from apps.django_core.tower.models import Instrument, RegimeSnapshot


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "asset_class", "active", "updated")
    list_filter = ("active", "asset_class")
    search_fields = ("symbol", "name")
    readonly_fields = ("created", "updated")


@admin.register(RegimeSnapshot)
class RegimeSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are written by ``refresh_regimes`` only; the admin shows them."""

    list_display = ("instrument", "timeframe", "as_of", "trend", "volatility", "source")
    list_filter = ("trend", "volatility", "timeframe", "source")
    list_select_related = ("instrument",)
    search_fields = ("instrument__symbol",)
    ordering = ("-as_of", "-id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
