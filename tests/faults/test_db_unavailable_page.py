"""The 503 a database outage produces, in one process (the restart itself: test_postgres_restart.py).

The views raise the errors psycopg raises when PostgreSQL is gone; what is
checked is the project's answer: a friendly page or JSON, Retry-After, logged
once per outage instead of once per request.
"""

import logging
import time

import pytest
from django.db import OperationalError

from hds_site import db_outage, views

pytestmark = pytest.mark.urls("tests.faults.outage_urls")


@pytest.fixture(autouse=True)
def _outage_ends():
    """The outage these views simulate is over after each test (the flag is per process)."""
    yield
    db_outage._outage.clear()


def test_pages_get_a_friendly_503_in_the_visitors_language(client, caplog):
    with caplog.at_level(logging.WARNING):
        german = client.get("/kaputt/")
        english = client.get("/en/kaputt/")
        closed = client.post("/geschlossen/", {"body": "x"})
    for response in (german, english, closed):
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert int(response["Retry-After"]) > 0
        assert response["Cache-Control"] == "no-store"
    assert '<html lang="de">' in german.text and "Wir sind gleich wieder da." in german.text
    assert "Die Datenbank ist gerade nicht erreichbar." in german.text
    assert '<html lang="en">' in english.text and "We will be right back." in english.text
    assert "The database cannot be reached right now." in english.text
    outage = [r for r in caplog.records if r.name == "hds_site.db_outage"]
    assert [r.getMessage() for r in outage] == ["database unavailable, answering 503 until it is back (OperationalError)"]
    assert not [r for r in caplog.records if r.name == "django.request"], "not logged per request"

    time.sleep(db_outage.PROBE_INTERVAL)  # requests within a second of the last probe get the 503 at once
    with caplog.at_level(logging.WARNING):
        assert client.get("/heil/").status_code == 200
    assert caplog.records[-1].getMessage() == "database reachable again"


def test_the_api_gets_json(client):
    response = client.get("/api/v1/kaputt/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"] == "database_unavailable"
    assert response.json()["retry_after"] == int(response["Retry-After"])
    html_client_wants_json = client.get("/kaputt/", headers={"Accept": "application/json"})
    assert html_client_wants_json.json()["status"] == "unavailable"


def test_errors_outside_views_get_the_503_too(rf):
    """handler500 sees errors raised by middleware (e.g. saving the session)."""
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = views.server_error(rf.get("/forum/"))
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    try:
        raise ValueError("a bug")
    except ValueError:
        assert views.server_error(rf.get("/forum/")).status_code == 500
