"""Print, as JSON, the SQL query count of each given URL in django-machina (machina venv; warm second request)."""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.machina_project.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

counts = []
client = Client(HTTP_HOST="127.0.0.1")
for url in sys.argv[1:]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    counts.append(len(ctx.captured_queries) if resp.status_code == 200 else None)
print(json.dumps(counts))
