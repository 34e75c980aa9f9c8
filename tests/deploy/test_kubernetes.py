"""deploy/k8s/: valid against the Kubernetes schemas (kubernetes-validate, offline) and wired to the config."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from apps.common.config import REPO_ROOT, SERVICES
from apps.common.health import LIVENESS_PATH, READINESS_PATHS
from tests.deploy.manifests import (
    BOOTSTRAP_READS,
    all_read,
    all_secrets,
    bootstrap_read,
    bootstrap_secrets,
    problems_with_only,
    read_by,
    secrets_of,
    with_real_secrets,
)

K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = kubernetes_validate.utils.latest_version()


def resources() -> list[tuple[Path, dict]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        found += [(path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def resource(kind: str, name: str) -> dict:
    return next(doc for _, doc in resources() if doc["kind"] == kind and doc["metadata"]["name"] == name)


def config_map() -> dict[str, str]:
    return resource("ConfigMap", "aetherion-config")["data"]


def secret() -> dict[str, str]:
    return resource("Secret", "aetherion-secrets")["stringData"]


def container_environment(container: dict) -> tuple[dict[str, str], set[str]]:
    """The variables a container gets (placeholder secret values filled in), and which came from the Secret."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == "aetherion-config"
        environment.update(config_map())
    from_secret = set()
    for variable in container.get("env", []):
        ref = variable["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "aetherion-secrets" and ref["key"] == variable["name"]
        environment[variable["name"]] = secret()[ref["key"]]
        from_secret.add(variable["name"])
    return environment, from_secret


def deployment_name(service: str) -> str:
    return service.replace("_", "-")


@pytest.mark.parametrize("path_and_doc", resources(), ids=lambda item: f"{item[0].name}:{item[1]['kind']}")
def test_manifest_is_valid_against_the_kubernetes_schema_strictly(path_and_doc):
    _, doc = path_and_doc
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_rejects_a_misspelt_field():
    deployment = next(yaml.safe_load_all((K8S / "flask-regime.yaml").read_text()))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_configmap_and_secret_carry_exactly_the_variables_the_services_read():
    assert set(config_map()) | set(secret()) == all_read()
    assert set(secret()) == all_secrets()
    assert not set(config_map()) & all_secrets(), "a secret in the ConfigMap"


def test_secret_values_are_placeholders_not_real_secrets():
    for name, value in secret().items():
        if name.endswith("_URL") and "@" not in value:
            continue  # no credentials in it
        assert "REPLACE-ME" in value, f"{name} looks like a real value"


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_gives_its_service_every_variable_and_only_its_own_secrets(service, monkeypatch, tmp_path):
    deployment = resource("Deployment", deployment_name(service))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    environment, from_secret = container_environment(container)
    assert read_by(service) <= set(environment), f"missing: {read_by(service) - set(environment)}"
    assert from_secret == set(secrets_of(service))
    # The manifests alone (no config/ files), once real secrets replace the placeholders, satisfy the
    # production profile; as committed, every placeholder secret is refused.
    assert problems_with_only(service, with_real_secrets(environment), monkeypatch, tmp_path) == []
    refused = {p.split(":")[0] for p in problems_with_only(service, environment, monkeypatch, tmp_path)}
    assert refused == {name for name in from_secret if not name.endswith("_URL")}


def test_migration_job_runs_bootstrap_db_with_what_it_reads(monkeypatch, tmp_path):
    job = resource("Job", "aetherion-migrate")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "scripts.bootstrap_db"]
    django = resource("Deployment", "django-core")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == django["image"]  # the django_core image carries bootstrap_db's requirements
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("Never", "OnFailure")
    environment, from_secret = container_environment(container)
    assert bootstrap_read() <= set(environment)
    for service, parse in BOOTSTRAP_READS:
        assert problems_with_only(service, with_real_secrets(environment), monkeypatch, tmp_path, parse) == []
    assert from_secret == bootstrap_secrets()  # fastapi_market's token is not among them


@pytest.mark.parametrize("service", SERVICES)
def test_probes_ports_and_service_match_the_config(service):
    name = deployment_name(service)
    pod = resource("Deployment", name)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = int(config_map()[f"{service.upper()}_PORT"])
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["readinessProbe"]["httpGet"]["path"] == READINESS_PATHS[service]
    assert container["livenessProbe"]["httpGet"]["path"] == LIVENESS_PATH
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == "http"
        hosts = [h["value"] for h in container[probe]["httpGet"].get("httpHeaders", []) if h["name"] == "Host"]
        if service == "django_core":  # Django answers 400 to a Host it does not allow
            assert hosts and hosts[0] in config_map()["DJANGO_ALLOWED_HOSTS"].split(",")
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]) and "memory" in container["resources"]["limits"]
    # Time to leave the endpoints (preStop) and drain (SERVER_GRACEFUL_TIMEOUT) before SIGKILL.
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + int(config_map()["SERVER_GRACEFUL_TIMEOUT"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    k8s_service = resource("Service", name)
    assert k8s_service["spec"]["selector"] == {"app.kubernetes.io/name": name}
    assert k8s_service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
    assert config_map()[f"{service.upper()}_URL"] == f"http://{name}:{port}"
