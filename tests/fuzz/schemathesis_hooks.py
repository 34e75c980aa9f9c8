"""What schemathesis is taught beyond the OpenAPI documents (loaded with SCHEMATHESIS_HOOKS).

- One more check on every answer: an error is an RFC 9457 problem document.
- The rule the Control Tower's document states in words, because a schema cannot (the parameters'
  descriptions say so): a snapshot range's start is not after its end. Valid cases are generated
  within it, so positive_data_acceptance tests what the service promises; invalid cases are the
  schema's own. (fastapi_market's ranges need no such rule: a start after its end is an empty page.)
"""

from __future__ import annotations

from datetime import datetime

import schemathesis

from apps.common.problems import PROBLEM_MEDIA_TYPE
from tests.problem_checks import PROBLEM_MEMBERS

RANGES = {"as_of_after": "as_of_before"}


@schemathesis.check
def error_is_a_problem_document(ctx, response, case):
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == PROBLEM_MEDIA_TYPE, f"a {response.status_code} answered as {content_type!r}"
    body = response.json()
    assert set(body) >= PROBLEM_MEMBERS and body["status"] == response.status_code and body["detail"], body
    return None


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


@schemathesis.hook
def filter_query(ctx, query):
    """A start after its end is a documented 400: not a valid case."""
    for first, last in RANGES.items():
        start, end = _moment((query or {}).get(first)), _moment((query or {}).get(last))
        if start and end and start.tzinfo and end.tzinfo and start > end:
            return False
    return True
