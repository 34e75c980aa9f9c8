"""The dashboard's pages, mounted at the site's root."""

from django.urls import path

from apps.django_core.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("instruments/<str:symbol>/", views.instrument_detail, name="instrument"),
    path("instruments/<str:symbol>/chart/", views.instrument_chart, name="instrument-chart"),
    path("instruments/<str:symbol>/markov/", views.instrument_markov, name="instrument-markov"),
    path("instruments/<str:symbol>/refresh/", views.instrument_refresh, name="instrument-refresh"),
    path("favicon.ico", views.favicon, name="favicon"),
]
