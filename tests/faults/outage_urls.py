"""URLs for tests/faults/test_db_unavailable_page.py: views that meet a database that is gone."""

from django.conf.urls.i18n import i18n_patterns
from django.db import InterfaceError, OperationalError
from django.urls import path


def gone(request):
    raise OperationalError("connection to server at \"127.0.0.1\", port 5432 failed: Connection refused")


def closed(request):
    raise InterfaceError("connection already closed")


def fine(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


urlpatterns = [
    path("api/v1/kaputt/", gone),
]
urlpatterns = i18n_patterns(
    path("kaputt/", gone), path("geschlossen/", closed), path("heil/", fine), prefix_default_language=False
) + urlpatterns
