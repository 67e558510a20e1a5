"""Date and time formats per UI language (settings.FORMAT_MODULE_PATH).

Templates name a format instead of spelling one out: ``{{ d|date:"DATE_FORMAT" }}`` for
Django's own names, ``{{ d|ldate:"MEDIUM_DATE_FORMAT" }}`` (hds_meta) for the extra ones
below. German reads "4. Dezember 2026", English "4 December 2026". Whatever a module
leaves out falls back to Django's locale formats (the input formats, for example).
"""
