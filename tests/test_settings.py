"""Configuration from the environment: embedded defaults, production refusing to start, check --deploy.

Settings are module-level code, so every case runs in a subprocess with a
controlled environment.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://hds:secret@db.example.org:5432/hds",
    "ALLOWED_HOSTS": "example.org,www.example.org",
}
# every variable any settings module reads; cleared so the host's environment cannot leak in
CONFIG_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "SITE_URL", "DEBUG", "TASK_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "EMAIL_BACKEND", "EMAIL_FILE_PATH", "DEFAULT_FROM_EMAIL",
    "LOG_LEVEL", "MEDIA_ROOT", "SQLITE_PATH", "HDS_DEMO_PASSWORD", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "TRUSTED_PROXY_COUNT", "BACKUP_DIR", "REDIS_MAX_CONNECTIONS", "REDIS_CHANNEL_SOCKET_TIMEOUT", "PAGE_CACHE_SECONDS",
    "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT",
}  # fmt: skip

PROBE = """
import json
from django.conf import settings
print("PROBE=" + json.dumps({
    "DEBUG": settings.DEBUG,
    "DB_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_HOST": settings.DATABASES["default"].get("HOST", ""),
    "CHANNEL_LAYER": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "CHANNEL_HOSTS": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", []),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "SEARCH": settings.HDS_SEARCH_BACKEND,
    "ELASTICSEARCH_URL": settings.ELASTICSEARCH_URL,
    "WAGTAILSEARCH": settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(settings, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(settings, "EMAIL_PORT", None),
    "EMAIL_USE_TLS": getattr(settings, "EMAIL_USE_TLS", None),
    "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
    "TASKS": settings.TASKS["default"]["BACKEND"],
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "SITE_URL": settings.SITE_URL,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
}, default=repr))  # channel-layer options may hold exception classes (retry_on_error)
"""


def _env(settings_module: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES and not k.startswith(("PYTEST_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def _probe(settings_module: str, **overrides: str) -> dict:
    result = _run(["-c", PROBE], _env(settings_module, **overrides))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE="))
    return json.loads(line.removeprefix("PROBE="))


# --- development: every service falls back to an embedded default ---------------------


def test_dev_settings_without_environment_use_embedded_defaults(tmp_path):
    probe = _probe("hds_site.settings.dev", SQLITE_PATH=str(tmp_path / "dev.sqlite3"))
    assert probe["DEBUG"] is True
    assert probe["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert probe["DB_NAME"] == str(tmp_path / "dev.sqlite3")
    assert probe["CHANNEL_LAYER"] == "channels.layers.InMemoryChannelLayer"
    assert probe["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert probe["SEARCH"] == "database"
    assert probe["WAGTAILSEARCH"] == "wagtail.search.backends.database"
    assert probe["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert probe["TASKS"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert probe["SITE_URL"] == "http://127.0.0.1:8000"
    assert set(probe["ALLOWED_HOSTS"]) >= {"127.0.0.1", "localhost"}


def test_default_sqlite_file_lives_in_the_project_directory():
    probe = _probe("hds_site.settings.dev")
    assert probe["DB_NAME"] == str(BASE_DIR / "db.sqlite3")


def test_environment_switches_every_service_to_its_real_counterpart():
    probe = _probe(
        "hds_site.settings.dev",
        DATABASE_URL="postgres://hds:pw@db.internal:5432/hds",
        REDIS_URL="redis://cache.internal:6379/2",
        ELASTICSEARCH_URL="http://search.internal:9200",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_USE_TLS="false",
        DEFAULT_FROM_EMAIL="HDS <hallo@example.org>",
        TASK_BACKEND="database",
        ALLOWED_HOSTS="hds.example.org, www.hds.example.org",
        CSRF_TRUSTED_ORIGINS="https://hds.example.org",
        SITE_URL="https://hds.example.org/",
        DEBUG="false",
    )
    assert probe["DEBUG"] is False
    assert probe["DB_ENGINE"] == "django.db.backends.postgresql"
    assert probe["DB_HOST"] == "db.internal"
    assert probe["CHANNEL_LAYER"] == "hds_site.channel_layer.RedisChannelLayer"
    assert probe["CHANNEL_HOSTS"] == [
        {
            "address": "redis://cache.internal:6379/2",
            "max_connections": 1000,
            "socket_timeout": 15.0,  # above channels_redis's 5 s blocking pop (tests/test_channel_layer.py)
            "retry_on_error": ["<class 'redis.exceptions.ConnectionError'>"],  # pooled connections after a restart
        }
    ]
    assert probe["CACHE"] == "hds_site.cache.TolerantRedisCache"
    assert probe["SEARCH"] == "elasticsearch"
    assert probe["ELASTICSEARCH_URL"] == "http://search.internal:9200"
    assert probe["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (probe["EMAIL_HOST"], probe["EMAIL_PORT"], probe["EMAIL_USE_TLS"]) == ("smtp.example.org", 2525, False)
    assert probe["DEFAULT_FROM_EMAIL"] == "HDS <hallo@example.org>"
    assert probe["TASKS"] == "django_tasks_db.DatabaseBackend"
    assert probe["ALLOWED_HOSTS"] == ["hds.example.org", "www.hds.example.org"]
    assert probe["CSRF_TRUSTED_ORIGINS"] == ["https://hds.example.org"]
    assert probe["SITE_URL"] == "https://hds.example.org"


# --- make run: the links in mails point at the port it serves on ------------------------


def _make_run(*args: str, **overrides: str) -> dict[str, str]:
    """SITE_URL and port of the seed and Daphne commands ``make run`` would execute (a dry run: nothing runs)."""
    env = _env("hds_site.settings.dev", **overrides)
    for name in ("PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # nothing from the host or an outer `make test`
        if name not in overrides:
            env.pop(name, None)
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    seed = next(line for line in lines if "manage.py seed_demo" in line)
    daphne = re.search(r'^SITE_URL="([^"]*)" \S*daphne ((?:--\S+ \S+ )*)-b 127.0.0.1 -p (\d+) ', next(
        line for line in lines if "hds_site.asgi:application" in line
    ))
    assert daphne, result.stdout
    # the same WebSocket size limits as production (the Procfile's web process)
    web = next(line for line in (BASE_DIR / "Procfile").read_text().splitlines() if line.startswith("web:"))
    limits = re.findall(r"--websocket-max-\S+ \d+", daphne.group(2))
    assert len(limits) == 2 and all(limit in web for limit in limits), (daphne.group(2), web)
    assert seed.startswith(f'SITE_URL="{daphne.group(1)}" '), seed  # the demo site's host is the same address
    return {"SITE_URL": daphne.group(1), "PORT": daphne.group(3)}


def test_make_run_links_follow_its_port_unless_site_url_is_set():
    assert _make_run() == {"SITE_URL": "http://127.0.0.1:8000", "PORT": "8000"}
    on_8123 = _make_run("PORT=8123")
    assert on_8123 == {"SITE_URL": "http://127.0.0.1:8123", "PORT": "8123"}
    assert _make_run(PORT="8123") == on_8123  # PORT from the environment, as .env.example documents it
    # the dev settings take it as it is: the links in mails
    assert _probe("hds_site.settings.dev", SITE_URL=on_8123["SITE_URL"])["SITE_URL"] == "http://127.0.0.1:8123"
    # an explicit SITE_URL wins, from the environment or the command line
    assert _make_run("PORT=8123", SITE_URL="https://hds.example.org")["SITE_URL"] == "https://hds.example.org"
    assert _make_run("PORT=8123", "SITE_URL=https://hds.example.org")["SITE_URL"] == "https://hds.example.org"


# --- production: refuse to start without the essentials --------------------------------


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_refuses_to_start_naming_the_missing_variable(missing, how):
    env = _env("hds_site.settings.production", **PRODUCTION_ENV)
    if how == "unset":
        del env[missing]
    else:
        env[missing] = "  "
    # unset: the real start-up path; empty: loading the settings is enough (cheaper)
    command = ["manage.py", "check"] if how == "unset" else ["-c", "from django.conf import settings; settings.DEBUG"]
    result = _run(command, env)
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_refuses_a_weak_secret_key():
    env = _env("hds_site.settings.production", **{**PRODUCTION_ENV, "SECRET_KEY": "too-short"})
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_production_check_deploy_prints_no_warning():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _env("hds_site.settings.production", **PRODUCTION_ENV))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "System check identified no issues (0 silenced)." in output, output


def test_production_settings_are_hardened():
    probe = _probe("hds_site.settings.production", **PRODUCTION_ENV)
    assert probe["DEBUG"] is False
    assert probe["ALLOWED_HOSTS"] == ["example.org", "www.example.org"]
    assert probe["DB_ENGINE"] == "django.db.backends.postgresql"
    assert probe["SESSION_COOKIE_SECURE"] is True
    assert probe["CSRF_COOKIE_SECURE"] is True
    assert probe["SECURE_SSL_REDIRECT"] is True
    assert probe["SECURE_HSTS_SECONDS"] >= 31536000
    assert probe["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert probe["TASKS"] == "django_tasks_db.DatabaseBackend"
    assert probe["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_debug_cannot_be_switched_on_from_the_environment():
    probe = _probe("hds_site.settings.production", **PRODUCTION_ENV, DEBUG="true")
    assert probe["DEBUG"] is False


# --- .env.example documents every variable ----------------------------------------------

ENV_READ = re.compile(
    r"""(?:\benv(?:_bool|_list|_int)?\(|os\.environ\.get\(|os\.getenv\(|os\.environ\[|os\.environ\.setdefault\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
NOT_CONFIGURATION = {"PYTEST_XDIST_WORKER"}  # set by pytest-xdist itself


def _variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    paths = [BASE_DIR / "manage.py"]
    for package in ("hds_site", "community", "campaigns", "search"):
        paths.extend((BASE_DIR / package).rglob("*.py"))
    for path in paths:
        if "migrations" in path.parts:
            continue
        names.update(ENV_READ.findall(path.read_text(encoding="utf-8")))
    return names - NOT_CONFIGURATION


def _variables_in_env_example() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_variable_the_code_reads():
    read = _variables_read_by_the_code()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= read
    missing = read - _variables_in_env_example()
    assert not missing, f"add these to .env.example (with a comment): {sorted(missing)}"


def test_env_example_lists_the_documented_variables():
    documented = _variables_in_env_example()
    expected = CONFIG_VARIABLES | {"PORT", "DJANGO_SETTINGS_MODULE"}
    assert expected <= documented, sorted(expected - documented)


def test_test_settings_give_each_xdist_worker_its_own_redis_prefixes():
    probe_script = PROBE.replace(
        '"STATICFILES"', '"CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"], '
        '"LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"], "STATICFILES"'
    )
    env = _env("hds_site.settings.test", REDIS_URL="redis://127.0.0.1:6379/9", PYTEST_XDIST_WORKER="gw1")
    result = _run(["-c", probe_script], env)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.split("PROBE=", 1)[1])
    assert probe["CACHE_PREFIX"] == "hds-test-gw1"
    assert probe["LAYER_PREFIX"] == "asgi-test-gw1"
