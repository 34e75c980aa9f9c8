"""scripts/doctor.py: each pre-flight check against real servers, and the command itself."""

import json
import os
import re
import time

import pytest

from apps.common.access import granted
from apps.common.config import var_dir
from apps.common.databases import MongoTarget
from scripts import doctor
from scripts.local_db import ensure, stop
from scripts.preflight import servers as preflight_servers
from scripts.private_db.servers import MongoServer, server_files_remove
from scripts.stack_processes import run_module
from tests.deadlines import within_promise
from tests.stack import TEST_TOKENS, clean_env, free_port

CHECK_NAMES = ["python", "requirements", "config", "tokens", "ports", "mysql", "mongo", "flask"]


@pytest.fixture
def test_mysql(stack_ports) -> str:
    """``user:password@host:port`` of this session's test MySQL."""
    return f"aetherion:aetherion-test@127.0.0.1:{stack_ports['mysql']}"


def run_json(capsys, *args: str) -> tuple[int, dict[str, dict]]:
    """``main(["--json", ...])``: the exit code and each check's result by name."""
    code = doctor.main(["--json", *args])
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is (code == 0)
    assert [check["name"] for check in report["checks"]] == CHECK_NAMES
    return code, {check["name"]: check for check in report["checks"]}


def test_everything_is_ok_against_the_running_test_stack(test_stack, stack_ports, capsys):
    code, checks = run_json(capsys)
    assert code == 0
    assert {name: check["status"] for name, check in checks.items()} == dict.fromkeys(CHECK_NAMES, "ok")
    assert all(check["fix"] == "" for check in checks.values())
    # The ports are held, but by the test stack's own services: that is fine.
    for service in ("django_core", "fastapi_market", "flask_regime"):
        assert f"{stack_ports[service]} served by a running {service}" in checks["ports"]["detail"]
    assert re.fullmatch(
        rf"MariaDB \d+\.\d+\.\d+ at 127\.0\.0\.1:{stack_ports['mysql']}, database aetherion_core",
        checks["mysql"]["detail"],
    )
    assert checks["mongo"]["detail"] == f"FerretDB 1.24.1 + PostgreSQL at 127.0.0.1:{stack_ports['mongo']}, ping ok"
    assert checks["flask"]["detail"] == f"flask_regime answers at http://127.0.0.1:{stack_ports['flask_regime']}/health"


def test_explicit_profile_is_checked(session_databases, capsys, monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")  # ignored: --profile wins
    code, checks = run_json(capsys, "--profile", "test")
    assert code == 0 and checks["config"]["status"] == "ok"


def test_mysql_not_listening_says_make_databases(test_stack, capsys, monkeypatch):
    port = free_port()
    monkeypatch.setenv("MYSQL_URL", f"mysql://aetherion:x@127.0.0.1:{port}/aetherion_core")
    code, checks = run_json(capsys)
    assert code == 1
    mysql = checks["mysql"]
    assert mysql["status"] == "fail"
    assert mysql["detail"] == f"MySQL at 127.0.0.1:{port}: connection refused"
    assert "`make databases` starts a private one" in mysql["fix"]
    assert "MYSQL_URL in the environment" in mysql["fix"]  # where this MYSQL_URL came from
    assert [name for name, check in checks.items() if check["status"] != "ok"] == ["mysql"]


def test_wrong_mysql_password_is_named_but_never_shown(session_databases, stack_ports, capsys, monkeypatch):
    password = "wrong-secret-71c3"
    monkeypatch.setenv("MYSQL_URL", f"mysql://aetherion:{password}@127.0.0.1:{stack_ports['mysql']}/aetherion_core")
    code, checks = run_json(capsys)
    assert code == 1
    assert checks["mysql"]["status"] == "fail"
    assert "access denied for user 'aetherion'" in checks["mysql"]["detail"]
    assert checks["mysql"]["fix"].startswith("fix the user/password in MYSQL_URL")
    assert password not in json.dumps(checks)

    monkeypatch.setenv("COLUMNS", "200")  # one line per check: the phrase is not wrapped
    assert doctor.main([]) == 1
    table = capsys.readouterr().out
    assert "access denied" in table and password not in table


def test_unknown_mysql_database_says_make_bootstrap(session_databases, test_mysql, stack_ports, capsys, monkeypatch):
    monkeypatch.setenv("MYSQL_URL", f"mysql://{test_mysql}/no_such_db_xyz")
    code, checks = run_json(capsys)
    assert code == 1
    assert checks["mysql"]["detail"] == f"MySQL at 127.0.0.1:{stack_ports['mysql']}: unknown database 'no_such_db_xyz'"
    assert checks["mysql"]["fix"] == "run `make bootstrap` (creates the database and migrates)"


def test_mysql_that_never_answers_fails_within_its_timeout(silent_port, monkeypatch):
    monkeypatch.setenv("MYSQL_URL", f"mysql://aetherion:x@127.0.0.1:{silent_port}/aetherion_core")
    started = time.monotonic()
    result = doctor.check_mysql("test")
    assert time.monotonic() - started < within_promise(2)  # its promise: "does not answer within 2 s"
    assert result.status == "fail"
    assert result.detail == f"MySQL at 127.0.0.1:{silent_port} does not answer within 2 s"
    assert result.fix.startswith(f"the server at 127.0.0.1:{silent_port} does not answer in 2 s")


def test_mongo_not_listening_fails_quickly(monkeypatch):
    port = free_port()
    monkeypatch.setenv("MONGO_URL", f"mongodb://127.0.0.1:{port}/")
    monkeypatch.setenv("MONGO_TIMEOUT_MS", "300")
    started = time.monotonic()
    result = doctor.check_mongo("test")
    assert time.monotonic() - started < within_promise(0.3)  # MONGO_TIMEOUT_MS, not the driver's 30 s
    assert result.status == "fail"
    assert result.detail == f"MongoDB at 127.0.0.1:{port}: connection refused"
    assert "`make databases` starts a private one" in result.fix and "MONGO_URL" in result.fix


def test_mongo_that_never_answers_says_so(silent_port, monkeypatch):
    monkeypatch.setenv("MONGO_URL", f"mongodb://127.0.0.1:{silent_port}/")
    monkeypatch.setenv("MONGO_TIMEOUT_MS", "300")
    result = doctor.check_mongo("test")
    assert result.status == "fail"
    assert result.detail == f"MongoDB at 127.0.0.1:{silent_port} does not answer within 0.3 s"
    assert "check the host, a firewall, or that it is MongoDB" in result.fix


def test_flask_not_running_is_only_a_warning(session_databases, capsys, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("FLASK_REGIME_URL", url)
    code, checks = run_json(capsys)
    assert code == 0
    assert checks["flask"] == {
        "name": "flask",
        "status": "warn",
        "detail": f"nothing answers at {url}/health (the stack is not running)",
        "fix": "start the stack with `make run`",
    }
    assert all(check["status"] == "ok" for name, check in checks.items() if name != "flask")


def test_flask_url_answering_as_another_service_fails(test_stack, stack_ports, capsys, monkeypatch):
    # FastAPI's /health, not Flask's
    monkeypatch.setenv("FLASK_REGIME_URL", f"http://127.0.0.1:{stack_ports['fastapi_market']}")
    code, checks = run_json(capsys)
    assert code == 1
    assert checks["flask"]["status"] == "fail"
    assert "not as flask_regime (fastapi_market)" in checks["flask"]["detail"]


def test_port_held_by_something_else_fails_naming_it(silent_port, capsys, monkeypatch):
    monkeypatch.setenv("FLASK_REGIME_PORT", str(silent_port))
    code, checks = run_json(capsys)
    assert code == 1
    ports = checks["ports"]
    assert ports["status"] == "fail"
    assert f"port {silent_port} in use by pid {os.getpid()} (" in ports["detail"]
    assert ports["fix"] == "stop that process, or set FLASK_REGIME_PORT to a free port in the environment"
    # FastAPI would call Flask on that port too, where nothing answers a request.
    assert checks["flask"]["status"] == "fail"
    assert checks["flask"]["detail"] == f"http://127.0.0.1:{silent_port}/health does not answer within 2 s"


def test_invalid_config_fails_once_and_skips_what_needs_it(capsys, monkeypatch):
    monkeypatch.setenv("FASTAPI_MARKET_PORT", "eighty")
    code, checks = run_json(capsys)
    assert code == 1
    config = checks["config"]
    assert config["status"] == "fail"
    assert config["detail"].startswith(
        "django_core: FASTAPI_MARKET_PORT: Not a valid integer (fix it in the environment)"
    )
    assert config["detail"].endswith("— 3 problems in all")  # every service reads every port
    assert config["fix"] == "run `python -m scripts.config check` and fix the lines it prints"
    for name in ("tokens", "ports", "mysql", "mongo", "flask"):
        assert (checks[name]["status"], checks[name]["detail"]) == ("warn", "config invalid")


def test_unknown_app_env_is_a_config_failure(capsys, monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    code, checks = run_json(capsys)
    assert code == 1
    assert checks["config"]["status"] == "fail" and "APP_ENV='staging'" in checks["config"]["detail"]
    assert all(checks[name]["detail"] == "config invalid" for name in ("tokens", "ports", "mysql", "mongo", "flask"))


def test_pins_are_read_through_includes():
    pins = doctor.read_pins(doctor.REQUIREMENTS_DIR / "dev.txt")
    # From dev.txt itself, from django_core.txt, and from base.txt through it; comments stripped.
    assert pins["rich"] and pins["django"] and pins["environs"] and pins["pymongo"] and pins["flask"]
    assert all(" " not in version and "#" not in version for version in pins.values())


def test_unmet_pins_are_named_three_at_most(tmp_path, monkeypatch):
    (tmp_path / "base.txt").write_text("pytest==0.0.1  # wrong version\nno_such_package_a==1.0\n")
    (tmp_path / "dev.txt").write_text(
        "-r base.txt\nno-such-package-b==1.0\nno-such-package-c==1.0\nno-such-package-d==2.0\n"
        f"psutil=={__import__('psutil').__version__}\n"
    )
    monkeypatch.setattr(doctor, "REQUIREMENTS_DIR", tmp_path)
    result = doctor.check_requirements()
    assert result.status == "fail"
    assert result.detail == (
        f"5 of 6 pins not met: pytest {__import__('pytest').__version__} (pinned 0.0.1), "
        "no-such-package-a missing, no-such-package-b missing and 2 more"
    )
    assert "make setup" in result.fix


def test_command_prints_a_table_and_exits_0(test_stack):
    result = run_module("scripts.doctor", clean_env(COLUMNS="160"), 60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "Aetherion doctor (test profile)" in lines[0]
    assert "check" in result.stdout and "what to do" in result.stdout
    for name in CHECK_NAMES:
        assert any(line.startswith(f"│ {name} ") and "│ ok " in line for line in lines), name
    assert "FAIL" not in result.stdout and "warn" not in result.stdout
    assert lines[-1] == "All checks passed."


def test_fixes_point_where_the_setting_really_comes_from(test_mysql, monkeypatch):
    monkeypatch.delenv("MYSQL_URL")  # this session's stack URL: here, the committed files alone
    # The test profile's own file is read before config/<service>.local.env: editing that would not help.
    assert doctor.setting_home("MYSQL_URL", "django_core", "test") == "the environment"
    assert doctor.setting_home("MYSQL_URL", "django_core", "dev") == "config/django_core.local.env"
    monkeypatch.setenv("MYSQL_URL", f"mysql://{test_mysql}/aetherion_core")
    assert doctor.setting_home("MYSQL_URL", "django_core", "dev") == "the environment"


def test_a_mongodb_at_the_day_one_address_gets_one_line_on_how_to_use_it(session_databases, stack_ports, monkeypatch):
    # The Day-1 plan's 127.0.0.1:27017, played by another MongoDB server: the session's own.
    monkeypatch.setattr(preflight_servers, "DAY_ONE_MONGO", f"127.0.0.1:{stack_ports['mongo']}")
    monkeypatch.setenv("MONGO_URL", f"mongodb://localhost:{stack_ports['mongo']}/")
    assert doctor.check_mongo("test").fix == ""  # that is the server in use: nothing to say

    other = MongoServer(MongoTarget(f"mongodb://127.0.0.1:{free_port()}/", "x"), "test")
    try:
        ensure(other)
        monkeypatch.setenv("MONGO_URL", other.target.url)
        result = doctor.check_mongo("test")
    finally:
        stop(other)
        server_files_remove(var_dir() / "test", "mongo", other.port)
    assert result.status == "ok"
    assert result.fix == (
        f"a MongoDB (FerretDB 1.24.1 + PostgreSQL) also answers at 127.0.0.1:{stack_ports['mongo']}: "
        f"to use it, set MONGO_URL=mongodb://127.0.0.1:{stack_ports['mongo']}/ in the environment"
    )


def test_tokens_names_each_scope_and_never_a_token(monkeypatch):
    result = doctor.check_tokens("test")
    assert result.status == doctor.OK
    market_rules = len(granted("fastapi_market", "test"))  # the access table's: fastapi_market calls Flask only
    assert {rule.service for rule in granted("fastapi_market", "test")} == {"flask_regime"}
    assert (
        result.detail.startswith("operator: ")
        and f"fastapi_market: {market_rules} rules on flask_regime" in result.detail
    )
    assert not any(value in result.detail for value in TEST_TOKENS.values())


def test_a_token_a_service_does_not_accept_fails_naming_both(monkeypatch):
    """django_core sends a token no service was told of: its calls to the first service it calls would get 403."""
    monkeypatch.setenv("DJANGO_CORE_TOKEN", "a-token-no-service-was-given-its-digest")
    result = doctor.check_tokens("test")
    assert result.status == doctor.FAIL
    first = min(rule.service for rule in granted("django_core", "test"))
    assert result.detail == f"django_core's token is not in {first}'s ACCEPTED_TOKENS: its calls there get 403"
    assert "a-token-no-service" not in result.detail + result.fix
