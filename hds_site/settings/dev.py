from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
