"""Log lines: one per request, plain for Honcho or JSON."""

import json
import logging

import pytest

from apps.common.logging import REQUEST_LOGGER, JsonFormatter, PlainFormatter, configure_logging, log_request


def request_record() -> logging.LogRecord:
    record = logging.LogRecord(REQUEST_LOGGER, logging.INFO, __file__, 1, "%s %s %s", ("GET", "/x", 200), None)
    record.__dict__.update(method="GET", path="/health", status=200, duration_ms=1.234, request_id="rid-7")
    return record


def test_plain_request_line_is_short():
    assert PlainFormatter().format(request_record()) == "GET /health 200 1.2ms rid=rid-7"


def test_plain_other_lines_carry_level_and_logger():
    record = logging.LogRecord("apps.x", logging.WARNING, __file__, 1, "disk %s", ("full",), None)
    assert PlainFormatter().format(record) == "WARNING apps.x: disk full"


def test_json_request_line_has_every_field():
    entry = json.loads(JsonFormatter("flask_regime").format(request_record()))
    assert entry["service"] == "flask_regime" and entry["level"] == "INFO"
    assert {k: entry[k] for k in ("method", "path", "status", "duration_ms", "request_id")} == {
        "method": "GET",
        "path": "/health",
        "status": 200,
        "duration_ms": 1.234,
        "request_id": "rid-7",
    }
    assert entry["time"].endswith("+00:00")


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_configured_service_writes_one_line_per_request(log_format, restore_logging, capsys):
    configure_logging("svc", "INFO", log_format)
    log_request("POST", "/bars", 201, 12.5, "rid-9")
    logging.getLogger("werkzeug").info("127.0.0.1 - - GET /bars 201")  # a framework's own access line
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    if log_format == "json":
        assert json.loads(lines[0])["request_id"] == "rid-9"
    else:
        assert lines[0] == "POST /bars 201 12.5ms rid=rid-9"
