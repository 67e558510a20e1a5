"""No secret or personal data in logs: a sign-up and a signing, logged at DEBUG.

1. In-process: every logger at DEBUG, captured through caplog, during sign-up,
   email confirmation, a failed and a good login, signing a campaign and
   confirming the signature.
2. A real Daphne process (LOG_LEVEL=DEBUG, behind a "proxy" that sends
   X-Forwarded-For) doing the same over HTTP; its whole console output is
   scanned.

Neither may contain the email addresses, the password, the signer's name,
SECRET_KEY, the client's IP address, or the confirmation tokens.
"""

import email
import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core import mail

from tests.faults.processes import procfile_web_command

BASE_DIR = Path(__file__).resolve().parents[2]

MEMBER_EMAIL = "geheime.person.4711@example.net"
SIGNER_EMAIL = "unterzeichnerin.0815@example.org"
SIGNER_NAME = "Berta Vertraulich"
PASSWORD = "Zq-nie-im-Log-9931!"
CLIENT_IP = "203.0.113.77"


def forbidden(extra=()):
    items = {
        MEMBER_EMAIL, MEMBER_EMAIL.split("@")[0], SIGNER_EMAIL, SIGNER_EMAIL.split("@")[0],
        SIGNER_NAME, PASSWORD, CLIENT_IP, *extra,
    }
    return {item for item in items if item}


def assert_clean(text: str, secrets) -> None:
    found = sorted(secret for secret in secrets if secret.lower() in text.lower())
    lines = [line[:300] for line in text.splitlines() if any(secret.lower() in line.lower() for secret in found)]
    assert not found, f"found in the logs: {found}\n" + "\n".join(lines[:10])


@pytest.fixture
def every_logger_at_debug(caplog):
    """Root and every existing logger at DEBUG, all feeding caplog through the project's log filters.

    The handler gets the filters that settings/base.py puts on the console
    handler, so the capture is what production would write.
    """
    from hds_site.settings import base

    for name in base.LOGGING["handlers"]["console"].get("filters", []):
        spec = dict(base.LOGGING["filters"][name])
        factory = spec.pop("()")
        module, _, attr = factory.rpartition(".")
        caplog.handler.addFilter(getattr(__import__(module, fromlist=[attr]), attr)(**spec))
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


TOKEN_LINK = re.compile(r"/(confirm-email|bestaetigen|zurueckziehen|abbestellen|meine-daten)/([^/]+)/?$")


def tokens_in(links) -> list[str]:
    return [match.group(2) for link in links if (match := TOKEN_LINK.search(link))]


def log_text(caplog) -> str:
    """What a handler writes: messages with their arguments and tracebacks."""
    return caplog.text + "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.django_db
def test_sign_up_and_signing_leave_no_personal_data_in_the_logs(
    client, every_logger_at_debug, settings, django_capture_on_commit_callbacks
):
    from campaigns import consent
    from tests.factories import make_campaign

    campaign = make_campaign()
    meta = {"REMOTE_ADDR": CLIENT_IP}

    # sign-up
    response = client.post(
        "/konto/signup/",
        {"email": MEMBER_EMAIL, "display_name": "Leise Maus", "password1": PASSWORD, "password2": PASSWORD},
        **meta,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    confirm_links = [link for link in links_in(mail.outbox[-1].body) if "confirm" in link or "bestaet" in link]
    assert confirm_links, mail.outbox[-1].body
    confirm_path = confirm_links[0].split("testserver", 1)[1]
    assert client.post(confirm_path, **meta).status_code == 302

    # a failed and a good login
    client.logout()
    assert client.post("/konto/login/", {"login": MEMBER_EMAIL, "password": PASSWORD + "x"}, **meta).status_code == 200
    assert client.post("/konto/login/", {"login": MEMBER_EMAIL, "password": PASSWORD}, **meta).status_code == 302
    client.logout()

    # signing and confirming a signature
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the confirmation mail goes out after commit
        response = client.post(
            campaign.url,
            {"name": SIGNER_NAME, "email": SIGNER_EMAIL, "country": "DE", "postcode": "10115", "consent": "on",
             "consent_version": consent.CURRENT_VERSION, "website": ""},
            **meta,
        )
    assert response.status_code in (200, 302)
    assert mail.outbox, response.content.decode()[:3000]
    sign_links = links_in(mail.outbox[-1].body)
    confirm = next(link for link in sign_links if "/bestaetigen/" in link).split("testserver", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm, **meta).status_code in (200, 302)

    from campaigns.models import Signature

    assert Signature.objects.get(email=SIGNER_EMAIL).status == "confirmed"
    tokens = tokens_in([confirm_path, *sign_links])
    assert len(tokens) >= 2
    assert every_logger_at_debug.records, "nothing was logged at all: the capture does not work"
    assert_clean(log_text(every_logger_at_debug), forbidden([settings.SECRET_KEY, *tokens]))


# --- a real Daphne process ----------------------------------------------------------

PORT = int(os.environ.get("HDS_SEC_PORT", "8107"))


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def read_mails(folder: Path) -> list[str]:
    """Bodies in the order written: by modification time (the file names sort by second, then by an object id)."""
    bodies = []
    for path in sorted(folder.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk.strip())
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    bodies.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
    return bodies


@pytest.mark.slow
def test_daphne_console_output_has_no_personal_data(tmp_path):
    if not _port_free(PORT):
        pytest.skip(f"port {PORT} is taken")
    secret_key = "daphne-log-test-" + "s3cr3t-K3y-" * 5
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "EMAIL_HOST"}}
    env.update(
        DJANGO_SETTINGS_MODULE="hds_site.settings.dev",
        DEBUG="0",
        LOG_LEVEL="DEBUG",
        SECRET_KEY=secret_key,
        SQLITE_PATH=str(tmp_path / "site.sqlite3"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{PORT}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=600)
    made = subprocess.run(
        [python, "manage.py", "shell", "-c",
         "from tests.factories import make_campaign; print(make_campaign(title='Logtest').url)"],
        cwd=BASE_DIR, env=env, check=True, timeout=120, capture_output=True, text=True,
    )
    campaign_path = made.stdout.strip().splitlines()[-1]
    log_file = tmp_path / "daphne.log"
    with open(log_file, "wb") as out:
        daphne = subprocess.Popen(
            # --proxy-headers: the client's address arrives through a router, as in production
            # the Procfile's command: Daphne writes an NCSA access log (client IP, full path with tokens) to
            # stdout unless started with -v 0, as the Procfile does
            [*procfile_web_command(PORT), "--proxy-headers"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{PORT}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        else:
            pytest.fail("Daphne did not start: " + log_file.read_text()[-2000:])

        session = requests.Session()
        session.headers["X-Forwarded-For"] = CLIENT_IP

        def post(path, data):
            session.get(base + path, timeout=10)
            data = {**data, "csrfmiddlewaretoken": session.cookies.get("csrftoken")}
            return session.post(base + path, data=data, headers={"Referer": base + path}, timeout=30, allow_redirects=False)

        response = post("/konto/signup/", {"email": MEMBER_EMAIL, "display_name": "Leise Maus",
                                            "password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 302, response.text[:2000]
        confirm = next(link for link in links_in(read_mails(tmp_path / "mail")[-1]) if "confirm" in link)
        confirm_path = confirm.split(str(PORT), 1)[1]
        assert post(confirm_path, {}).status_code == 302
        assert post("/konto/login/", {"login": MEMBER_EMAIL, "password": PASSWORD + "x"}).status_code == 200
        assert post("/konto/login/", {"login": MEMBER_EMAIL, "password": PASSWORD}).status_code == 302

        from campaigns import consent

        anonymous = requests.Session()
        anonymous.headers["X-Forwarded-For"] = CLIENT_IP
        session = anonymous
        response = post(campaign_path, {"name": SIGNER_NAME, "email": SIGNER_EMAIL, "country": "DE", "postcode": "10115",
                                        "consent": "on", "consent_version": consent.CURRENT_VERSION, "website": ""})
        assert response.status_code in (200, 302), response.text[:2000]
        sign_links = links_in(read_mails(tmp_path / "mail")[-1])
        confirm_sig = next(link for link in sign_links if "/bestaetigen/" in link).split(str(PORT), 1)[1]
        assert post(confirm_sig, {}).status_code in (200, 302)
        # a request Django logs for sure (django.request WARNING), to prove the log reaches the console
        assert requests.get(base + "/logtest-marker-404/", timeout=10).status_code == 404
        time.sleep(0.5)
    finally:
        daphne.terminate()
        try:
            daphne.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daphne.kill()
    output = log_file.read_text(errors="replace")
    assert "logtest-marker-404" in output, "the console log was not captured: " + output[-2000:]
    tokens = tokens_in([confirm_path, *sign_links])
    assert len(tokens) >= 2
    assert_clean(output, forbidden([secret_key, *tokens]))
