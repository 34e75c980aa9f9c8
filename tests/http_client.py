"""The tests' one-off HTTP calls: httpx's ``request``, ``get``, ``post``, ``put`` and ``delete``, with
one TLS context for the whole process.

httpx builds a TLS context, loading the CA bundle again, for every client it makes: about 30 ms of
CPU here, under the GIL. ``httpx.get(...)`` makes a client per call, so a test that sends thousands
of requests (the access sweep sends 2,208) spent most of its time there. These take httpx's
arguments and pass the shared context.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

TLS = ssl.create_default_context()


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, verify=TLS, **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> httpx.Response:
    return request("PUT", url, **kwargs)


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return request("DELETE", url, **kwargs)
