from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# quieter console for `make run` (the demo seed publishes many pages through background tasks)
LOGGING["loggers"]["django_tasks"] = {"level": "WARNING"}  # noqa: F405
LOGGING["loggers"]["wagtail"] = {"level": "WARNING"}  # noqa: F405
