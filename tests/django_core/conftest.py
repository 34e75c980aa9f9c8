import pytest


@pytest.fixture(scope="session")
def django_db_setup(test_stack, django_db_setup):
    """Django's test database lives on the test stack's real MySQL server."""
    return django_db_setup
