"""Take a screenshot of a page with Debian's chromium, driven by Playwright, on a closed network.

    python -m scripts.screenshot URL [--out page.png] [--wait-for SELECTOR] [--width 1280] [--height 900]

Playwright's own browser download is never used: it launches /usr/bin/chromium (the `browser`
need of scripts/system_packages.py) with the flags a machine without Internet access needs. The
browser tests (tests/browser/) and scripts/bench_dashboard.py launch it through ``chromium_launch``.
Exit code 0 when the page loaded (and the selector appeared), 1 otherwise, with one line saying why.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
# No sandbox (root in a container), no GPU, and nothing that calls home: no background networking
# (safe browsing, variations, …) and no component updates.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def chromium_launch(playwright: Playwright) -> Browser:
    """Debian's chromium under ``playwright`` (a sync_playwright() instance), headless, closed-network flags."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(
            f"{CHROMIUM} is missing: run `python3 -m scripts.system_packages browser` (Debian's chromium)"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def say(message: str) -> None:
    print(f"screenshot: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.screenshot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="the page, e.g. http://127.0.0.1:8000/")
    parser.add_argument("--out", type=Path, default=Path("page.png"), help="PNG to write (default: page.png)")
    parser.add_argument("--wait-for", metavar="SELECTOR", help="a CSS selector to wait for before the screenshot")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        say(f"{CHROMIUM} is missing: run `python3 -m scripts.system_packages browser`")
        return 1

    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = chromium_launch(playwright)
            try:
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                response = page.goto(args.url, wait_until="networkidle")
                if args.wait_for:
                    page.wait_for_selector(args.wait_for, timeout=30_000)
                page.screenshot(path=str(args.out), full_page=True)
            finally:
                browser.close()
    except Error as exc:
        say(f"{args.url}: {str(exc).splitlines()[0]}")
        return 1
    say(f"{args.url} answered {response.status if response else '?'}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
