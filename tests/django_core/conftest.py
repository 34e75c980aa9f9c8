from dataclasses import replace

import pytest


@pytest.fixture(scope="session")
def django_db_setup(test_stack, django_db_setup):
    """Django's test database lives on the test stack's real MySQL server."""
    return django_db_setup


@pytest.fixture
def production_access(settings):
    """The production profile's access rules (apps/common/access.py), for this test's requests."""
    settings.CONFIG = replace(settings.CONFIG, common=replace(settings.CONFIG.common, profile="production"))
