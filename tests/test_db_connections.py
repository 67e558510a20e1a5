"""Database connections under Daphne: no persistent connections (they leak under ASGI).

Django runs each ASGI request's sync code in a thread of its own, so a
persistent connection (CONN_MAX_AGE > 0) is never reused and stays open until
garbage-collected; bench/signing.py exhausted PostgreSQL's max_connections
that way (Django ticket #33497). Settings are module-level code: probed in a
subprocess with a controlled environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PROBE = (
    "import json; from django.conf import settings; "
    "print('PROBE=' + json.dumps(settings.DATABASES['default'].get('CONN_MAX_AGE')))"
)


@pytest.mark.parametrize("module", ["hds_site.settings.dev", "hds_site.settings.production"])
def test_postgresql_connections_are_not_persistent(module):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        DATABASE_URL="postgres://hds:secret@db.example.org:5432/hds",
        SECRET_KEY="k" * 20 + "abcdefghij" * 5,
        ALLOWED_HOSTS="example.org",
    )
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + PROBE],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("PROBE="))
    assert json.loads(line[len("PROBE="):]) == 0


POOL_PROBE = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print('PROBE=' + json.dumps([d['ENGINE'], d.get('OPTIONS', {}).get('pool'), d.get('CONN_HEALTH_CHECKS')]))"
)


@pytest.mark.parametrize("database_url", ["postgres://hds:secret@db.example.org:5432/hds", None])
def test_postgresql_gets_a_connection_pool_sqlite_does_not(database_url):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="hds_site.settings.dev", SQLITE_PATH="/tmp/hds-probe-unused.sqlite3")
    if database_url:
        env["DATABASE_URL"] = database_url
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + POOL_PROBE],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    engine, pool, health_checks = json.loads(next(x for x in out.stdout.splitlines() if x.startswith("PROBE="))[6:])
    if database_url:
        assert engine == "django.db.backends.postgresql"
        assert pool["max_size"] >= pool["min_size"] >= 1 and pool["timeout"] > 0
        assert health_checks is True  # broken connections (a PostgreSQL restart) are replaced on checkout
    else:
        assert engine == "django.db.backends.sqlite3" and pool is None


@pytest.mark.django_db(transaction=True)
def test_requests_in_their_own_threads_share_the_pool(postgres):
    """What Daphne does: every request in a thread of its own, its connection closed at the end — with the
    pool, "closed" hands it back, so 40 requests open at most the pool's size of PostgreSQL connections."""
    import threading

    from django.db import close_old_connections, connection

    pool = connection.pool
    assert pool is not None
    opened_before = pool.get_stats().get("connections_num", 0)

    def request():
        close_old_connections()
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        connection.close()

    for _ in range(4):
        threads = [threading.Thread(target=request) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    opened = pool.get_stats().get("connections_num", 0) - opened_before
    assert opened <= pool.max_size
    assert pool.get_stats()["requests_num"] >= 40
