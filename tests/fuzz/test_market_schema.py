"""Schemathesis over both OpenAPI documents, every check it has (issue 6 scenario 7; issue 12 item 4).

``schemathesis run`` (all four phases: examples, coverage, fuzzing, stateful) against the live
test stack, with the internal token, and every built-in check enabled (``--checks all``: no 5xx,
status codes, content types, headers and bodies as documented, invalid data rejected, valid data
accepted, missing headers, unsupported methods, Allow headers, auth not ignored, ...) plus
tests/fuzz/schemathesis_hooks.py: every error a problem document, the documented cross-field rules.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from apps.common.config import REPO_ROOT
from tests import http_client
from tests.stack import OPERATOR_TOKEN, TOKEN

SCHEMAS = {"fastapi_market": "/openapi.json", "django_core": "/api/schema/?format=json"}
# Per operation and phase (the coverage phase adds its own boundary cases): at least 500 cases each.
MAX_EXAMPLES = {"fastapi_market": 60, "django_core": 20}
MIN_CASES = 500
counted: dict[str, int] = {}


def schemathesis_run(schema_url: str, max_examples: int) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        schema_url,
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {OPERATOR_TOKEN}",
        "--max-examples",
        str(max_examples),
        "--seed",
        "12",
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.schemathesis_hooks", "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def generated_cases(summary: str) -> int:
    """The test cases schemathesis generated, as its summary counts them ("794 generated, ...")."""
    found = re.search(r"(\d+) generated", summary)
    return int(found[1]) if found else 0


@pytest.fixture(scope="module", autouse=True)
def log_level_restored(test_stack, test_urls):
    yield
    # Fuzzing PUT /internal/log-level may have changed the level: put it back.
    for service, path in (("fastapi_market", "/internal/log-level"), ("django_core", "/internal/log-level/")):
        http_client.put(
            f"{test_urls[service]}{path}", json={"level": "INFO"}, headers=TOKEN, timeout=10
        ).raise_for_status()


def instrument_symbols(django_url: str) -> set[str]:
    symbols, url = set(), f"{django_url}/api/instruments/?page_size=500"
    while url:
        page = http_client.get(url, timeout=30).raise_for_status().json()
        symbols |= {instrument["symbol"] for instrument in page["results"]}
        url = page["next"]
    return symbols


@pytest.fixture
def instruments_kept(test_urls):
    """The instruments schemathesis creates on the shared stack are deleted afterwards."""
    before = instrument_symbols(test_urls["django_core"])
    yield
    for symbol in instrument_symbols(test_urls["django_core"]) - before:
        http_client.delete(
            f"{test_urls['django_core']}/api/instruments/{quote(symbol, safe='')}/", headers=TOKEN, timeout=30
        ).raise_for_status()


@pytest.mark.timeout(1200)  # schemathesis's own limit (900 s) and a margin
@pytest.mark.parametrize("service", sorted(SCHEMAS))
def test_every_schemathesis_check_passes(test_urls, instruments_kept, service):
    started = time.monotonic()
    result = schemathesis_run(test_urls[service] + SCHEMAS[service], MAX_EXAMPLES[service])
    counted[service] = generated_cases(result.stdout)
    print(f"\n{service}: schemathesis {counted[service]} cases in {time.monotonic() - started:.0f} s")
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
    assert counted[service] >= MIN_CASES, result.stdout[-3000:]
