"""The 400 page (``handler400``): a clear refusal in the visitor's language.

A request body above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (or with more fields or
files than allowed) answers 413 and says so; every other bad request (a
malformed multipart body, a suspicious host …) answers 400 with a short
explanation. Both render the site's layout, never Django's bare default.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


def bad_request(request, exception=None):
    # the body may be refused before LocaleMiddleware ran: the language of the URL decides
    translation.activate(translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE)
    request.LANGUAGE_CODE = translation.get_language()
    if isinstance(exception, RequestDataTooBig):
        limit_mib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        message = _("Die gesendeten Daten sind zu groß (höchstens %(mib)s MiB). Bitte kürzen Sie Ihre Eingabe.") % {
            "mib": f"{limit_mib:g}"}
        status = 413
    elif isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        message = _("Die Anfrage enthält zu viele Felder oder Dateien.")
        status = 413
    else:
        message = _("Die Anfrage konnte nicht verarbeitet werden. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.")
        status = 400
    return render(request, "400.html", {"message": message}, status=status)
