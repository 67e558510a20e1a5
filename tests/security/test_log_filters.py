"""The console log filter masks addresses and drops template-context dumps."""

import logging

from hds_site.log_filters import RedactPersonalData, redact


def test_redact_masks_emails_and_ip_addresses():
    text = "signup anna.beispiel+x@example.co.uk from 203.0.113.77 and 2001:db8:85a3:0:0:8a2e:370:7334 at 12:30:45"
    assert redact(text) == "signup [email] from [ip] and [ip] at 12:30:45"
    assert redact("Django 5.2.19 on Python 3.11") == "Django 5.2.19 on Python 3.11"


def test_filter_renders_arguments_and_tracebacks_before_masking():
    record = logging.LogRecord("hds", logging.WARNING, __file__, 1, "user %s failed", ("anna@example.org",), None)
    try:
        raise ValueError("bad address anna@example.org")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactPersonalData().filter(record)
    formatted = logging.Formatter().format(record)
    assert "anna@example.org" not in formatted
    assert "user [email] failed" in formatted and "bad address [email]" in formatted


def test_template_debug_records_lose_their_context_dump():
    record = logging.LogRecord(
        "django.template", logging.DEBUG, __file__, 1, "Exception while resolving variable '%s'", ("code",),
        (KeyError, KeyError("context: {'email': 'x', 'key': 'MQ:secret'}"), None),
    )
    RedactPersonalData().filter(record)
    assert "MQ:secret" not in logging.Formatter().format(record)
