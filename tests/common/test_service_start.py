"""A bad setting stops a service at start with one line naming the variable and where to fix it, however
it is started: ``python -m apps.<service>`` or the Day-1 plan's command in the service's folder."""

import subprocess
import sys

import pytest

from tests.plan_commands import SERVE, folder, plan_argv
from tests.stack import clean_env, free_port


@pytest.mark.parametrize(
    ("module", "variable"),
    [
        ("apps.django_core", "DJANGO_CORE_PORT"),
        ("apps.fastapi_market", "FASTAPI_MARKET_PORT"),
        ("apps.flask_regime", "FLASK_REGIME_PORT"),
    ],
)
def test_invalid_port_stops_the_service_with_one_line(module, variable):
    argv = [sys.executable, "-m", module] + (["serve"] if module == "apps.django_core" else [])
    result = subprocess.run(argv, env=clean_env(**{variable: "eighty"}), capture_output=True, text=True, timeout=60)
    service = module.split(".")[1]
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{service}: config error: {variable}: Not a valid integer (fix it in the environment)"
    )


@pytest.mark.parametrize("service", ["django_core", "fastapi_market", "flask_regime"])
def test_the_plans_commands_stop_on_a_bad_setting_with_the_same_line(service):
    variable = f"{service.upper()}_PORT"
    # uvicorn's --reload would keep waiting for a code change after the line: the plan's command without it.
    command, env = SERVE[service].replace(" --reload", ""), clean_env(**{variable: "eighty"})
    result = subprocess.run(
        plan_argv(command, env, port=free_port()),
        cwd=folder(service),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"{service}: config error: {variable}: Not a valid integer (fix it in the environment)"
    )
    assert "Traceback" not in result.stderr


def test_importing_the_market_engines_main_reads_no_setting_and_builds_no_app():
    # `app` is built on first access, so tests and `python -m apps.fastapi_market` import create_app alone.
    code = "import apps.fastapi_market.main as main; print(sorted(vars(main).keys() & {'app'}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(FASTAPI_MARKET_PORT="eighty"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")
