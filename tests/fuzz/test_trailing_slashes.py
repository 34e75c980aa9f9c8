"""Every method to every route of the three services, with and without its trailing slash (issue 12, item 2).

The routes come from each framework's URL map (tests/url_maps.py), so a route added later is
swept too. Over real HTTP, against the live test stack and against the production servers of
deploy/Procfile.prod (on the test stack's databases): no answer is a 5xx; every error is a
problem document; the form of a path that is not in the map answers 308 to the one that is, the
query kept, with no body, so the method and the body survive the redirect.
"""

from __future__ import annotations

import time

import httpx
import pytest

from apps.common.auth import authorization_header
from apps.common.problems import PROBLEM_MEDIA_TYPE
from apps.common.trailing_slash import slash_twin
from tests import http_client
from tests.problem_checks import assert_problem
from tests.stack import OPERATOR_TOKEN
from tests.url_maps import UrlMap, three_url_maps

# Every method RFC 9110 defines but CONNECT, which asks a proxy for a tunnel and names no path.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}
QUERY = "slash=probe"
swept: dict[str, int] = {}


@pytest.fixture(scope="module")
def url_maps() -> list[UrlMap]:
    return three_url_maps()


def sweep(url_map: UrlMap, base_url: str, token: str, headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Every method to both forms of every route of ``url_map``: the number of requests, and the answers that
    break the rule."""
    sent = 0
    failures: list[str] = []
    request_headers = {**authorization_header(token), **(headers or {})}
    with httpx.Client(base_url=base_url, timeout=30, headers=request_headers) as client:
        for path in url_map.paths:
            twin = slash_twin(path)
            for method in METHODS:
                for form in filter(None, (path, twin)):
                    body = b'{"probe": "trailing-slash"}' if method in WITH_BODY else None
                    response = client.request(
                        method,
                        f"{form}?{QUERY}",
                        content=body,
                        headers={"Content-Type": "application/json"} if body else None,
                    )
                    sent += 1
                    problem = answer_problem(url_map, form, response)
                    if problem:
                        failures.append(f"{method} {form}: {problem}")
    return sent, failures


def assert_swept(
    url_maps: list[UrlMap],
    base_urls: dict[str, str],
    where: str,
    token: str,
    headers: dict[str, dict[str, str]] | None = None,
) -> None:
    report, failures = [], []
    for url_map in url_maps:
        sent, broken = sweep(url_map, base_urls[url_map.service], token, (headers or {}).get(url_map.service))
        swept[f"{where} {url_map.service}"] = sent
        server_errors = sum("a server error" in failure for failure in broken)
        report.append(f"{url_map.service}: {len(broken)} of {sent} answers break the rule, {server_errors} of them 5xx")
        failures += sorted(broken, key=lambda failure: "a server error" not in failure)[:15]
    assert not failures, "\n".join(report + failures)


def answer_problem(url_map: UrlMap, form: str, response: httpx.Response) -> str | None:
    """What is wrong with the answer to ``form``, or None."""
    status, content_type = response.status_code, response.headers.get("content-type", "")
    said = f"{status} {content_type} {response.text[:120]!r}"
    if status >= 500:
        return f"a server error: {said}"
    if url_map.is_route(form) or not url_map.is_route(slash_twin(form)):  # no twin to redirect to
        if status == 308 and response.headers.get("location", "").split("?")[0] == slash_twin(form):
            return f"redirected to its twin, which is no better: {said}"
    else:
        expected = f"{slash_twin(form)}?{QUERY}"
        if status != 308 or response.headers.get("location") != expected:
            return f"not a 308 to {expected}: {said} location={response.headers.get('location')}"
        if response.content or content_type:
            return f"a 308 with a body: {said}"
    if status >= 400 and response.request.method == "HEAD":  # the problem's headers, without its body
        return None if content_type == PROBLEM_MEDIA_TYPE else f"not a problem: {said}"
    if status >= 400:
        try:
            assert_problem(response)
        except (AssertionError, ValueError) as exc:
            return f"not a problem document: {said} ({exc})"
    return None


def test_every_method_on_every_route_with_and_without_its_slash_on_the_test_stack(test_stack, test_urls, url_maps):
    assert_swept(url_maps, test_urls, "test stack", OPERATOR_TOKEN)


def test_every_method_on_every_route_with_and_without_its_slash_in_production(production_servers, url_maps):
    started = time.monotonic()
    # Behind the TLS proxy the production profile expects: Django redirects plain HTTP to HTTPS first.
    assert_swept(
        url_maps,
        production_servers.urls,
        "production",
        production_servers.tokens["operator"],
        {"django_core": {"X-Forwarded-Proto": "https"}},
    )
    print(f"\ntrailing slashes: {swept} requests; production sweep {time.monotonic() - started:.1f} s")


def test_production_health_without_its_slash_over_plain_http_reaches_readiness(production_servers):
    """A platform probe configured with /health (no slash) over plain HTTP: a 308 to /health/, not to HTTPS."""
    response = http_client.get(f"{production_servers.urls['django_core']}/health", timeout=10)
    assert response.status_code == 308 and response.headers["location"] == "/health/"
    followed = http_client.get(f"{production_servers.urls['django_core']}/health", timeout=10, follow_redirects=True)
    assert followed.status_code == 200
