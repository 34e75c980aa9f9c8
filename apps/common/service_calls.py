"""What every call between services shares, whichever HTTP client makes it: the problem a failed
call becomes, the headers every call carries, and the answer read as a contract.

The clients themselves are apps/common/http_sync.py (httpx: Django, the scripts) and
apps/common/http_async.py (aiohttp: FastAPI), so a service installs only the client it uses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from apps.common.auth import authorization_header
from apps.common.contracts.problem import ValidationProblem
from apps.common.request_id import REQUEST_ID_HEADER, current_request_id

M = TypeVar("M", bound=BaseModel)
# Idle pooled connections are dropped before the servers' keep-alive (gunicorn's 5 s) closes them.
KEEPALIVE_S = 4


@dataclass(frozen=True)
class ContractCall(Generic[M]):
    """One call to another service: where it goes, what it sends, and the contract its answer must meet."""

    service: str
    method: str
    url: str
    model: type[M]
    body: BaseModel | None = None  # a contract model, sent as JSON
    ok_statuses: Collection[int] = (200,)
    read_timeout: float | None = None  # seconds to wait for the answer, when not the client's (a long computation)
    # A problem the service answers with a status of these keys becomes a problem of the value's status
    # here, with its detail (a 422 about data the caller read from its own store is the caller's 409).
    passed_on: Mapping[int, int] = field(default_factory=dict)

    def content(self) -> tuple[bytes | None, dict[str, str]]:
        """The body as bytes, and the header that names its type (none without a body)."""
        if self.body is None:
            return None, {}
        return self.body.model_dump_json().encode(), {"Content-Type": "application/json"}


class ServiceCallError(Exception):
    """A call to another service failed; ``status`` is the problem status to answer with."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def request_id_header() -> dict[str, str]:
    """The current request's ID to pass on, when there is one."""
    request_id = current_request_id()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


def outgoing_headers(token: str) -> dict[str, str]:
    """The internal token and the current request's ID."""
    return {**authorization_header(token), **request_id_header()}


def timeout_error(service: str, url: str) -> ServiceCallError:
    return ServiceCallError(504, f"{service} did not answer within the timeout ({url})")


def unreachable_error(exc: Exception, service: str, url: str) -> ServiceCallError:
    return ServiceCallError(503, f"{service} is unreachable at {url}: {type(exc).__name__}")


def answer_contract(
    status: int,
    content: bytes,
    url: str,
    model: type[M],
    service: str,
    ok_statuses: Collection[int] = (200,),
    passed_on: Mapping[int, int] | None = None,
) -> M:
    """An answer's body as ``model``; a problem whose status ``passed_on`` names is passed on with its
    detail; any other bad status, or a broken contract, is a 502."""
    if passed_on and status in passed_on:
        raise ServiceCallError(passed_on[status], f"{service}: {problem_detail(content, status)}")
    if status not in ok_statuses:
        raise ServiceCallError(502, f"{service} answered {status} at {url}")
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ServiceCallError(502, f"{service} broke its contract at {url}: {where}: {first['msg']}") from None


def problem_detail(content: bytes, status: int) -> str:
    """A problem document's detail, with each invalid field's message; the status when it is no problem."""
    try:
        problem = ValidationProblem.model_validate_json(content)
    except ValidationError:
        return f"answered {status}"
    fields = "; ".join(f"{error.field}: {error.message}" for error in problem.errors or [])
    return f"{problem.detail} {fields}".strip() if fields else problem.detail
