from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.django_core import views

urlpatterns = [
    path("health/", views.read_health, name="health"),
    re_path(r"^health/live/?$", views.read_liveness, name="health-live"),
    path("internal/settings/", views.read_settings, name="internal-settings"),
    path("internal/log-level/", views.update_log_level, name="internal-log-level"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # GET and HEAD only: its OPTIONS would render DRF's metadata with an HTML renderer that has no template (a 500).
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
    path("api/", include("apps.django_core.tower.urls")),
    path("admin/", admin.site.urls),
    path("", include("apps.django_core.dashboard.urls")),
]

handler500 = "apps.django_core.problems.server_error"
