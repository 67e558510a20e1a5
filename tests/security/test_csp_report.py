"""The CSP report endpoint (hds_site/csp_report.py) and the policy that points at it."""

import json
import logging

import pytest
from django.test import Client

from tests.security.test_headers import parse_csp

URL = "/csp-report/"
TOKEN = "MTIz:1vH8Qx:geheimes-Bestaetigungstoken-abc123"
EMAIL = "anna.beispiel@example.com"


def legacy_report(**overrides):
    """What report-uri browsers send (application/csp-report)."""
    report = {
        "document-uri": f"https://hds.example.org/kampagnen/bestaetigen/{TOKEN}/?email={EMAIL}",
        "referrer": f"https://mail.example.net/inbox?user={EMAIL}",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; script-src 'self'",
        "disposition": "enforce",
        "blocked-uri": f"https://tracker.example/pixel.js?uid={EMAIL}",
        "line-number": 12,
        "source-file": "https://hds.example.org/static/js/live.js",
        "status-code": 200,
        "script-sample": f"alert('{EMAIL}')",
    }
    report.update(overrides)
    return {"csp-report": report}


def reporting_api_report(**overrides):
    """What report-to browsers send (application/reports+json): a list of reports."""
    body = {
        "documentURL": f"https://hds.example.org/konto/mitglieder/Anna%20Beispiel/?from={EMAIL}",
        "referrer": "",
        "blockedURL": "inline",
        "effectiveDirective": "style-src-attr",
        "originalPolicy": "style-src 'self'",
        "disposition": "enforce",
        "statusCode": 200,
        "sample": f"color:red /* {EMAIL} */",
        "lineNumber": 3,
        "sourceFile": "https://hds.example.org/konto/mitglieder/Anna%20Beispiel/",
    }
    body.update(overrides)
    return [
        {"type": "csp-violation", "age": 10, "url": body["documentURL"], "user_agent": "Mozilla/5.0", "body": body},
        {"type": "deprecation", "age": 10, "url": "https://hds.example.org/", "body": {"id": "x"}},
    ]


def post(client, payload, content_type="application/csp-report", **extra):
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(URL, data=data, content_type=content_type, **extra)


def csp_records(caplog):
    return [r for r in caplog.records if r.name == "hds_site.csp"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/konto/login/", "/cms/login/"])
def test_the_policy_names_our_report_endpoint(client, path):
    response = client.get(path)
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["report-uri"] == [URL]
    assert policy["report-to"] == ["csp-endpoint"]
    assert response["Reporting-Endpoints"] == 'csp-endpoint="http://testserver/csp-report/"'


def test_a_legacy_report_is_accepted_without_csrf_and_logged_once_without_personal_data(caplog):
    client = Client(enforce_csrf_checks=True)
    caplog.set_level(logging.INFO)
    response = post(client, legacy_report())
    assert response.status_code == 204
    records = csp_records(caplog)
    assert len(records) == 1
    message = records[0].getMessage()
    assert "script-src-elem" in message
    assert "https://tracker.example" in message
    assert "kampagnen/bestaetigen/<str:token>/" in message, "the page as its URL pattern"
    for secret in (EMAIL, TOKEN, "geheimes", "pixel.js", "uid=", "alert(", "mail.example.net"):
        assert secret not in message

    # the same violation again (another visitor, another token): not logged again
    assert post(client, legacy_report(**{"document-uri": "https://hds.example.org/kampagnen/bestaetigen/anders/"})).status_code == 204
    assert len(csp_records(caplog)) == 1
    # a different one is
    assert post(client, legacy_report(**{"effective-directive": "img-src", "violated-directive": "img-src"})).status_code == 204
    assert len(csp_records(caplog)) == 2


@pytest.mark.django_db
def test_a_reporting_api_batch_is_accepted_and_summarised(client, caplog):
    caplog.set_level(logging.INFO)
    response = post(client, reporting_api_report(), content_type="application/reports+json")
    assert response.status_code == 204
    records = csp_records(caplog)
    assert len(records) == 1, "only the csp-violation of the batch"
    message = records[0].getMessage()
    assert "style-src-attr" in message and "inline" in message
    assert "mitglieder/<str:display_name>/" in message
    assert "Anna" not in message and EMAIL not in message and "color:red" not in message


def test_oversized_reports_are_refused_unread(client, settings, caplog):
    settings.HDS_CSP_REPORT_MAX_BYTES = 2048
    caplog.set_level(logging.INFO)
    big = legacy_report(**{"script-sample": "x" * 4096})
    assert post(client, big).status_code == 413
    assert csp_records(caplog) == []


def test_reports_are_rate_limited_per_client(client, settings):
    settings.HDS_CSP_REPORT_RATE = 3
    for n in range(3):
        report = legacy_report(**{"line-number": n})
        assert post(client, report, REMOTE_ADDR="203.0.113.5").status_code == 204
    assert post(client, legacy_report(), REMOTE_ADDR="203.0.113.5").status_code == 429
    # another client is not affected
    assert post(client, legacy_report(), REMOTE_ADDR="203.0.113.6").status_code == 204


@pytest.mark.parametrize(
    ("method", "body", "content_type", "status"),
    [
        ("get", None, None, 405),
        ("post", "{}", "text/plain", 415),
        ("post", "<xml/>", "application/xml", 415),
        ("post", "{nicht json", "application/csp-report", 400),
        ("post", b"\xff\xfe\x00", "application/reports+json", 400),
        ("post", "[1, 2, 3]", "application/reports+json", 204),
        ("post", '{"csp-report": "kaputt"}', "application/csp-report", 204),
        ("post", '{"csp-report": {"blocked-uri": 5, "line-number": {"a": 1}}}', "application/csp-report", 204),
        ("post", json.dumps([{"type": "csp-violation", "body": "x"}]), "application/reports+json", 204),
    ],
)
def test_junk_gets_a_clear_status_never_a_500(client, method, body, content_type, status):
    if method == "get":
        response = client.get(URL)
    else:
        response = client.post(URL, data=body, content_type=content_type)
    assert response.status_code == status


def test_reporting_can_be_switched_off(rf, settings):
    from django.http import HttpResponse

    from hds_site.security import SecurityHeadersMiddleware

    settings.HDS_CSP_REPORT_URI = ""
    response = SecurityHeadersMiddleware(lambda r: HttpResponse("x"))(rf.get("/"))
    policy = parse_csp(response["Content-Security-Policy"])
    assert "report-uri" not in policy and "report-to" not in policy
    assert "Reporting-Endpoints" not in response
