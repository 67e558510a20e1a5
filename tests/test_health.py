"""/healthz (the process answers) and /readyz (database and channel layer reachable)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_and_channel_layer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_failing_channel_layer(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "hds_site.channel_layer.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/readyz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["channel_layer"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"].startswith("failing")


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Disallow: /cms/" in response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


# --- more health checks (HTTP semantics, real failing services, real backends) ---------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_are_json_uncached_and_read_only(client, path):
    response = client.get(path)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_health_endpoints_are_not_language_prefixed(client):
    # probes and load balancers use one fixed path, whatever the language
    assert client.get("/en/healthz", follow=True).status_code == 404
    assert client.get("/en/readyz", follow=True).status_code == 404


def _request_in_subprocess(paths: list[str], **env_overrides: str) -> dict:
    """Issue requests through Django's test client in a process with the given environment."""
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "out = {}\n"
        f"for path in {paths!r}:\n"
        "    r = client.get(path)\n"
        "    out[path] = {'status': r.status_code, 'body': json.loads(r.content)}\n"
        "print('RESULT=' + json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"):
        env.pop(name, None)
    env.update({"DJANGO_SETTINGS_MODULE": "hds_site.settings.test", **env_overrides})
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.split("RESULT=", 1)[1])


def test_readyz_names_the_failing_database_while_healthz_still_answers():
    # a PostgreSQL URL on a port where nothing listens: the connection is refused
    out = _request_in_subprocess(["/healthz", "/readyz"], DATABASE_URL="postgres://postgres@127.0.0.1:9/hds_nowhere")
    assert out["/healthz"] == {"status": 200, "body": {"status": "ok"}}
    ready = out["/readyz"]
    assert ready["status"] == 503
    assert ready["body"]["status"] == "unavailable"
    assert ready["body"]["failing"] == ["database"]
    assert ready["body"]["checks"]["database"].startswith("failing: ")
    assert ready["body"]["checks"]["channel_layer"] == "ok"


def test_readyz_names_every_failing_part():
    out = _request_in_subprocess(
        ["/readyz"], DATABASE_URL="postgres://postgres@127.0.0.1:9/hds_nowhere", REDIS_URL="redis://127.0.0.1:9/0"
    )
    ready = out["/readyz"]
    assert ready["status"] == 503
    assert ready["body"]["failing"] == ["database", "channel_layer"]


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_on_postgresql_and_redis(client, postgres, redis_url, settings):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "hds_site.channel_layer.RedisChannelLayer"
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "channel_layer": "ok"}
