"""Settings for the Daphne process that the browser tests drive (tests/browser/conftest.py).

Like `make run` (dev settings: DEBUG on, WhiteNoise finders), with what the
tests need to observe: mails written as files to HDS_MAIL_DIR, tasks run
immediately, a fast password hasher. DATABASE_URL / REDIS_URL pass through,
so the journeys run on SQLite + in-memory and on PostgreSQL + Redis.
"""

from .base import BASE_DIR, env
from .dev import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("HDS_MAIL_DIR", str(BASE_DIR / "var" / "browser-mail"))
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
