"""Access as data, checked whole: the table covers every route of the three URL maps, and every route
× caller × method sent to the production servers (gunicorn, uvicorn; production profile) is answered
as the table says, a refusal exactly as apps/common/auth.py words it, anything else never a refusal.

flask_regime has no token and calls no one, so as a caller it is anonymous.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import httpx
import pytest

from apps.common import access
from apps.common.auth import access_refusal, authorization_header
from apps.django_core.routes import ADMIN
from scripts.stack_processes import run_module
from tests import http_client
from tests.url_maps import UrlMap, three_url_maps

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
CALLERS = [caller for caller in access.CALLERS if caller != "flask_regime"]
PERSONS = ("user", "staff")
ADMIN_PATHS = 3  # the admin is one route: a few of its pages stand for it
LOGINS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
keys = {}
for name, staff in (("sweep-user", False), ("sweep-staff", True)):
    user, _ = get_user_model().objects.update_or_create(username=name, defaults={"is_staff": staff})
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
    session.create()
    keys["staff" if staff else "user"] = session.session_key
print(json.dumps(keys))
"""


@pytest.fixture(scope="module")
def url_maps() -> list[UrlMap]:
    return three_url_maps()


def test_the_table_covers_every_route_of_the_three_url_maps_and_nothing_else(url_maps):
    in_maps = {(url_map.service, route) for url_map in url_maps for route in url_map.routes.values()}
    in_table = {(rule.service, rule.route) for rule in access.TABLE}
    assert {key for key in in_maps if not access.route_methods(*key)} == set(), "routes with no rule"
    assert in_table - in_maps == set(), "rules for routes no URL map has"
    print(
        f"\naccess table: {len(in_maps)} routes of 3 services, {len(access.CALLERS)} callers, {len(access.TABLE)} rules"
    )


def test_a_route_missing_from_the_table_is_refused_to_everyone():
    for caller in access.CALLERS:
        refusal = access_refusal("fastapi_market", "/not/in/the/table", "GET", caller, "dev")
        assert refusal is not None and refusal.status == 403


@pytest.fixture(scope="module")
def caller_headers(production_servers) -> dict[str, dict[str, str]]:
    """What each caller sends: nothing, a staff or non-staff session's cookie, or its token."""
    made = run_module("apps.django_core", production_servers.env, 60, "shell", "--no-imports", "-c", LOGINS)
    assert made.returncode == 0, made.stderr
    sessions = json.loads(made.stdout.strip().splitlines()[-1])
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    headers |= {person: {"Cookie": f"sessionid={key}"} for person, key in sessions.items()}
    headers |= {caller: authorization_header(token) for caller, token in production_servers.tokens.items()}
    return headers


def sample_paths(url_map: UrlMap) -> list[str]:
    admin = [path for path in url_map.paths if url_map.routes[path] == ADMIN]
    return [path for path in url_map.paths if path not in admin] + list(islice(admin, ADMIN_PATHS))


def verdict(service: str, route: str, method: str, caller: str, response: httpx.Response) -> str | None:
    """What is wrong with ``response`` by the table (None: nothing)."""
    expected = access_refusal(service, route, method, caller, "production")  # type: ignore[arg-type]
    said = f"{caller} {method} {response.request.url.path}: {response.status_code}"
    is_json = "json" in response.headers.get("content-type", "") and response.content
    detail = response.json().get("detail") if is_json else None
    if expected is None:
        refusals = [access_refusal(service, route, method, c, "production") for c in access.CALLERS]
        if response.status_code in (401, 403, 405) and detail in {r.detail for r in refusals if r}:
            return f"refused, though the table allows it: {said} {detail}"
        return None
    rule = access.rule_for(service, route, method)
    if rule is not None and rule.page and caller in ("anonymous", "user"):
        location = response.headers.get("location", "")
        return None if response.status_code == 302 and location.startswith("/admin/login/") else f"no login: {said}"
    if expected.status == 405:  # a framework may answer a method no route takes before the table is asked
        return None if response.status_code == 405 else f"not a 405: {said} {detail}"
    if response.status_code != expected.status or (method != "HEAD" and detail != expected.detail):
        return f"not the table's {expected.status} ({expected.detail}): {said} {detail}"
    return None


def test_every_route_caller_and_method_in_production_is_answered_as_the_table_says(
    production_servers, url_maps, caller_headers
):
    sent, wrong = 0, []
    for url_map in url_maps:
        base = production_servers.urls[url_map.service]
        proxy = {"X-Forwarded-Proto": "https"} if url_map.service == "django_core" else {}
        cases = [(p, m, c) for p in sample_paths(url_map) for m in METHODS for c in CALLERS]

        def send(case: tuple[str, str, str], base: str = base, proxy: dict = proxy, url_map: UrlMap = url_map):
            path, method, caller = case
            body = b'{"probe": "access"}' if method in access.WRITE else None
            headers = {**proxy, **caller_headers[caller], **({"Content-Type": "application/json"} if body else {})}
            response = http_client.request(method, f"{base}{path}", content=body, headers=headers, timeout=30)
            # A session is django_core's: to the other services a person is anonymous.
            seen_as = caller if url_map.service == "django_core" or caller not in PERSONS else "anonymous"
            return verdict(url_map.service, url_map.routes[path], method, seen_as, response)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, cases))
        sent += len(answers)
        wrong += [answer for answer in answers if answer]
    print(f"\naccess sweep: {sent} requests in production, {len(wrong)} not as the table says")
    assert wrong == [], "\n".join(sorted(set(wrong))[:60])


def test_public_health_names_no_server_and_no_error_in_production_and_known_callers_see_them(
    production_servers, caller_headers
):
    for service, path in (("django_core", "/health/"), ("fastapi_market", "/health")):
        url = f"{production_servers.urls[service]}{path}"
        proxy = {"X-Forwarded-Proto": "https"} if service == "django_core" else {}
        public = http_client.get(url, headers=proxy, timeout=30).json()
        assert public["status"] == "ok" and public["checks"]
        assert all(set(check) <= {"status", "latency_ms"} for check in public["checks"].values()), public
        known = http_client.get(url, headers={**proxy, **caller_headers["operator"]}, timeout=30).json()
        assert all("server" in check for check in known["checks"].values()), known
    # The dashboard's tiles, for staff: django_core's own token shows it fastapi_market's details.
    tiles = http_client.get(
        f"{production_servers.urls['django_core']}/api/services/",
        headers={"X-Forwarded-Proto": "https", **caller_headers["staff"]},
        timeout=30,
    ).json()
    assert tiles["status"] == "ok"
    assert "server" in tiles["services"]["fastapi_market"]["checks"]["mongodb"]


def test_production_django_keeps_its_mysql_connections_between_requests(production_servers, caller_headers):
    """CONN_MAX_AGE with CONN_HEALTH_CHECKS: once each gunicorn thread has a connection, requests open none."""
    from scripts.benchmarks.polling import mysql_connections

    url = f"{production_servers.urls['django_core']}/api/instruments/"
    headers = {"X-Forwarded-Proto": "https", **caller_headers["operator"]}

    def burst() -> None:
        with ThreadPoolExecutor(8) as pool:
            assert all(
                r.status_code == 200
                for r in pool.map(lambda _: http_client.get(url, headers=headers, timeout=30), range(40))
            )

    opened = []
    for _ in range(5):  # the first bursts connect each gunicorn thread that serves one (once)
        before = mysql_connections(production_servers.env["MYSQL_URL"])
        burst()
        opened.append(mysql_connections(production_servers.env["MYSQL_URL"]) - before - 1)
        if opened[-1] == 0:
            break
    assert opened[-1] == 0, f"connections opened by each burst of 40 requests: {opened}"
