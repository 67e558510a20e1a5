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
