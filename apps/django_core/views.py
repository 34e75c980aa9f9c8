"""django_core's own endpoints: health and internal."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from pydantic import ValidationError

from apps.common.contracts import LogLevelChange
from apps.common.database_servers import mysql_server_name
from apps.common.health import health_report, liveness_report, run_check, shows_details
from apps.common.internal import log_level_change, settings_report
from apps.common.problems import invalid_fields
from apps.django_core.env import SERVICE, parse_settings
from apps.django_core.problems import problem_response


def mysql_ping() -> str:
    """A real round trip to MySQL; the server's name (``MariaDB 10.11.11``). A broken connection is
    dropped so the next try reconnects."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            (version,) = cursor.fetchone()
    except Exception:
        connection.close()
        raise
    return mysql_server_name(version)


@require_safe
def read_health(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when MySQL answers, 503 naming it when not."""
    detailed = shows_details(getattr(request, "caller", "anonymous"), settings.CONFIG.common.profile)
    status, body = health_report(SERVICE, {"mysql": run_check(mysql_ping)}, detailed)
    return JsonResponse(body, status=status)


@require_safe
def read_liveness(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers; MySQL is not called."""
    return JsonResponse(liveness_report(SERVICE))


@require_safe
def read_settings(request: HttpRequest) -> JsonResponse:
    """This service's resolved settings and their sources, secrets masked."""
    return JsonResponse(settings_report(SERVICE, parse_settings, settings.CONFIG.common.profile))


@csrf_exempt  # a service-to-service call: the token authenticates it, there is no browser session
@require_http_methods(["PUT"])
def update_log_level(request: HttpRequest) -> JsonResponse:
    """Change this process's log level until it restarts."""
    if request.content_type != "application/json":
        return problem_response(request, 415, "Send a JSON body with Content-Type: application/json.")
    try:
        change = LogLevelChange.model_validate_json(request.body)
    except ValidationError as exc:
        errors = invalid_fields(exc.errors(include_url=False))
        return problem_response(request, 422, "The request body is invalid.", errors=errors)
    return JsonResponse(log_level_change(SERVICE, change).model_dump())
