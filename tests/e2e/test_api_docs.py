"""The API docs pages work offline (issue 12, item 3): over real HTTP against the live test stack,
each page refers only to its own service's URLs, and each of them answers 200 with the right type.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests import http_client

PAGES = [("fastapi_market", "/docs"), ("fastapi_market", "/redoc"), ("django_core", "/api/docs/")]
# What each referenced file must be served as, by its kind.
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}
# A URL in the page's inline script (Swagger UI's `url: '/openapi.json'`, drf-spectacular's `"url": "..."`).
_SCRIPT_URL = re.compile(r"""["']?url["']?\s*:\s*["']([^"']+)["']""")
# Whatever names a host, anywhere in the page: a scheme, or a scheme-relative `//host`.
_ANY_HOST = re.compile(r"""(?:https?:)?//[\w.-]+""")
# What a style sheet would fetch from elsewhere: url(...) or @import of another host (data: URIs stay).
_CSS_FETCH = re.compile(r"""(?:url\(\s*|@import\s+)["']?((?:https?:)?//[^"')\s]+)""")


class References(HTMLParser):
    """Every URL an HTML page makes a browser fetch: src, href, ReDoc's spec-url, inline scripts' url."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.urls += _SCRIPT_URL.findall(data)


def expected_type(url: str) -> str:
    path = urlsplit(url).path
    if "schema" in path or path.endswith("openapi.json"):
        return "application/json" if path.endswith(".json") else "application/vnd.oai.openapi"
    return next(kind for suffix, kind in CONTENT_TYPES.items() if path.endswith(suffix))


@pytest.mark.parametrize(("service", "path"), PAGES, ids=[f"{s}{p}" for s, p in PAGES])
def test_docs_page_refers_only_to_its_own_service_and_each_reference_answers(test_stack, test_urls, service, path):
    base = test_urls[service]
    page = http_client.get(base + path, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text[:300]
    hosts = {match for match in _ANY_HOST.findall(page.text) if not match.startswith("//" + urlsplit(base).netloc)}
    assert not hosts, f"{path} names other hosts: {hosts}"
    references = References()
    references.feed(page.text)
    assert len(references.urls) >= 3, references.urls  # a script, a style sheet or icon, the schema
    for reference in references.urls:
        url = urljoin(base + path, reference)
        assert urlsplit(url).netloc == urlsplit(base).netloc, f"{reference} is not this service's"
        answer = http_client.get(url, timeout=10)
        assert answer.status_code == 200, f"{url} -> {answer.status_code}"
        assert answer.headers["content-type"].startswith(expected_type(url)), (url, answer.headers["content-type"])
        assert answer.content, url
        if url.endswith(".css"):  # a style sheet may fetch fonts and images of its own
            assert not _CSS_FETCH.findall(answer.text), f"{url} fetches {_CSS_FETCH.findall(answer.text)[:3]}"
