"""One request ID across a service call: FastAPI's and Flask's log lines both carry it."""

import re

from tests import http_client
from tests.stack import wait_until


def test_one_request_id_in_fastapi_and_flask_log_lines(test_stack, test_urls):
    rid = "e2e-trace-5f1c"
    response = http_client.get(f"{test_urls['fastapi_market']}/check-regime", headers={"X-Request-ID": rid}, timeout=5)
    assert response.status_code == 200 and response.headers["X-Request-ID"] == rid

    def lines_with_rid() -> dict[str, str]:
        found = {}
        for line in test_stack.log_text().splitlines():
            match = re.match(r"\S+ (\w+)\.\d+\s+\| (.*rid=" + re.escape(rid) + r")$", line)
            if match:
                found[match.group(1)] = match.group(2)
        return found

    wait_until(lambda: len(lines_with_rid()) == 2, 5, "both log lines")
    lines = lines_with_rid()
    assert re.fullmatch(rf"GET /check-regime 200 [\d.]+ms rid={rid}", lines["fastapi_market"])
    assert re.fullmatch(rf"GET /health 200 [\d.]+ms rid={rid}", lines["flask_regime"])
