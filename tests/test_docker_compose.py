"""docker-compose.yml cannot run here (no Docker engine): check its wiring instead."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from iopbill.cli import app as cli_app
from iopbill.codec import decode_key
from iopbill.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "worker", "web")
REQUIRED = (
    "database_url",
    "temporal_address",
    "temporal_namespace",
    "task_queue",
    "secret_key",
    "phi_key",
)
ENV = {
    "IOPBILL_SECRET_KEY": "s" * 40,
    "IOPBILL_PHI_KEY": base64.b64encode(b"k" * 32).decode(),
}
_VAR = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ${X}, ${X:-default} and ${X:?error} rules, enough for this file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == "?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return _VAR.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return interpolate(raw, ENV)  # type: ignore[no-any-return]


def env_of(compose: dict[str, Any], service: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"][service]["environment"].items()}


def test_every_service_of_the_production_layout_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgresql", "temporal", "temporal-ui", *APP_SERVICES}


def test_secrets_are_required_not_defaulted() -> None:
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    with pytest.raises(KeyError, match="IOPBILL_SECRET_KEY"):
        interpolate(raw, {"IOPBILL_PHI_KEY": ENV["IOPBILL_PHI_KEY"]})
    with pytest.raises(KeyError, match="IOPBILL_PHI_KEY"):
        interpolate(raw, {"IOPBILL_SECRET_KEY": "x"})


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_class_reads(
    compose: dict[str, Any], service: str
) -> None:
    env = env_of(compose, service)
    known = {f"IOPBILL_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= known, set(env) - known
    for name in REQUIRED:
        assert f"IOPBILL_{name.upper()}" in env, f"{service} does not set {name}"
    settings = Settings(**{k.removeprefix("IOPBILL_").lower(): v for k, v in env.items()})
    assert len(decode_key(settings.phi_key)) == 32
    assert settings.day_seconds == 86400


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_reach_postgres_and_temporal_by_service_name_and_port(
    compose: dict[str, Any], service: str
) -> None:
    env = env_of(compose, service)
    db = make_url(env["IOPBILL_DATABASE_URL"])
    pg = compose["services"]["postgresql"]["environment"]
    assert db.drivername == "postgresql+psycopg" and db.host == "postgresql" and db.port == 5432
    assert (db.username, db.password, db.database) == (
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        pg["POSTGRES_DB"],
    )
    host, port = env["IOPBILL_TEMPORAL_ADDRESS"].split(":")
    assert host == "temporal"
    assert f"{port}:{port}" in compose["services"]["temporal"]["ports"]
    temporal_env = compose["services"]["temporal"]["environment"]
    assert temporal_env["POSTGRES_SEEDS"] == "postgresql"
    assert temporal_env["POSTGRES_PWD"] == pg["POSTGRES_PASSWORD"]


def test_web_publishes_the_port_it_binds_and_serves_the_ui_codec(compose: dict[str, Any]) -> None:
    env = env_of(compose, "web")
    port = env["IOPBILL_WEB_PORT"]
    assert f"{port}:{port}" in compose["services"]["web"]["ports"]
    assert env["IOPBILL_WEB_HOST"] == "0.0.0.0"
    ui = compose["services"]["temporal-ui"]
    assert ui["environment"]["TEMPORAL_ADDRESS"] == env["IOPBILL_TEMPORAL_ADDRESS"]
    assert ui["environment"]["TEMPORAL_CODEC_ENDPOINT"] == f"http://localhost:{port}/codec"
    ui_port = ui["ports"][0].split(":")[0]
    assert env["IOPBILL_CODEC_CORS_ORIGIN"] == f"http://localhost:{ui_port}"
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_start_order_waits_on_health_and_on_the_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, svc in services.items():
        for dep, cond in svc.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck"
    for name in ("worker", "web"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["temporal"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert services["worker"]["deploy"]["replicas"] == "2"


def test_each_app_service_runs_an_existing_cli_command(compose: dict[str, Any]) -> None:
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in cli_app.registered_commands
    }
    for name in APP_SERVICES:
        program, sub = compose["services"][name]["command"]
        assert program == "iopbill" and sub in commands
    assert (ROOT / "Dockerfile").is_file()
