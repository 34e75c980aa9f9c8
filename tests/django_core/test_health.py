"""django_core through Django's test client, on the real MySQL server of the test stack."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_health_runs_a_real_query(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "django_core" and body["status"] == "ok"
    assert body["checks"]["mysql"]["status"] == "ok"
    assert body["checks"]["mysql"]["latency_ms"] > 0
    assert connection.vendor == "mysql" and "MariaDB" in connection.mysql_server_info


@pytest.mark.django_db(transaction=True)  # no wrapping transaction: the connection is really dropped
def test_health_is_503_naming_mysql_when_it_cannot_connect(client):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = 1  # nothing listens there: a real refused connection
    try:
        response = client.get("/health/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failing"] == ["mysql"]
    assert "Can't connect" in body["checks"]["mysql"]["error"]
    # And it recovers with no restart.
    assert client.get("/health/").status_code == 200


def test_unknown_route_is_a_problem(client):
    response = client.get("/no-such-route/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["instance"] == "/no-such-route/"


def test_wrong_method_on_health_is_a_problem(client):
    response = client.post("/health/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET, HEAD"


def test_admin_is_enabled(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Django administration" in response.content
