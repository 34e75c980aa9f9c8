"""The error answers of an OpenAPI document, defined once for every service's schema.

Every error is a problem document (``application/problem+json``, the Problem contract). Each
status a service sends is one entry of ``components/responses`` that operations refer to, so
the document says exactly what is sent without repeating it per route; each service's schema hook
calls ``set_problem_responses`` for each operation, then ``add_problem_components``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from apps.common.contracts import Problem, ValidationProblem
from apps.common.problems import PROBLEM_MEDIA_TYPE
from apps.common.request_id import REQUEST_ID_HEADER

SCHEMA_REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "internalToken"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class ProblemResponse(NamedTuple):
    name: str
    description: str
    model: type[Problem] = Problem
    headers: tuple[str, ...] = ()


PROBLEM_RESPONSES: dict[int, ProblemResponse] = {
    400: ProblemResponse(
        "BadRequest", "A query parameter or the body is invalid; `errors` names each field.", ValidationProblem
    ),
    401: ProblemResponse(
        "Unauthorized",
        "No token: this operation needs a caller's own, `Authorization: Bearer <token>` (docs/security.md).",
        headers=("WWW-Authenticate",),
    ),
    403: ProblemResponse("Forbidden", "The token is not accepted here, or its caller may not do this."),
    404: ProblemResponse("NotFound", "Nothing is there."),
    406: ProblemResponse("NotAcceptable", "The `Accept` header allows no media type this service sends."),
    409: ProblemResponse("Conflict", "The request conflicts with what is stored."),
    413: ProblemResponse("ContentTooLarge", "The body is larger than this service accepts."),
    415: ProblemResponse("UnsupportedMediaType", "The body's `Content-Type` is not one this operation takes."),
    422: ProblemResponse(
        "UnprocessableContent", "The request is invalid; `errors` names each invalid field.", ValidationProblem
    ),
    502: ProblemResponse("BadGateway", "Another service answered with an error or broke its contract."),
    503: ProblemResponse(
        "ServiceUnavailable",
        "A database or another service is unavailable; retry after `Retry-After` seconds.",
        headers=("Retry-After",),
    ),
    504: ProblemResponse("GatewayTimeout", "Another service did not answer in time."),
}

HEADERS: dict[str, dict[str, Any]] = {
    REQUEST_ID_HEADER: {
        "description": "the request's ID: the client's, when it sent a valid one, else a new one",
        "required": True,
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": "the scheme the token goes in",
        "required": True,
        "schema": {"type": "string", "const": "Bearer"},
    },
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
}


def problem_ref(status: int) -> dict[str, str]:
    """A reference to the shared response of ``status``."""
    return {"$ref": f"#/components/responses/{PROBLEM_RESPONSES[status].name}"}


def problem_schemas() -> dict[str, Any]:
    """The JSON schemas of the problem contracts, for ``components/schemas``."""
    schemas: dict[str, Any] = {}
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template=SCHEMA_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def add_problem_components(document: dict[str, Any]) -> None:
    """Put into ``document`` the problem schemas, the headers, the token's security scheme and the shared
    responses its operations refer to; every response then says it carries ``X-Request-ID``."""
    names = {problem.name: status for status, problem in PROBLEM_RESPONSES.items()}
    statuses = {
        names[ref.rsplit("/", 1)[-1]]
        for operation in operations(document)
        for ref in (response.get("$ref", "") for response in operation.get("responses", {}).values())
        if ref.startswith("#/components/responses/")
    }
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "a caller's own token (OPERATOR_TOKEN, DJANGO_CORE_TOKEN, FASTAPI_MARKET_TOKEN)",
    }
    components.setdefault("schemas", {}).update(problem_schemas())
    components.setdefault("headers", {}).update({name: dict(header) for name, header in HEADERS.items()})
    responses = components.setdefault("responses", {})
    for status in sorted(set(statuses)):
        problem = PROBLEM_RESPONSES[status]
        responses[problem.name] = {
            "description": problem.description,
            "headers": _header_refs((REQUEST_ID_HEADER, *problem.headers)),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": SCHEMA_REF.format(model=problem.model.__name__)}}},
        }
    add_request_id_headers(document)


def set_problem_responses(operation: dict[str, Any], statuses: Iterable[int]) -> None:
    """Make the operation's answers of ``statuses`` the shared problem responses; one that answers 401
    needs a token, and says so."""
    responses = operation.setdefault("responses", {})
    for status in sorted(set(statuses)):
        responses[str(status)] = problem_ref(status)
    if "401" in responses:
        operation["security"] = [{SECURITY_SCHEME: []}]


def add_request_id_headers(document: dict[str, Any]) -> None:
    """Every response this service sends carries ``X-Request-ID``: say so on each one written out."""
    for operation in operations(document):
        for response in operation.get("responses", {}).values():
            if "$ref" not in response:
                response.setdefault("headers", {}).update(_header_refs((REQUEST_ID_HEADER,)))


def operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for _, _, operation in routed_operations(document):
        yield operation


def routed_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each operation of ``document`` with its path and method."""
    for path, path_item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield path, method, path_item[method]


def _header_refs(names: Iterable[str]) -> dict[str, dict[str, str]]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}
