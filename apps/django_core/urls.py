from django.contrib import admin
from django.urls import path

from apps.django_core import views

urlpatterns = [
    path("health/", views.read_health, name="health"),
    path("admin/", admin.site.urls),
]

handler500 = "apps.django_core.problems.server_error"
