"""The access table's own promises (apps/common/access.py), read from the table itself."""

from __future__ import annotations

import pytest

from apps.common import access
from apps.common.access import TABLE, WRITE, granted

PROFILES = ("dev", "production")
# Django's admin takes everyone's POST for its login form; every other page of it checks staff itself.
ADMIN = ("django_core", "admin/")
# The regime maths: a service posts numbers and gets numbers back; nothing is stored.
COMPUTATIONS = {
    ("flask_regime", "/regime"),
    ("flask_regime", "/regime/markov"),
    ("flask_regime", "/regime/markov/filter"),
}
# Derived data a service may have made again: the Control Tower's refresh refits the Markov regimes.
DERIVED = {("fastapi_market", "/regime/{symbol}/fit")}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_write_needs_a_credential(profile):
    open_writes = [
        (rule.service, rule.route, rule.methods)
        for rule in TABLE
        if set(rule.methods) & set(WRITE)
        and "anonymous" in rule.callers(profile)
        and (rule.service, rule.route) != ADMIN
    ]
    assert open_writes == []


def test_only_the_operator_writes_market_data_and_services_write_only_computations_and_refits():
    for profile in PROFILES:
        for caller in ("django_core", "fastapi_market", "flask_regime"):
            writes = [rule for rule in granted(caller, profile) if set(rule.methods) & set(WRITE)]
            calls = {(rule.service, rule.route) for rule in writes}
            derived = DERIVED if caller == "django_core" else set()
            assert calls <= COMPUTATIONS | derived, (caller, calls)
    assert granted("flask_regime", "production") == []  # the most exposed service can call nothing


@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("", "api/services/"),
        ("", "api/instruments/"),
        ("", "api/snapshots/"),
        ("instruments/<str:symbol>/", "instruments/<str:symbol>/chart/"),
        ("instruments/<str:symbol>/", "instruments/<str:symbol>/markov/"),
        ("instruments/<str:symbol>/", "api/instruments/<str:symbol>/"),
    ],
)
@pytest.mark.parametrize("profile", PROFILES)
def test_the_dashboard_and_the_apis_behind_it_take_the_same_readers(page, data, profile):
    def readers(route: str) -> frozenset[str]:
        rule = access.rule_for("django_core", route, "GET")
        assert rule is not None, route
        return rule.callers(profile)

    assert readers(page) == readers(data)


def test_production_reads_are_narrower_than_dev_and_never_anonymous_beyond_health_and_the_relay_check():
    public = {
        (rule.service, rule.route)
        for rule in TABLE
        if "anonymous" in rule.production and (rule.service, rule.route) != ADMIN
    }
    assert public == {
        ("django_core", "health/"),
        ("django_core", "^health/live/?$"),
        ("django_core", "favicon.ico"),
        ("fastapi_market", "/health"),
        ("fastapi_market", "/health/live"),
        ("fastapi_market", "/check-regime"),
        ("flask_regime", "/health"),
        ("flask_regime", "/health/live"),
    }
    assert all(rule.production <= rule.dev for rule in TABLE)
