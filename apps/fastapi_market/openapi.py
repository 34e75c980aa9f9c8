"""fastapi_market's OpenAPI document: FastAPI's own, with the errors it really sends.

FastAPI documents every 422 as ``application/json`` with its ``HTTPValidationError``; this service
answers a problem document. Routes name the problem statuses they send with ``problems(...)``;
the document then refers each one to the shared response (apps.common.openapi), documents 422 the
same way wherever FastAPI validates input, 400 wherever it parses a body, and 413 everywhere (the
body limit guards every request).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from apps.common.access import refusals
from apps.common.openapi import add_problem_components, problem_ref, routed_operations, set_problem_responses
from apps.fastapi_market.settings import SERVICE

EVERY_OPERATION = (413,)  # BodyLimitMiddleware answers before any route
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: it answers these statuses with the shared problem responses."""
    return {status: problem_ref(status) for status in statuses}


def install_openapi(app: FastAPI, profile: str) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) the truthful document, built once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            return problem_document(generate(), profile)  # generate() keeps it as app.openapi_schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to change the document


def problem_document(document: dict[str, Any], profile: str) -> dict[str, Any]:
    """Rewrite FastAPI's ``document`` in place: every error answer a reference to a shared problem response,
    401 and 403 where the access table needs a token in ``profile``."""
    for route, method, operation in routed_operations(document):
        responses = operation.setdefault("responses", {})
        statuses = {int(code) for code, response in responses.items() if "$ref" in response}
        if "422" in responses:  # FastAPI's own, wherever it validates parameters or a body
            statuses.add(422)
        if "requestBody" in operation:  # a body FastAPI cannot parse (not JSON, a broken form)
            statuses.add(400)
        statuses.update(EVERY_OPERATION)
        statuses.update(refusals(SERVICE, route, method.upper(), profile))
        set_problem_responses(operation, statuses)  # also drops the description FastAPI put beside $ref
    schemas = document.get("components", {}).get("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    add_problem_components(document)
    return document
