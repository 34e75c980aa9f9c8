"""The Control Tower's API, mounted under ``/api/``."""

from django.urls import path

from apps.django_core.tower import apis

urlpatterns = [
    path("instruments/", apis.InstrumentListApi.as_view(), name="instrument-list"),
    path("instruments/<str:symbol>/", apis.InstrumentDetailApi.as_view(), name="instrument-detail"),
    path("snapshots/", apis.SnapshotListApi.as_view(), name="snapshot-list"),
    path("snapshots/<int:snapshot_id>/", apis.SnapshotDetailApi.as_view(), name="snapshot-detail"),
    path("services/", apis.ServicesApi.as_view(), name="services"),
]
