"""Fixtures for the browser tests: Debian's chromium under Playwright, and a page that records
what it logged and every request it made."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from apps.common.config import REPO_ROOT
from scripts.screenshot import chromium_launch

SCREENSHOTS = REPO_ROOT / ".var" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module's tests. Not for the session: Playwright's sync API keeps an asyncio
    loop running in this thread while it is open, and later tests' asyncio.run() would refuse to start."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        yield browser
        browser.close()


@dataclass
class Visit:
    """A page, and what it did: console errors, uncaught exceptions, every URL it requested."""

    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.requests}

    def only_here(self) -> None:
        """Nothing went wrong in the page and it asked nothing of any other machine."""
        assert self.errors == []
        assert self.requests and self.hosts() == {"127.0.0.1"}, sorted(set(self.requests))

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.fixture
def visit(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    seen = Visit(page)
    page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.errors.append(f"uncaught: {error}"))
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "response",
        lambda response: seen.errors.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    yield seen
    context.close()
