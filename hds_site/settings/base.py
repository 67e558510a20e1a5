"""Settings shared by every environment.

Everything that differs between a laptop and production comes from environment
variables (see .env.example). Unset, each falls back to an embedded default:
SQLite file, in-memory channel layer, database search, console email,
immediate tasks.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "hds_site"


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-" + "x" * 20)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL

INSTALLED_APPS = [
    "daphne",
    # project apps first so their templates override third-party ones
    "hds_site",
    "hds_site.content",
    "hds_site.accounts",
    "community",
    "campaigns",
    "search",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail",
    # not "modelsearch": wagtail.search *is* its app config; listing both breaks every index update
    "modelcluster",
    "taggit",
    # accounts
    "allauth",
    "allauth.account",
    # live + background work
    "channels",
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hds_site.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: precompressed .br/.gz from collectstatic
    # brotli / gzip with BREACH length hiding; below WhiteNoise, above everything that writes the body (the page
    # cache fills its CSRF holes first): hds_site/compression.py
    "hds_site.compression.CompressionMiddleware",
    "hds_site.db_outage.DatabaseUnavailableMiddleware",  # database gone: a friendly 503, not a 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hds_site.pagecache.PageCacheMiddleware",  # anonymous GETs of editorial pages (docs/operations.md)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "hds_site.errors.MethodNotAllowedPageMiddleware",  # an empty 405 gets the site's 405 page
]

ROOT_URLCONF = "hds_site.urls"

# full-response cache of editorial pages for anonymous visitors (hds_site/pagecache.py); 0 switches it off
HDS_PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "300"))

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "hds_site.context_processors.site",
            ],
        },
    },
]

ASGI_APPLICATION = "hds_site.asgi.application"
WSGI_APPLICATION = "hds_site.wsgi.application"

# --- database -------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # conn_max_age=0: under ASGI (Daphne) every request runs its sync code in its own thread, so persistent
    # connections are never reused but stay open until garbage-collected — a burst exhausted PostgreSQL's
    # max_connections in bench/signing.py (Django ticket #33497). Each request opens and closes its own.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL: a connection pool per process (psycopg-pool) instead of a connect per request ("close"
        # hands the connection back); health checks on checkout drop connections a PostgreSQL restart broke.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(env("DB_POOL_MIN_SIZE", "1")),
            "max_size": int(env("DB_POOL_MAX_SIZE", "10")),
            "timeout": float(env("DB_POOL_TIMEOUT", "20")),  # seconds a request waits for a free connection
            "max_idle": 300,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL + a busy timeout let Daphne's threads and a worker share the file
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channel layer --------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    from redis.exceptions import ConnectionError as RedisConnectionError
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis, ending a cancelled receive that Python 3.11 lets run on (hds_site/channel_layer.py)
            "BACKEND": "hds_site.channel_layer.RedisChannelLayer",
            # redis-py caps a pool at 100 connections by default; hundreds of sockets joining
            # or leaving groups at once then fail with MaxConnectionsError (found by bench/fanout)
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": int(env("REDIS_MAX_CONNECTIONS", "1000")),
                        # channels_redis waits for a socket's next message with BZPOPMIN 5 s; redis-py 8 reads
                        # every reply with socket_timeout 5 s by default, so a late "nothing yet" killed idle
                        # consumers (their WebSockets dropped; found by make soak). Read timeout well above 5 s.
                        "socket_timeout": float(env("REDIS_CHANNEL_SOCKET_TIMEOUT", "15")),
                        # after a Redis restart every pooled connection is dead: one immediate retry on a fresh
                        # connection instead of failing the first command on each (tests/faults/test_redis_outage.py)
                        "retry_on_error": [RedisConnectionError],
                    }
                ],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            # degrades to "no cache" while Redis is down (hds_site/cache.py)
            "BACKEND": "hds_site.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hds",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2, "retry_on_error": [RedisConnectionError]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hds",
        }
    }

# --- search ---------------------------------------------------------------
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "german"},
}
# The platform-wide search (search/) picks its backend from this setting.
HDS_SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"

# --- background tasks -----------------------------------------------------
TASK_BACKEND = env("TASK_BACKEND", "immediate")
if TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- email ----------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "15"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Haus der Selbstständigen <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- auth / allauth -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[HDS] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Failed logins are limited per account and per client IP separately (docs/operations.md, "Login lockout"):
# 5 in 5 minutes lock one account (the right password is refused too, a password reset lifts it);
# an IP is locked only after 30 in 5 minutes (over any accounts), so one person's typos behind a shared
# office or mobile-carrier address do not lock out everyone there, while guessing across accounts stays slow.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "30/5m/ip,5/5m/key",
    # every login POST per IP (allauth's default is 30/m): room for an office arriving at nine behind one address
    "login": "60/m/ip",
    "signup": "20/h/ip",
    "confirm_email": "3/m/key",
    "reset_password": "5/h/ip,3/h/key",
}
# forum reports per member (moderators excepted): at most `count` within `window` (docs/forum.md)
HDS_FORUM_REPORT_RATE_LIMIT = {"count": 5, "window": timedelta(minutes=10)}
ACCOUNT_ADAPTER = "hds_site.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "hds_site.accounts.forms.SignupForm"}  # adds the display name (pseudonym)
# /cms/login/ authenticates through allauth: the same login_failed lockout as /konto/login/
WAGTAILADMIN_USER_LOGIN_FORM = "hds_site.accounts.forms.AdminLoginForm"
ACCOUNT_USER_DISPLAY = "hds_site.accounts.selectors.display_name_of"  # never the internal username

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
# HDS_LOCALE_DIR: only for tests/test_i18n.py (extract into a scratch catalogue)
LOCALE_PATHS = [Path(env("HDS_LOCALE_DIR"))] if env("HDS_LOCALE_DIR") else [PROJECT_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
FORMAT_MODULE_PATH = ["hds_site.formats"]  # dates in the UI language's order (hds_site/formats/<lang>/formats.py)
USE_I18N = True
USE_TZ = True

# --- static / media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# the admin's image form decodes every upload with Pillow: a broken file is a form error, not a 500
WAGTAILIMAGES_IMAGE_FORM_BASE = "hds_site.content.images.ImageForm"

# --- Wagtail --------------------------------------------------------------
WAGTAIL_SITE_NAME = "Haus der Selbstständigen"
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "ods", "txt", "csv"]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("de", "Deutsch"), ("en", "English")]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# No Gravatar in the admin: it would send hashed editor emails to a third party (and break the CSP).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# No update check from editors' browsers to releases.wagtail.org (third-party request, blocked by the CSP).
WAGTAIL_ENABLE_UPDATE_CHECK = False

# --- security (production tightens these) --------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"redact": {"()": "hds_site.log_filters.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        # at DEBUG it dumps whole template contexts (mail addresses, confirmation keys)
        "django.template": {"level": "INFO"},
    },
}

# Demo accounts created by `manage.py seed_demo`
HDS_DEMO_PASSWORD = env("HDS_DEMO_PASSWORD", "hds-demo-2026")

# WhiteNoise serves static files in every environment (one process serves everything)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
