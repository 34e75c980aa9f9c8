"""Property-based fuzzing of fastapi_market's OpenAPI schema with schemathesis (issue 6, scenario 7).

Every operation is called on the live test stack with generated requests (valid and invalid),
with the internal token and, for every third case, without it: no answer is a 5xx, and every
4xx is an RFC 9457 problem document.
"""

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from apps.common.auth import authorization_header
from tests.ingest import internal_token
from tests.problem_checks import assert_problem_parts

MIN_CASES = 500
EXAMPLES_PER_OPERATION = 75
calls: dict[str, int] = {"cases": 0, "calls": 0}
skipped: list[str] = []


@pytest.fixture(scope="module")
def market_schema(test_stack, test_urls):
    yield schemathesis.openapi.from_url(f"{test_urls['fastapi_market']}/openapi.json")
    # Fuzzing PUT /internal/log-level may have changed the level: put it back.
    httpx.put(f"{test_urls['fastapi_market']}/internal/log-level", json={"level": "INFO"},
              headers=authorization_header(internal_token()), timeout=10).raise_for_status()


def check_answer(case, response) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:  # schemathesis lists each header's values
        assert_problem_parts(response.status_code, response.headers["content-type"][0], response.json(), where)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_5xx_and_every_error_is_a_problem(market_schema, mode):
    """Each operation in turn (schemathesis's pytest plugin does not load under this pytest)."""
    for result in market_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            calls["cases"] += 1
            with_token = {**(case.headers or {}), **authorization_header(internal_token())}
            check_answer(case, case.call(headers=with_token, timeout=30))
            calls["calls"] += 1
            if calls["cases"] % 3 == 0:  # and without the token: a 401 problem where one is needed
                check_answer(case, case.call(timeout=30))
                calls["calls"] += 1

        try:
            call()
        except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
            assert mode is GenerationMode.NEGATIVE, operation.label
            skipped.append(operation.label)


def test_at_least_500_generated_cases_ran():
    """Runs after the two above (file order): the count is what they generated."""
    print(f"\nscenario 7: schemathesis generated {calls['cases']} cases, {calls['calls']} calls; "
          f"no invalid requests exist for: {', '.join(skipped) or 'none'}")
    assert calls["cases"] >= MIN_CASES
