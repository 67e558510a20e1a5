"""Settings of the soak (bench/soak.py): the bench settings, plus mails written to files.

The soak runs the production path of a signature: the sign form enqueues the
confirmation mail in the database queue, a real ``db_worker`` sends it, and
the mail lands as a file in ``HDS_SOAK_MAIL_DIR`` (Django's file backend),
where the soak reads the confirmation link like a signer reads their inbox.
"""

import os

from bench.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("HDS_SOAK_MAIL_DIR", "/tmp/hds-soak-mail")

# every simulated member logs in from 127.0.0.1 within a few seconds: allauth's per-IP login limit
# (30/min by default) is raised for the soak, as bench/settings.py lifts the signing limits per IP
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip"}  # noqa: F405
