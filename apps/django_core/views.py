"""django_core's own endpoints: health."""

from django.db import connection
from django.views.decorators.http import require_safe
from django.http import HttpRequest, JsonResponse

from apps.common.health import health_report, run_check


def mysql_ping() -> None:
    """A real round trip to MySQL; a broken connection is dropped so the next try reconnects."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close()
        raise


@require_safe
def read_health(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when MySQL answers, 503 naming it when not."""
    status, body = health_report("django_core", {"mysql": run_check(mysql_ping)})
    return JsonResponse(body, status=status)
