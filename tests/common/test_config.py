"""Config loading: precedence, profiles, and the one-line messages for bad values."""

from pathlib import Path

import pytest

from apps.common import config
from apps.common.config import SERVICES, ConfigError, ServiceConfig, config_files, load
from tests.stack import SESSION_STACK


def write(path: Path, text: str) -> None:
    path.write_text(text)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    write(tmp_path / "common.env", "SHARED=common\nLAYER=common\n")
    write(tmp_path / "svc.env", "LAYER=service\nSERVICE_ONLY=yes\n")
    return tmp_path


def read(name: str, config_dir: Path, profile: str = "dev") -> tuple[str | None, str | None]:
    cfg = ServiceConfig("svc", profile, config_dir)
    return cfg.env.str(name, None), cfg.source(name)


def test_service_file_beats_common(config_dir):
    assert read("LAYER", config_dir) == ("service", str(config_dir / "svc.env"))
    assert read("SHARED", config_dir) == ("common", str(config_dir / "common.env"))


def test_local_file_beats_service_file(config_dir):
    write(config_dir / "svc.local.env", "LAYER=local\n")
    assert read("LAYER", config_dir)[0] == "local"


def test_environment_beats_every_file(config_dir, monkeypatch):
    write(config_dir / "svc.local.env", "LAYER=local\n")
    monkeypatch.setenv("LAYER", "environment")
    assert read("LAYER", config_dir) == ("environment", "environment")


def test_test_profile_reads_test_env_first(config_dir):
    write(config_dir / "svc.local.env", "LAYER=local\n")
    write(config_dir / "test.env", "LAYER=test\n")
    assert read("LAYER", config_dir, "test")[0] == "test"
    assert read("LAYER", config_dir, "dev")[0] == "local"


def test_file_order_is_documented_order(tmp_path):
    names = [p.name for p in config_files("svc", "test", tmp_path)]
    assert names == ["test.env", "svc.local.env", "svc.env", "common.env"]
    assert "test.env" not in [p.name for p in config_files("svc", "dev", tmp_path)]


def test_missing_variable_names_it_and_where_to_set_it(config_dir):
    with pytest.raises(ConfigError) as caught:
        load("svc", lambda cfg: cfg.env.int("NOT_THERE"), "dev", config_dir)
    message = str(caught.value)
    assert message == "svc: config error: NOT_THERE: not set (set it in config/svc.local.env or the environment)"
    assert len(message.splitlines()) == 1


def test_every_problem_is_listed_once_with_its_file(config_dir):
    write(config_dir / "svc.env", "PORT_B=eighty\nFLAG=perhaps\n")

    def parse(cfg):
        return cfg.env.int("PORT_B"), cfg.env.bool("FLAG"), cfg.env.str("MISSING")

    with pytest.raises(ConfigError) as caught:
        load("svc", parse, "dev", config_dir)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("svc: config error: PORT_B: Not a valid integer (fix it in ")
    assert lines[0].endswith("svc.env)")
    assert "FLAG: Not a valid boolean" in lines[1]
    assert "MISSING: not set" in lines[2]


def test_converter_errors_become_problems(config_dir, monkeypatch):
    monkeypatch.setenv("DB", "mysql://u:p@h:3306/x; DROP DATABASE mysql")

    def parse(cfg):
        from apps.common.databases import MySQLTarget

        return cfg.converted("DB", MySQLTarget.from_url)

    refused = r"DB: database name .* is not a plain identifier .* \(fix it in the environment\)$"
    with pytest.raises(ConfigError, match=refused):
        load("svc", parse, "dev", config_dir)


def test_unknown_profile_is_refused(monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="APP_ENV='staging' is not one of dev, test, production"):
        config.current_profile()


@pytest.mark.parametrize("profile", ["dev", "test"])
def test_committed_config_loads_for_every_service(profile, monkeypatch):
    for name in SESSION_STACK:  # this session's own stack ports: here, the committed files alone
        monkeypatch.delenv(name)
    from apps.django_core.env import load_settings as django_settings
    from apps.fastapi_market.settings import load_settings as market_settings
    from apps.flask_regime.settings import load_settings as regime_settings

    django, market, regime = django_settings(profile), market_settings(profile), regime_settings(profile)
    ports = {django.port, market.port, regime.port}
    assert ports == ({8000, 8001, 8002} if profile == "dev" else {18000, 18001, 18002})
    assert market.flask_regime_url == f"http://127.0.0.1:{regime.port}"
    assert django.mysql.database == "aetherion_core"
    # Each service is reached at its own port unless <SERVICE>_URL says otherwise.
    assert django.common.service_urls() == {
        name: f"http://127.0.0.1:{port}"
        for name, port in zip(SERVICES, (django.port, market.port, regime.port), strict=True)
    }


def test_service_url_can_point_elsewhere(monkeypatch):
    from apps.common.config import load_common

    monkeypatch.setenv("FLASK_REGIME_URL", "http://regime.internal:9000/")
    assert load_common(profile="dev").flask_regime_url == "http://regime.internal:9000"
