"""Logging for every service: one line per request, plain under Honcho or JSON lines.

Plain (``LOG_FORMAT=plain``) is short, since Honcho already adds the time, process name and
colour: ``GET /health 200 1.4ms rid=3f2a…``. ``LOG_FORMAT=json`` writes one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

REQUEST_LOGGER = "aetherion.request"
_REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id")
# The frameworks' own per-request lines would repeat ours; their warnings and errors still show.
_QUIETED = ("uvicorn.access", "werkzeug", "django.server", "django.request", "httpx", "httpcore")


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if hasattr(record, "request_id") and hasattr(record, "status"):
            # The fields log_request passes as ``extra``: attributes LogRecord does not declare.
            fields = record.__dict__
            line = (
                f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']:.1f}ms "
                f"rid={fields['request_id']}"
            )
        else:
            line = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({f: getattr(record, f) for f in _REQUEST_FIELDS if hasattr(record, f)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO", log_format: str = "plain") -> None:
    """Send every log record to stderr, one line each, in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if log_format == "json" else PlainFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIETED:
        logging.getLogger(name).setLevel(logging.ERROR)
    for name in ("uvicorn", "uvicorn.error"):  # let uvicorn's own lines reach our handler
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def log_request(method: str, path: str, status: int, duration_ms: float, request_id: str) -> None:
    """The one line each request gets."""
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "request_id": request_id,
    }
    logging.getLogger(REQUEST_LOGGER).info("%s %s %s", method, path, status, extra=fields)
