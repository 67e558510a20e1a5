"""PostgreSQL restarts under a running site.

A private PostgreSQL cluster (initdb into the test's temporary directory, a
free port; never the shared server) gets a copy of the migrated test
database (pg_dump/pg_restore: seconds, where migrating takes minutes), and a
real Daphne process serves from it. While replies and signatures are being
written, the server is stopped the hard way (``pg_ctl -m immediate``: cut-off
transactions, crash recovery on start):

* requests during the gap get a friendly 503 (HTML in German or English, JSON
  for ``/api/…`` and ``/readyz``), with ``Retry-After``; the outage is logged
  once;
* nothing half-written remains: every reply is there with its number, its
  counters and its live events, or not at all;
* when PostgreSQL is back the same Daphne process answers again by itself.
"""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns import consent
from community import events
from tests.factories import UserFactory, forum_thread, make_campaign

from .processes import Browser, Daphne, PostgresServer, _pg_bin, daphne_env, database_url, session_cookie

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REQUEST_BOUND = 15  # seconds: no request may hang while the database is away
RECOVERY_BOUND = 30
WRITERS = 4  # members replying at once (the forum allows 5 replies a minute each)
REPLIES_EACH = 4
SIGNERS = 2
SIGNATURES_EACH = 3

OUTAGE = "database unavailable, answering 503 until it is back"
RECOVERED = "database reachable again"


@pytest.fixture
def own_postgres():
    server = PostgresServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def _copy_database(source_url: str, server: PostgresServer, name: str, workdir) -> str:
    """The (migrated, filled) test database, copied into ``server`` as ``name``."""
    dump = workdir / "copy.dump"
    subprocess.run([_pg_bin("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), "-d", source_url],
                   check=True, capture_output=True, timeout=120)
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([_pg_bin("pg_restore"), "--no-owner", "--no-privileges", "-d", server.url(name), str(dump)],
                   check=True, capture_output=True, timeout=120)
    return server.url(name)


def _member(name: str):
    user = UserFactory(display_name=name)
    get_user_model().objects.filter(pk=user.pk).update(date_joined=timezone.now() - timezone.timedelta(days=30))
    user.refresh_from_db()
    return user


def _timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    assert time.monotonic() - started < REQUEST_BOUND, f"{args[0]} hung while the database was away"
    return response


def _assert_friendly_503(response, *, json: bool):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert int(response.headers["Retry-After"]) > 0
    if json:
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()
    assert response.headers["Content-Type"].startswith("text/html")
    return response.text


def test_postgres_restart_gives_503_loses_nothing_half_written_and_recovers(
    transactional_db, postgres, redis_url, own_postgres, tmp_path
):
    writers = [_member(f"Schreiberin {n}") for n in range(WRITERS)]
    thread = forum_thread(author=writers[0], title="Was passiert beim Datenbank-Neustart?", body="Los geht's.")
    campaign = make_campaign(title="Neustartfeste Petition", slug="neustartfeste-petition")
    cookies = [session_cookie(member) for member in writers]
    url = _copy_database(database_url(postgres), own_postgres, "hds_fault", tmp_path)

    # requests under way when the server dies wait for the pool's timeout (default 20 s) before their 503;
    # a shorter one keeps this test short, the answers stay the same
    env = daphne_env(database_url=url, redis_url=redis_url, DB_POOL_TIMEOUT="5")
    daphne = Daphne("A", env, tmp_path)
    try:
        daphne.wait_until_healthy()
        _run_restart_scenario(daphne, own_postgres, url, thread, campaign, cookies)
    finally:
        daphne.stop()


def _run_restart_scenario(daphne, server, url, thread, campaign, cookies):
    reply_path = f"/forum/t/{thread.pk}/antworten/"
    anonymous = Browser(daphne.http)
    assert anonymous.get("/").status_code == 200, daphne.log()
    browsers = [Browser(daphne.http, cookie, timeout=60) for cookie in cookies]
    tokens = [browser.csrf_token(reply_path) for browser in browsers]
    signers = [Browser(daphne.http, timeout=60) for _ in range(SIGNERS)]
    sign_tokens = [browser.csrf_token(campaign.url) for browser in signers]
    with psycopg.connect(url) as conn:
        base_number = conn.execute("SELECT last_number FROM community_thread WHERE id = %s", [thread.pk]).fetchone()[0]

    # --- writes under way when PostgreSQL goes down -----------------------------------
    results: list[tuple[str, str, int]] = []  # (kind, text, status)
    lock = threading.Lock()
    started = threading.Event()

    def reply(n: int):
        for i in range(REPLIES_EACH):
            body = f"Antwort {i + 1} von Schreiberin {n} beim Neustart."
            response = browsers[n].post(reply_path, {"body": body}, tokens[n])
            with lock:
                results.append(("reply", body, response.status_code))
                if len(results) >= WRITERS:
                    started.set()

    def sign(n: int):
        for i in range(SIGNATURES_EACH):
            email = f"neustart.{n}.{i}@example.org"
            data = {"name": f"Person {n}-{i}", "email": email, "country": "DE", "postcode": "10115", "consent": "on",
                    "consent_version": consent.CURRENT_VERSION, "website": ""}
            response = signers[n].post(campaign.url, data, sign_tokens[n])
            with lock:
                results.append(("sign", email, response.status_code))

    with ThreadPoolExecutor(max_workers=WRITERS + SIGNERS) as pool:
        futures = [pool.submit(reply, n) for n in range(WRITERS)] + [pool.submit(sign, n) for n in range(SIGNERS)]
        assert started.wait(REQUEST_BOUND * 2), results
        server.stop("immediate")  # a crash: transactions in flight are cut off
        for future in futures:
            future.result(timeout=90)
    statuses = {status for _kind, _text, status in results}
    assert statuses <= {200, 302, 503}, results
    assert 503 in statuses, results

    # --- during the gap: friendly answers, quickly -------------------------------------------
    german = _assert_friendly_503(_timed(anonymous.get, "/"), json=False)
    assert '<html lang="de">' in german and "Wir sind gleich wieder da." in german
    english = _assert_friendly_503(_timed(anonymous.get, "/en/forum/"), json=False)
    assert '<html lang="en">' in english and "We will be right back." in english
    api = _assert_friendly_503(_timed(anonymous.get, "/api/v1/campaigns/"), json=True)
    assert api["error"] == "database_unavailable"
    ready = _assert_friendly_503(_timed(anonymous.get, "/readyz"), json=True)
    assert ready["failing"] == ["database"]
    posted = _timed(browsers[0].post, reply_path, {"body": "Abgeschickt, während die Datenbank fehlt."}, tokens[0])
    _assert_friendly_503(posted, json=False)
    assert _timed(anonymous.get, "/static/css/site.css").status_code == 200  # static files need no database

    # --- PostgreSQL is back: the same process recovers by itself ------------------------------
    pid = daphne.pid
    server.start()
    deadline = time.monotonic() + RECOVERY_BOUND
    while anonymous.get("/").status_code != 200:
        assert time.monotonic() < deadline, f"not recovered within {RECOVERY_BOUND}s\n{daphne.log()}"
        time.sleep(0.2)
    for path in ["/", "/forum/", thread.get_absolute_url(), campaign.url, "/api/v1/campaigns/", "/readyz"]:
        for _ in range(3):  # every pooled connection is a working one, not only the first
            assert anonymous.get(path).status_code == 200, (path, daphne.log())
    after = browsers[1].post(reply_path, {"body": "Nach dem Neustart geschrieben."}, tokens[1])
    assert after.status_code == 302, (after.status_code, daphne.log())
    assert daphne.pid == pid and daphne.alive()

    # --- nothing half-written ------------------------------------------------------------------
    with psycopg.connect(url) as conn:
        _assert_replies_whole(conn, thread, base_number, results)
        _assert_signatures_whole(conn, campaign, results)

    log = daphne.full_log()
    assert log.count(OUTAGE) == 1, log
    assert log.count(RECOVERED) == 1, log
    assert "Service Unavailable" not in log and "Internal Server Error" not in log, log


def _assert_replies_whole(conn, thread, base_number: int, results) -> None:
    posts = conn.execute(
        "SELECT id, number, body FROM community_post WHERE thread_id = %s AND number > %s ORDER BY number",
        [thread.pk, base_number],
    ).fetchall()
    bodies = [body for _id, _number, body in posts]
    assert len(bodies) == len(set(bodies)), "a reply was stored twice"
    # numbers without a gap: the thread's counter and the post were written together
    assert [number for _id, number, _body in posts] == list(range(base_number + 1, base_number + 1 + len(posts)))
    last_number, reply_count, last_post_id = conn.execute(
        "SELECT last_number, reply_count, last_post_id FROM community_thread WHERE id = %s", [thread.pk]
    ).fetchone()
    assert last_number == base_number + len(posts)
    assert reply_count == conn.execute(
        "SELECT count(*) FROM community_post WHERE thread_id = %s AND number > 1 AND status = 'approved' "
        "AND NOT is_hidden AND NOT is_deleted", [thread.pk]
    ).fetchone()[0]
    assert last_post_id == posts[-1][0]
    # a 302 means stored; a 503 may have come after the commit, so either is fine there
    for kind, body, status in results:
        if kind == "reply" and status == 302:
            assert body in bodies, body
    # every stored reply has its live events (thread and category), every event its reply
    group = events.thread_group(thread.pk)
    rows = conn.execute('SELECT seq, type, data FROM hds_site_liveevent WHERE "group" = %s ORDER BY seq', [group]).fetchall()
    assert [seq for seq, _type, _data in rows] == list(range(1, len(rows) + 1)), "gap in the event log"
    stream = conn.execute('SELECT last_seq FROM hds_site_livestream WHERE "group" = %s', [group]).fetchone()[0]
    assert stream == len(rows)
    created = [data["post_id"] for _seq, type_, data in rows if type_ == events.POST_CREATED]
    assert set(created) >= {post_id for post_id, _number, _body in posts}
    all_posts = {row[0] for row in conn.execute("SELECT id FROM community_post WHERE thread_id = %s", [thread.pk])}
    assert set(created) <= all_posts, "an event of a reply that is not there"
    assert len(created) == len(set(created))
    activity = conn.execute(
        "SELECT data FROM hds_site_liveevent WHERE \"group\" = %s AND type = %s",
        [events.category_group(thread.category_id), events.THREAD_ACTIVITY],
    ).fetchall()
    activity_posts = [data["post_id"] for (data,) in activity]
    assert set(activity_posts) >= {post_id for post_id, _number, _body in posts}
    assert len(activity_posts) == len(set(activity_posts))


def _assert_signatures_whole(conn, campaign, results) -> None:
    rows = conn.execute(
        "SELECT email, consent_at, consent_version, status FROM campaigns_signature WHERE campaign_id = %s",
        [campaign.pk],
    ).fetchall()
    emails = [email for email, *_ in rows]
    assert len(emails) == len(set(emails))
    for email, consent_at, consent_version, status in rows:
        assert consent_at is not None and consent_version and status == "pending", email
    for kind, email, status in results:
        if kind == "sign" and status == 200:
            assert email in emails, email
