"""Lean settings for the test suite.

Uses the embedded defaults unless DATABASE_URL / REDIS_URL are set, so the
same suite runs on SQLite + in-memory and on PostgreSQL + Redis.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, CHANNEL_LAYERS, DATABASE_URL, DATABASES, REDIS_URL, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"  # noqa: S105 — the test settings’ key, never deployed
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# off: tests publish inside rolled-back transactions (no on_commit), so the generation never changes;
# tests/content/test_page_cache.py switches it on
HDS_PAGE_CACHE_SECONDS = 0
WAGTAILADMIN_BASE_URL = "http://testserver"
SITE_URL = "http://testserver"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}
if not DATABASE_URL:
    DATABASES["default"]["NAME"] = env("SQLITE_PATH", str(BASE_DIR / "var" / "test.sqlite3"))
    # in memory by default (shared between threads); HDS_TEST_SQLITE names a file when processes must share it
    if env("HDS_TEST_SQLITE"):
        DATABASES["default"]["TEST"] = {"NAME": env("HDS_TEST_SQLITE")}

if REDIS_URL:
    # pytest-xdist workers share one Redis database: each gets its own cache and
    # channel-layer prefix (tests/conftest.py clears only its own cache keys).
    _worker = env("PYTEST_XDIST_WORKER", "main")
    CACHES["default"]["KEY_PREFIX"] = f"hds-test-{_worker}"
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-test-{_worker}"

(BASE_DIR / "var").mkdir(exist_ok=True)
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
