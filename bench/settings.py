"""Settings of the Daphne processes the benchmarks start (never used by the product).

Production-like: DEBUG off, PostgreSQL + Redis from the environment (the
harness points them at its own database ``hds_bench`` and Redis db 8),
background tasks (confirmation mails) go to the database queue as in
production, no worker runs during the bench. Differences from production,
stated in the README:

* plain HTTP on 127.0.0.1 (no TLS redirect, no secure-only cookies);
* the signing rate limits per IP and per mail domain are lifted
  (``CAMPAIGNS_RATE_LIMIT_*``): every simulated signer comes from 127.0.0.1;
* ``bench.urls`` adds the baseline views (bare INSERT, bare relay) next to
  the product's URLs, and sets the forum page size from ``HDS_BENCH_POSTS_PER_PAGE``;
"""

import os

from hds_site.settings.base import *  # noqa: F403
from hds_site.settings.base import LOGGING

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

_UNLIMITED = (10**9, 600)
CAMPAIGNS_RATE_LIMIT_IP = _UNLIMITED
CAMPAIGNS_RATE_LIMIT_DOMAIN = _UNLIMITED
CAMPAIGNS_RATE_LIMIT_LARGE_DOMAIN = _UNLIMITED

# the bench measures, it does not log every request
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")}}
