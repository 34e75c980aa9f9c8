"""A bad setting stops a service at start with one line naming the variable and where to fix it."""

import subprocess
import sys

import pytest

from tests.stack import clean_env


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
