"""Logging filters: keep personal data out of the log output.

`RedactPersonalData` sits on the console handler (settings LOGGING). It
renders each record's message (and traceback) once, replaces email addresses
and IP addresses, and drops the traceback of Django's template-variable DEBUG
records, whose exception text is a dump of the whole template context (in the
confirmation mails: the member's address and the confirmation key).

It is the safety net; the rule remains: log ids, never addresses, names,
passwords or tokens.
"""

import logging
import re

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}(?![\w:])")


def redact(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = IPV4.sub("[ip]", text)
    return IPV6.sub("[ip]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.template") and record.levelno < logging.INFO:
            record.exc_info = None
            record.exc_text = None
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
