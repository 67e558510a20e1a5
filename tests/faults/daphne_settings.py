"""Settings of the Daphne processes the fault tests start: the test settings, logging to the output.

The test settings drop every log record; the fault tests read what a process
logged (an outage is reported once, not per request), so warnings go to
stderr, which the test captures into a file.
"""

from hds_site.settings.test import *  # noqa: F403

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"daphne": {"level": "WARNING"}},
}

# replies go live at once (pre-moderation has its own tests); the rate limits stay as configured
HDS_FORUM_PREMODERATION = {"enabled": False}
