"""The Control Tower's client for calls to the other services: the internal token and the timeouts in one place."""

from __future__ import annotations

import httpx
from django.conf import settings

from apps.common.http_sync import sync_service_client

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 10.0


def service_client(*, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> httpx.Client:
    """A pooled client whose calls carry the internal token and the current request ID; use it in a ``with``."""
    return sync_service_client(
        token=settings.CONFIG.common.tokens.own, connect_timeout=connect_timeout, read_timeout=read_timeout
    )
