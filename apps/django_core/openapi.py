"""django_core's OpenAPI document (drf-spectacular), with every problem its API answers.

Each operation's problem statuses follow from what DRF and this project's middleware do with it
(any request: 406 for an ``Accept`` it cannot meet, 413 above the body limit; a body: 400 and
415; query parameters: 400; a path parameter or a page: 404; what the access table keeps from
callers without a token in this profile: 401 and 403), plus what a view names in
``problem_statuses`` (503 when MySQL is down, 409 for a taken symbol). The responses themselves are
the shared ones of apps.common.openapi.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema

from apps.common.access import refusals
from apps.common.openapi import add_problem_components, set_problem_responses

EVERY_OPERATION = (406, 413)


class ProblemAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            set_problem_responses(operation, self.problem_statuses(operation))
        return operation

    def problem_statuses(self, operation: dict[str, Any]) -> set[int]:
        declared = getattr(self.view, "problem_statuses", {})
        statuses = {*EVERY_OPERATION, *declared.get("*", ()), *declared.get(self.method, ())}
        parameters = operation.get("parameters", [])
        if "requestBody" in operation:
            statuses |= {400, 415}
        if any(parameter["in"] == "query" for parameter in parameters):
            statuses.add(400)
        if any(parameter["in"] == "path" or parameter["name"] == "page" for parameter in parameters):
            statuses.add(404)
        route = self.view.request.resolver_match.route if self.view.request.resolver_match else ""
        return statuses | refusals("django_core", route, self.method, settings.CONFIG.common.profile)

    def get_auth(self) -> list[dict[str, list[str]]]:
        # The token is declared per operation, with its 401 (apps.common.openapi), not per authenticator.
        return []


def problem_components(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the shared problem responses the operations refer to."""
    add_problem_components(result)
    return result
