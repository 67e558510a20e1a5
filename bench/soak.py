"""Soak (``make soak``): minutes of mixed traffic on two Daphne processes, then checks for errors, losses and leaks.

    python -m bench.soak                      five minutes (the default)
    python -m bench.soak --duration 60        one minute (development)
    python -m bench.soak --rate 20 --watchers 100

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); uses its own databases
hds_soak and hds_soak_template on that server and Redis db 5 (not the
benchmark's hds_bench*/db 8, so it can run beside ``make bench``).

What runs (all real processes on 127.0.0.1, production-like settings from
bench/soak_settings.py): two Daphne processes sharing PostgreSQL and Redis,
one ``db_worker`` that sends the mails (to files: the soak reads them as a
signer reads their inbox). The traffic, spread over both processes:

* anonymous browsing: home, topic hub, article, forum index, a category,
  threads, the campaign page, search;
* members (logged in through the login form) reply through the thread page's
  reply form (GET the page, take the CSRF token from the form, POST);
* visitors sign the petition through the campaign page's form, wait for the
  confirmation mail, open its link and confirm with the page's POST;
* WebSocket watchers (``websockets``) on three threads and the campaign; every
  few seconds one watcher is dropped on purpose and reconnects to the other
  process, resuming with the last ``seq`` it saw.

Checks at the end (exit 1 when one fails): no 5xx and no transport error;
every request answered as expected; every reply that got its redirect exists
and reached every watcher of its thread exactly once; every confirmed
signature is counted (campaign counter == COUNT(*) of confirmed signatures)
and the campaign watchers saw the final count; no traceback in the server
logs; the resident memory of each Daphne process flat after warm-up (least-
squares slope of RSS over the last 80 % of the run below --max-slope MB/min).
Prints request counts and p50/p99 per kind, writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.header
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from bench import harness

SOAK_DB = "hds_soak"
SOAK_TEMPLATE_DB = "hds_soak_template"
SOAK_REDIS_DB = 5
SETTINGS = "bench.soak_settings"
PASSWORD = "soak-password-2026"

# share of the actions (one action = 1 request for browsing, 2 for a reply, 4 for a signature)
WEIGHTS = {"browse": 0.74, "reply": 0.08, "sign": 0.18}
REQUESTS_PER_ACTION = {"browse": 1, "reply": 2, "sign": 4}
SEARCH_WORDS = ["Honorar", "Rente", "Krankenkasse", "Steuer", "Vertrag", "Akquise", "Beratung", "Stundensatz"]
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIRM_RE = re.compile(r"https?://[^\s\"'<>]+/bestaetigen/[^\s\"'<>/]+/")
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
CONNECT_CONCURRENCY = 10


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=300, help="seconds of traffic (default 300)")
    p.add_argument("--rate", type=float, default=30, help="target HTTP requests per second (default 30)")
    p.add_argument("--watchers", type=int, default=200, help="WebSocket watchers (default 200)")
    p.add_argument("--threads", type=int, default=3, help="threads the members reply in and watchers watch (default 3)")
    p.add_argument("--members", type=int, default=40, help="members who reply (the forum allows 5 posts/min each)")
    p.add_argument("--concurrency", type=int, default=10, help="actions in flight at most (default 10)")
    p.add_argument("--churn", type=float, default=3.0,
                   help="seconds between deliberate drops of one watcher, which then resumes on the other process "
                        "(0: never; default 3)")
    p.add_argument("--sample-interval", type=float, default=3.0, help="seconds between RSS samples (default 3)")
    p.add_argument("--warmup-share", type=float, default=0.2, help="share of the run treated as warm-up (default 0.2)")
    p.add_argument("--max-slope", type=float, default=2.0,
                   help="largest RSS slope after warm-up that counts as flat, MB/min per process (default 2.0)")
    p.add_argument("--mail-timeout", type=float, default=60, help="seconds a signer waits for the confirmation mail")
    p.add_argument("--http-timeout", type=float, default=60,
                   help="seconds before a request counts as failed (default 60; latencies show slowness)")
    p.add_argument("--rebuild-template", action="store_true", help="re-run migrations into the template database")
    return p.parse_args(argv)


# --- environment ---------------------------------------------------------------------


def check_env() -> harness.Env:
    missing = [n for n in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(n, "").strip()]
    if missing:
        raise harness.BenchError(
            "make soak needs PostgreSQL and Redis (two Daphne processes share both). Unset: " + ", ".join(missing) + ".\n"
            "  e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
            "REDIS_URL=redis://127.0.0.1:6379/5 make soak\n"
            f"  (the soak uses its own databases {SOAK_DB}, {SOAK_TEMPLATE_DB} on that server and Redis db "
            f"{SOAK_REDIS_DB}; the database name in DATABASE_URL is only used to connect)"
        )
    env = harness.check_env()  # scheme, reachability
    parts = urlsplit(os.environ["REDIS_URL"].strip())
    env.redis_url = urlunsplit((parts.scheme, parts.netloc, f"/{SOAK_REDIS_DB}", "", ""))
    return env


# --- data ----------------------------------------------------------------------------


def load_data(n_threads: int, n_members: int) -> dict:
    """Members allowed to post at once (30 days old, one approved post), threads to reply in, URLs to browse."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from campaigns.models import CampaignPage
    from community import markup
    from community.models import Category, Post, Thread
    from hds_site.content.models import ArticlePage, HomePage, TopicPage

    User = get_user_model()
    old = timezone.now() - timezone.timedelta(days=30)
    password = make_password(PASSWORD)  # one hash for all (hashing 40 times would only cost time)
    cat = Category.objects.create(name="Dauertest", slug="dauertest", order=950)
    members = []
    for i in range(n_members):
        addr = f"soak-member-{i}@example.org"
        u = User.objects.create(username=f"soak-member-{i}", email=addr, password=password, date_joined=old)
        if getattr(u, "profile", None) is not None:
            u.profile.display_name = f"Dauer{i}"
            u.profile.save()
        EmailAddress.objects.create(user=u, email=addr, verified=True, primary=True)
        members.append((u, addr))
    threads = []
    for t in range(n_threads):
        thread = Thread.objects.create(category=cat, title=f"Dauertest Thema {t + 1}: Honorare und Verträge",
                                       author=members[t % n_members][0], created_at=old, last_activity_at=old,
                                       last_number=0)
        threads.append(thread)
    # every member gets one approved post (no pre-moderation), spread over the threads
    for i, (u, _) in enumerate(members):
        thread = threads[i % n_threads]
        thread.last_number += 1
        body = f"Hallo, ich bin Mitglied {i} und lese hier mit."
        Post.objects.create(thread=thread, author=u, body=body, body_html=markup.render(body, mentions=False).html,
                            number=thread.last_number, created_at=old)
    for thread in threads:
        last = Post.objects.filter(thread=thread).order_by("-number").first()
        Thread.objects.filter(pk=thread.pk).update(last_number=thread.last_number, last_post=last,
                                                   reply_count=max(0, thread.last_number - 1))
        thread.refresh_from_db()

    def first(model):
        page = model.objects.live().filter(locale__language_code="de").first() or model.objects.live().first()
        if page is None:
            raise harness.BenchError(f"no live {model.__name__} in the soak database (seed_demo should have made one)")
        return page

    campaign = next((p for p in CampaignPage.objects.live().specific() if p.is_open), None)
    if campaign is None:
        raise harness.BenchError("no open campaign in the soak database (seed_demo should have made one)")
    other_threads = list(Thread.objects.exclude(category=cat).filter(category__members_only=False,
                                                                      category__group__isnull=True)[:5])
    browse = {
        "home": [first(HomePage).url],
        "topic": [first(TopicPage).url],
        "article": [p.url for p in ArticlePage.objects.live().filter(locale__language_code="de")[:5]] or [first(ArticlePage).url],
        "forum": ["/forum/"],
        "category": [f"/forum/c/{cat.slug}/"],
        "thread": [t.get_absolute_url() for t in threads + other_threads],
        "campaign": [campaign.url],
        "search": [f"/suche/?q={quote(w)}" for w in SEARCH_WORDS],
    }
    return {
        "members": [addr for _, addr in members],
        "threads": [{"id": t.pk, "url": t.get_absolute_url(), "group": f"thread.{t.pk}"} for t in threads],
        "campaign": {"id": campaign.pk, "slug": campaign.slug, "url": campaign.url},
        "browse": browse,
    }


# --- HTTP traffic --------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(Counter))
    unexpected: list = field(default_factory=list)
    transport_errors: list = field(default_factory=list)
    timeout: float = 60.0  # a request slower than this counts as a transport error (the figures show slowness)

    async def request(self, kind: str, method: str, url: str, *, expect: tuple[int, ...] = (200,), **kw):
        try:
            r = await harness.http(method, url, timeout=self.timeout, **kw)
        except Exception as exc:
            self.statuses[kind]["error"] += 1
            self.transport_errors.append(f"{kind} {method} {urlsplit(url).path}: {exc.__class__.__name__}: {exc}")
            return None
        self.statuses[kind][r.status] += 1
        self.latencies[kind].append(r.seconds)
        if r.status not in expect:
            text = r.body[:2000].decode("utf-8", "replace")
            hint = re.findall(r'class="[^"]*(?:error|errorlist)[^"]*"[^>]*>\s*(?:<li>)?([^<]{1,160})', text)
            self.unexpected.append(f"{kind} {method} {urlsplit(url).path}: HTTP {r.status}"
                                   + (f" ({hint[0].strip()})" if hint else ""))
        return r

    def count_5xx(self) -> int:
        return sum(n for c in self.statuses.values() for s, n in c.items() if isinstance(s, int) and s >= 500)


class Mailbox:
    """Reads the mail files the worker writes; hands each confirmation link to the signer waiting for it."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.offsets: dict[Path, int] = {}
        self.links: dict[str, str] = {}
        self.waiting: dict[str, asyncio.Future] = {}
        self.messages = 0
        self.by_subject = Counter()

    def poll(self) -> None:
        for path in sorted(self.dir.glob("*.log")):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            start = self.offsets.get(path, 0)
            while True:
                end = data.find(MAIL_SEPARATOR, start)
                if end < 0:
                    break
                self._message(data[start:end])
                start = end + len(MAIL_SEPARATOR)
            self.offsets[path] = start

    def _message(self, raw: bytes) -> None:
        msg = email.message_from_bytes(raw)
        self.messages += 1
        to = (msg.get("To") or "").strip().lower()
        subject = str(email.header.make_header(email.header.decode_header(msg.get("Subject", ""))))
        self.by_subject[subject[:60]] += 1
        text = ""
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                text += part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace")
        m = CONFIRM_RE.search(text)
        if m and to:
            path = urlsplit(m.group(0)).path  # the link names SITE_URL; the soak opens it on its own servers
            self.links[to] = path
            fut = self.waiting.pop(to, None)
            if fut and not fut.done():
                fut.set_result(path)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.to_thread(self.poll)
            await asyncio.sleep(0.25)

    async def link_for(self, addr: str, timeout: float) -> str | None:
        addr = addr.lower()
        if addr in self.links:
            return self.links[addr]
        fut = asyncio.get_running_loop().create_future()
        self.waiting[addr] = fut
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return None


def csrf_from(body: bytes) -> str | None:
    m = CSRF_RE.search(body.decode("utf-8", "replace"))
    return m.group(1) if m else None


class Traffic:
    def __init__(self, servers, data: dict, stats: Stats, mailbox: Mailbox, args, run_id: str):
        self.servers, self.data, self.stats, self.mailbox, self.args = servers, data, stats, mailbox, args
        self.run_id = run_id
        self.rr = itertools.count()
        self.sessions: list[dict] = []
        self.member_turn = itertools.count()
        self.replies: list[dict] = []  # {"thread": id, "number": n, "body": ...} for every 302
        self.reply_attempts = 0
        self.signers: list[dict] = []  # {"email", "signed": bool, "confirmed": bool, ...}
        self.signer_seq = itertools.count()
        self.rng = random.Random(2026)
        self.actions = Counter()

    def base(self) -> str:
        return self.servers[next(self.rr) % len(self.servers)].base

    async def login_all(self) -> None:
        async def one(i, addr):
            base = self.servers[i % len(self.servers)].base
            cookies, token = harness.csrf_pair()
            r = await self.stats.request("login", "POST", base + "/konto/login/", cookies=cookies, expect=(302,),
                                         data={"login": addr, "password": PASSWORD, "csrfmiddlewaretoken": token})
            if r is None or r.status != 302 or "sessionid" not in r.cookies:
                raise harness.BenchError(f"login of {addr} failed: HTTP {getattr(r, 'status', None)}")
            return {**cookies, **r.cookies}

        res = await harness.gather_bounded([one(i, a) for i, a in enumerate(self.data["members"])], 4)
        for r in res:
            if isinstance(r, Exception):
                raise r
        self.sessions = list(res)

    async def browse(self) -> None:
        kind = self.rng.choice(list(self.data["browse"]))
        url = self.rng.choice(self.data["browse"][kind])
        await self.stats.request(kind, "GET", self.base() + url)

    async def reply(self) -> None:
        n = next(self.member_turn)
        cookies = dict(self.sessions[n % len(self.sessions)])
        thread = self.data["threads"][n % len(self.data["threads"])]
        base = self.base()
        page = await self.stats.request("thread (member)", "GET", base + thread["url"], cookies=cookies)
        if page is None or page.status != 200:
            return
        cookies.update(page.cookies)
        token = csrf_from(page.body)
        if token is None:
            self.stats.unexpected.append(f"thread page {thread['url']}: no reply form with a CSRF token for a member")
            return
        body = f"Dauertest {self.run_id}, Antwort {n}: Wie haltet ihr es mit Abschlagszahlungen bei langen Projekten?"
        self.reply_attempts += 1
        r = await self.stats.request("reply POST", "POST", f"{self.base()}/forum/t/{thread['id']}/antworten/",
                                     cookies=cookies, expect=(302,), data={"body": body, "csrfmiddlewaretoken": token})
        if r is not None and r.status == 302:
            loc = r.header("location") or ""
            number = int(loc.rsplit("#post-", 1)[1]) if "#post-" in loc else None
            self.replies.append({"thread": thread["id"], "number": number, "body": body})

    async def sign(self) -> None:
        from campaigns import consent

        i = next(self.signer_seq)
        addr = f"soak-{self.run_id}-{i}@example.org"
        rec = {"email": addr, "signed": False, "mail": False, "confirmed": False}
        self.signers.append(rec)
        url = self.data["campaign"]["url"]
        page = await self.stats.request("campaign (sign form)", "GET", self.base() + url)
        if page is None or page.status != 200:
            return
        token = csrf_from(page.body)
        cookies = dict(page.cookies)
        if token is None or "csrftoken" not in cookies:
            self.stats.unexpected.append("campaign page: no sign form with a CSRF token and cookie")
            return
        form = {"name": f"Dauer Test {i}", "email": addr, "country": "DE", "postcode": f"{10115 + (i * 37) % 80000:05d}",
                "consent": "on", "consent_version": consent.CURRENT_VERSION, "website": "", "csrfmiddlewaretoken": token}
        r = await self.stats.request("sign POST", "POST", self.base() + url, cookies=cookies, data=form)
        if r is None or r.status != 200:
            return
        rec["signed"] = True
        link = await self.mailbox.link_for(addr, self.args.mail_timeout)
        if link is None:
            self.stats.unexpected.append(f"no confirmation mail for {addr} within {self.args.mail_timeout:.0f} s")
            return
        rec["mail"] = True
        base = self.base()  # the link may be opened on either process
        ask = await self.stats.request("confirm GET", "GET", base + link)
        if ask is None or ask.status != 200:
            return
        cookies2 = dict(ask.cookies)
        token2 = csrf_from(ask.body)
        if token2 is None or "csrftoken" not in cookies2:
            self.stats.unexpected.append("confirmation page: no form with a CSRF token and cookie")
            return
        done = await self.stats.request("confirm POST", "POST", self.base() + link, cookies=cookies2,
                                        data={"csrfmiddlewaretoken": token2})
        if done is not None and done.status == 200:
            rec["confirmed"] = True

    async def run(self, stop_at: float) -> dict:
        """Open loop: start actions at the rate that gives ``--rate`` requests/s, at most ``--concurrency`` at once."""
        mean_requests = sum(WEIGHTS[k] * REQUESTS_PER_ACTION[k] for k in WEIGHTS)
        interval = mean_requests / self.args.rate
        sem = asyncio.Semaphore(self.args.concurrency)
        tasks: set[asyncio.Task] = set()
        kinds, weights = list(WEIGHTS), [WEIGHTS[k] for k in WEIGHTS]
        delayed = 0
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            kind = self.rng.choices(kinds, weights)[0]
            if sem.locked():
                delayed += 1
            await sem.acquire()
            self.actions[kind] += 1

            async def act(k=kind):
                try:
                    await getattr(self, k)()
                except Exception as exc:  # a bug in the soak itself must show, not hang it
                    self.stats.unexpected.append(f"{k}: soak client error {exc.__class__.__name__}: {exc}")
                finally:
                    sem.release()

            t = asyncio.create_task(act())
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if tasks:  # signers still waiting for their mail, replies in flight
            await asyncio.wait(tasks, timeout=self.args.mail_timeout + 30)
        return {"actions": dict(self.actions), "delayed_by_concurrency_cap": delayed}


# --- WebSocket watchers --------------------------------------------------------------


class Watcher:
    def __init__(self, idx: int, path: str, ports: list[int], kind: str, target):
        self.idx, self.path, self.ports, self.kind, self.target = idx, path, ports, kind, target
        self.port_i = idx % len(ports)
        self.last_seq = 0
        self.posts = Counter()  # post number -> times received (thread watchers)
        self.count = None  # last campaign count (campaign watchers)
        self.duplicates_seq = 0  # an event with a seq at or below one already seen
        self.gaps = 0  # an event skipping seqs (should be filled from the log before it is sent)
        self.connects = 0
        self.drops = 0  # an open socket closed without the soak asking
        self.kicks = 0  # planned disconnects (churn)
        self.connect_errors = 0  # handshakes that failed (then retried with backoff)
        self.errors: list[str] = []
        self.delivery: list[float] = []  # commit (bench_sent_at) -> receipt, seconds
        self.ws = None
        self.kicked = False
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event, gate: asyncio.Semaphore) -> None:
        """Connect (at most ``gate`` handshakes at once), resume from the last seq, listen; again after a drop."""
        import websockets

        failures = 0
        while not stop.is_set():
            port = self.ports[self.port_i]
            opened = False
            try:
                async with gate:
                    ws = await websockets.connect(f"ws://127.0.0.1:{port}{self.path}", origin=f"http://127.0.0.1:{port}",
                                                  open_timeout=30, max_size=2**22, ping_interval=20, ping_timeout=60)
                    opened = True
                    self.ws = ws
                    self.connects += 1
                    await ws.send(json.dumps({"type": "resume", "seq": self.last_seq}))
                failures = 0
                self.ready.set()
                async with ws:
                    async for raw in ws:
                        self.on_message(json.loads(raw))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not opened:
                    self.connect_errors += 1
                    failures += 1
                self.errors.append(f"{exc.__class__.__name__}: {str(exc)[:120]}")
            if stop.is_set():
                break
            if self.kicked:
                self.kicked = False
            elif opened:
                self.drops += 1
            self.port_i = (self.port_i + 1) % len(self.ports)  # come back through the other process
            await asyncio.sleep(min(5.0, 0.2 * 2 ** failures) * random.uniform(0.5, 1.0))

    def on_message(self, msg: dict) -> None:
        seq = msg.get("seq")
        if isinstance(seq, int):
            if seq <= self.last_seq:
                self.duplicates_seq += 1
            elif seq > self.last_seq + 1:
                self.gaps += 1
            self.last_seq = max(self.last_seq, seq)
        kind = msg.get("type")
        if kind == "post.created":
            number = (msg.get("data") or {}).get("number")
            self.posts[number] += 1
            if "bench_sent_at" in msg:
                self.delivery.append(time.time() - msg["bench_sent_at"])
        elif kind == "campaign.count":
            self.count = (msg.get("data") or {}).get("count")
        elif kind == "resync":
            self.errors.append(f"resync to {msg.get('data')}")
        elif kind == "error":
            self.errors.append(f"error frame {msg.get('code')}: {msg.get('message')}")

    async def kick(self) -> None:
        if self.ws is not None:
            self.kicked = True
            self.kicks += 1
            await self.ws.close()


# --- memory --------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def sample_memory(servers, stop: asyncio.Event, interval: float, t0: float, samples: dict) -> None:
    while not stop.is_set():
        now = time.monotonic() - t0
        for s in servers:
            v = rss_mb(s.proc.pid)
            if v is not None:
                samples[s.name].append((round(now, 1), round(v, 1)))
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass


def slope_mb_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB), in MB per minute."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if not den:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / den * 60


def memory_report(samples: dict, duration: float, warmup_share: float, max_slope: float) -> dict:
    out = {}
    cut = duration * warmup_share
    for name, pts in samples.items():
        after = [p for p in pts if p[0] >= cut]
        values = [v for _, v in pts]
        after_values = [v for _, v in after]
        slope = slope_mb_per_min(after)
        out[name] = {
            "samples": len(pts), "start_mb": values[0] if values else None, "end_mb": values[-1] if values else None,
            "min_mb": min(values) if values else None, "max_mb": max(values) if values else None,
            "after_warmup": {"from_s": round(cut, 1), "first_mb": after_values[0] if after_values else None,
                             "last_mb": after_values[-1] if after_values else None,
                             "min_mb": min(after_values) if after_values else None,
                             "max_mb": max(after_values) if after_values else None},
            "slope_mb_per_min": round(slope, 3) if slope is not None else None,
            "flat": slope is not None and slope < max_slope,
            "series": pts,
        }
    return out


# --- end checks ----------------------------------------------------------------------


def check_replies(traffic: Traffic, watchers: list[Watcher]) -> dict:
    from community.models import Post

    missing_db, lost, dupes = [], Counter(), Counter()
    numbers_by_thread = defaultdict(set)
    for rep in traffic.replies:
        ok = Post.objects.filter(thread_id=rep["thread"], number=rep["number"], body=rep["body"]).exists()
        if not ok:
            missing_db.append(rep)
        numbers_by_thread[rep["thread"]].add(rep["number"])
    for w in watchers:
        if w.kind != "thread":
            continue
        for number in numbers_by_thread[w.target]:
            got = w.posts.get(number, 0)
            if got == 0:
                lost[w.idx] += 1
            elif got > 1:
                dupes[w.idx] += got - 1
    thread_watchers = [w for w in watchers if w.kind == "thread"]
    deliveries_expected = sum(len(numbers_by_thread[w.target]) for w in thread_watchers)
    return {
        "replies_attempted": traffic.reply_attempts, "replies_redirected": len(traffic.replies),
        "missing_in_database": len(missing_db), "missing_samples": missing_db[:5],
        "thread_watchers": len(thread_watchers), "deliveries_expected": deliveries_expected,
        "deliveries_lost": sum(lost.values()), "watchers_missing_posts": len(lost),
        "deliveries_duplicated": sum(dupes.values()),
        "ok": not missing_db and not lost and not dupes and traffic.replies != [],
    }


def check_signatures(traffic: Traffic, watchers: list[Watcher], campaign_id: int) -> dict:
    from campaigns import selectors
    from campaigns.abuse import normalize_email
    from campaigns.models import Signature

    confirmed_here = [s for s in traffic.signers if s["confirmed"]]
    statuses = dict(Signature.objects.filter(campaign_id=campaign_id,
                                             email_normalized__in=[normalize_email(s["email"]) for s in traffic.signers])
                    .values_list("email_normalized", "status"))
    not_confirmed = [s["email"] for s in confirmed_here if statuses.get(normalize_email(s["email"])) != "confirmed"]
    counter = selectors.signature_count(campaign_id)
    rows = Signature.objects.filter(campaign_id=campaign_id, status=Signature.Status.CONFIRMED).count()
    campaign_watchers = [w for w in watchers if w.kind == "campaign"]
    stale = [w.count for w in campaign_watchers if w.count != counter]
    return {
        "signers": len(traffic.signers), "signed": sum(s["signed"] for s in traffic.signers),
        "mails_received": sum(s["mail"] for s in traffic.signers), "confirmed": len(confirmed_here),
        "confirmed_but_not_in_database": len(not_confirmed), "samples": not_confirmed[:5],
        "counter": counter, "confirmed_rows": rows, "counter_exact": counter == rows,
        "campaign_watchers": len(campaign_watchers), "watchers_with_final_count": len(campaign_watchers) - len(stale),
        "stale_counts_seen": Counter(stale).most_common(5),
        "ok": counter == rows and not not_confirmed and not stale and bool(confirmed_here),
    }


# a consumer sends (a live event) in the moment its client closed: Daphne raises in the application and logs
# it; the socket was gone anyway and the client resumes on reconnect. Reported, not counted as a failure.
BENIGN_LOG_ERRORS = {"autobahn.exception.Disconnected": "send after the client closed (Daphne logs it; nothing lost)"}


def scan_logs(paths: list[Path]) -> dict:
    """ERROR lines and tracebacks of the server and worker logs, grouped by the exception that ended them."""
    kinds: Counter = Counter()
    samples: dict[str, str] = {}
    for p in paths:
        try:
            lines = p.read_text(errors="replace").splitlines()
        except OSError:
            continue
        i = 0
        while i < len(lines):
            line = lines[i]
            if " ERROR " in line or line.startswith("Traceback"):
                j, exc = i + 1, line.split(" ERROR ", 1)[-1][:200]
                while True:  # a chained traceback is one error; the last exception names it
                    while j < len(lines) and (lines[j].startswith((" ", "Traceback", "During handling", "The above"))
                                              or not lines[j].strip()):
                        j += 1
                    if j < len(lines) and j > i + 1 and re.match(r"^[\w.]+(: |$)", lines[j]):
                        exc = lines[j][:200]
                        j += 1
                        k = j
                        while k < len(lines) and not lines[k].strip():
                            k += 1
                        if k < len(lines) and lines[k].startswith(("During handling", "The above")):
                            j = k
                            continue
                    break
                key = exc.split(":", 1)[0]
                kinds[key] += 1
                samples.setdefault(key, f"{p.name}: {line[:160]} ... {exc}")
                i = j
                continue
            i += 1
    failing = {k: n for k, n in kinds.items() if k not in BENIGN_LOG_ERRORS}
    return {"count": sum(kinds.values()), "by_exception": dict(kinds), "failing": failing,
            "benign": {k: {"count": kinds[k], "why": BENIGN_LOG_ERRORS[k]} for k in kinds if k in BENIGN_LOG_ERRORS},
            "samples": list(samples.values())[:8], "ok": not failing}


# --- main ----------------------------------------------------------------------------


async def soak(env: harness.Env, args, data: dict, mail_dir: Path) -> dict:
    run_id = time.strftime("%H%M%S")
    extra = dict(DJANGO_SETTINGS_MODULE=SETTINGS, DATABASE_URL=env.db_url(SOAK_DB), REDIS_URL=env.redis_url,
                 HDS_SOAK_MAIL_DIR=str(mail_dir), HDS_BENCH_POSTS_PER_PAGE="20")
    a = harness.hds_server(env, name="soak-a", **extra)
    b = harness.hds_server(env, name="soak-b", **extra)
    worker = harness.Server(name="soak-worker", port=0, env=harness.hds_server_env(env, **extra),
                            argv=[sys.executable, "manage.py", "db_worker", "--interval", "0.5", "--no-startup-delay"])
    servers = [a, b]
    stats = Stats(timeout=args.http_timeout)
    mailbox = Mailbox(mail_dir)
    stop = asyncio.Event()
    with a.start(), b.start():
        _start_worker(worker)
        try:
            for s in servers:  # first requests import and connect; not part of the figures
                for url in ["/", data["campaign"]["url"], data["threads"][0]["url"]]:
                    await harness.http("GET", s.base + url)
            traffic = Traffic(servers, data, stats, mailbox, args, run_id)
            await traffic.login_all()

            ports = [s.port for s in servers]
            watchers = []
            n_campaign = max(1, args.watchers // 4) if args.watchers >= 4 else 0
            for i in range(args.watchers):
                if i < args.watchers - n_campaign:
                    th = data["threads"][i % len(data["threads"])]
                    watchers.append(Watcher(i, f"/ws/community/threads/{th['id']}/", ports, "thread", th["id"]))
                else:
                    watchers.append(Watcher(i, f"/ws/campaigns/{data['campaign']['slug']}/", ports, "campaign",
                                            data["campaign"]["id"]))
            gate = asyncio.Semaphore(CONNECT_CONCURRENCY)  # handshakes in flight (Daphne gives each 5 s to accept)
            t_conn = time.monotonic()
            wtasks = [asyncio.create_task(w.run(stop, gate)) for w in watchers]
            try:
                await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in watchers)), 120)
            except TimeoutError as exc:
                late = [w for w in watchers if not w.ready.is_set()]
                raise harness.BenchError(f"{len(late)} of {len(watchers)} watchers could not connect within 120 s: "
                                         + "; ".join(sorted({e for w in late for e in w.errors[-1:]})[:5])) from exc
            connect_seconds = time.monotonic() - t_conn
            await asyncio.sleep(2.5)  # resume answers, first viewer-count pushes
            print(f"soak: {len(watchers)} watchers connected in {connect_seconds:.1f} s; "
                  f"{len(traffic.sessions)} members logged in; traffic for {args.duration:.0f} s at ~{args.rate:.0f} req/s",
                  flush=True)

            samples = {s.name: [] for s in servers}
            t0 = time.monotonic()
            mem_stop = asyncio.Event()
            bg = [asyncio.create_task(sample_memory(servers, mem_stop, args.sample_interval, t0, samples)),
                  asyncio.create_task(mailbox.run(stop))]
            churn_rng = random.Random(7)

            async def churn():
                while not stop.is_set() and args.churn > 0:
                    await asyncio.sleep(args.churn)
                    await churn_rng.choice(watchers).kick()

            async def progress():
                while True:
                    await asyncio.sleep(30)
                    el = time.monotonic() - t0
                    n = sum(sum(c.values()) for c in stats.statuses.values())
                    rss = "/".join(f"{samples[s.name][-1][1]:.0f}" for s in servers if samples[s.name])
                    print(f"  {el:5.0f} s: {n} requests ({n / el:.1f}/s), {len(traffic.replies)} replies, "
                          f"{sum(s['confirmed'] for s in traffic.signers)} confirmed signatures, 5xx {stats.count_5xx()}, "
                          f"RSS {rss} MB", flush=True)

            bg += [asyncio.create_task(churn()), asyncio.create_task(progress())]
            load = await traffic.run(t0 + args.duration)
            traffic_seconds = time.monotonic() - t0
            mem_stop.set()
            # let the last live events and the trailing count push arrive
            await asyncio.sleep(4)
            stop.set()
            for t in bg:
                t.cancel()
            for w in watchers:
                if w.ws is not None:
                    await w.ws.close()
            await asyncio.wait(wtasks, timeout=10)
            for t in wtasks:
                t.cancel()
        finally:
            worker.stop()
        logs = [s.log_path for s in servers + [worker]]
    log_scan = scan_logs(logs)

    requests = {kind: {"count": sum(stats.statuses[kind].values()),
                       "statuses": {str(k): v for k, v in sorted(stats.statuses[kind].items(), key=str)},
                       **{k: v for k, v in harness.summary_ms(stats.latencies[kind]).items() if k != "n"}}
                for kind in sorted(stats.statuses)}
    total = sum(r["count"] for r in requests.values())
    replies = check_replies(traffic, watchers)
    signatures = check_signatures(traffic, watchers, data["campaign"]["id"])
    memory = memory_report(samples, traffic_seconds, args.warmup_share, args.max_slope)
    deliveries = [d for w in watchers for d in w.delivery]
    ws = {
        "watchers": len(watchers), "connect_seconds": round(connect_seconds, 2),
        "connects": sum(w.connects for w in watchers), "planned_drops": sum(w.kicks for w in watchers),
        "unplanned_drops": sum(w.drops for w in watchers), "connect_errors": sum(w.connect_errors for w in watchers),
        "duplicate_seq": sum(w.duplicates_seq for w in watchers), "seq_gaps": sum(w.gaps for w in watchers),
        "error_frames": [e for w in watchers for e in w.errors if e.startswith(("error frame", "resync"))][:5],
        "client_errors": Counter(e for w in watchers for e in w.errors).most_common(8),
        "post_delivery": harness.summary_ms(deliveries),
    }
    checks = {
        "zero_5xx": stats.count_5xx() == 0,
        "zero_transport_errors": not stats.transport_errors,
        "all_answers_expected": not stats.unexpected,
        "zero_lost_posts": replies["ok"] and ws["duplicate_seq"] == 0 and ws["seq_gaps"] == 0,
        "zero_lost_signatures": signatures["ok"],
        # an open socket the server dropped; a failed handshake is retried and reported (connect_errors), the
        # deliveries check above shows whether anything was lost through it
        "no_dropped_websockets": ws["unplanned_drops"] == 0,
        "no_errors_in_server_logs": log_scan["ok"],
        "memory_flat": all(m["flat"] for m in memory.values()) and bool(memory),
    }
    return {
        "duration_s": args.duration, "traffic_seconds": round(traffic_seconds, 1),
        "target_rate_per_s": args.rate, "achieved_rate_per_s": round(total / traffic_seconds, 1) if traffic_seconds else None,
        "requests_total": total, "load": load, "requests": requests,
        "unexpected_samples": stats.unexpected[:10], "unexpected_count": len(stats.unexpected),
        "transport_error_samples": stats.transport_errors[:10],
        "replies": replies, "signatures": signatures, "websockets": ws,
        "mail": {"messages": mailbox.messages, "by_subject": dict(mailbox.by_subject)},
        "memory": memory, "memory_criterion": f"least-squares slope of VmRSS over the last {100 - args.warmup_share * 100:.0f} % "
                                             f"of the run < {args.max_slope} MB/min per Daphne process",
        "server_logs": log_scan, "checks": checks, "ok": all(checks.values()),
        "servers": {"daphne": 2, "worker": 1, "settings": SETTINGS, "database": SOAK_DB, "redis_db": SOAK_REDIS_DB},
    }


def _start_worker(worker: harness.Server) -> None:
    worker.log_path = Path(f"/tmp/hds-soak-worker-{os.getpid()}.log")
    log = open(worker.log_path, "wb")
    worker.proc = subprocess.Popen(worker.argv, env=worker.env, cwd=str(harness.ROOT), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)


def print_report(res: dict) -> None:
    print("\n== soak: requests ==")
    harness.print_table([[k, r["count"], r.get("p50_ms"), r.get("p99_ms"), r.get("max_ms"),
                          " ".join(f"{s}:{n}" for s, n in r["statuses"].items())] for k, r in res["requests"].items()],
                        ["kind", "count", "p50 ms", "p99 ms", "max ms", "statuses"])
    print(f"  {res['requests_total']} requests in {res['traffic_seconds']} s = {res['achieved_rate_per_s']}/s "
          f"(target {res['target_rate_per_s']}/s); actions {res['load']['actions']}")
    rp, sg, ws = res["replies"], res["signatures"], res["websockets"]
    print("\n== soak: posts, signatures, WebSockets ==")
    print(f"  replies: {rp['replies_redirected']} of {rp['replies_attempted']} redirected, "
          f"{rp['missing_in_database']} missing in the database; {rp['thread_watchers']} thread watchers: "
          f"{rp['deliveries_expected'] - rp['deliveries_lost']} of {rp['deliveries_expected']} deliveries, "
          f"{rp['deliveries_lost']} lost, {rp['deliveries_duplicated']} duplicated")
    print(f"  signatures: {sg['signers']} signers, {sg['signed']} signed, {sg['mails_received']} mails read, "
          f"{sg['confirmed']} confirmed ({sg['confirmed_but_not_in_database']} not confirmed in the database); "
          f"counter {sg['counter']} vs COUNT(*) {sg['confirmed_rows']}; {sg['watchers_with_final_count']} of "
          f"{sg['campaign_watchers']} campaign watchers saw the final count")
    d = ws["post_delivery"]
    print(f"  websockets: {ws['watchers']} watchers, {ws['connects']} connections ({ws['planned_drops']} planned drops "
          f"with resume, {ws['unplanned_drops']} unplanned, {ws['connect_errors']} failed handshakes retried); duplicate seq "
          f"{ws['duplicate_seq']}, gaps {ws['seq_gaps']}; commit->receipt p50 {d.get('p50_ms')} ms, p99 {d.get('p99_ms')} ms "
          f"over {d.get('n', 0)} deliveries")
    print(f"  mails written by the worker: {res['mail']['messages']}")
    print("\n== soak: memory (VmRSS of each Daphne process) ==")
    print(f"  criterion: {res['memory_criterion']}")
    harness.print_table([[n, m["samples"], m["start_mb"], m["after_warmup"]["first_mb"], m["after_warmup"]["min_mb"],
                          m["after_warmup"]["max_mb"], m["end_mb"], m["slope_mb_per_min"], "flat" if m["flat"] else "RISING"]
                         for n, m in res["memory"].items()],
                        ["process", "samples", "start MB", "after warm-up MB", "min", "max", "end MB", "slope MB/min", ""])
    print("\n== soak: checks ==")
    for name, ok in res["checks"].items():
        print(f"  {'ok  ' if ok else 'FAIL'}  {name}")
    for label, key in (("unexpected answers", "unexpected_samples"), ("transport errors", "transport_error_samples")):
        if res[key]:
            print(f"  {label}: " + "; ".join(res[key][:5]))
    logs = res["server_logs"]
    if logs["count"]:
        print(f"  server/worker log errors by exception: {logs['by_exception']} (benign: {list(logs['benign'])})")
        print("    " + "\n    ".join(logs["samples"]))
    if ws["error_frames"]:
        print("  websocket error frames: " + "; ".join(ws["error_frames"]))
    if ws["client_errors"]:
        print("  websocket client errors: " + "; ".join(f"{n}x {e}" for e, n in ws["client_errors"]))


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        env = check_env()
    except harness.BenchError as exc:
        print(f"soak: {exc}", file=sys.stderr)
        return 2
    from bench.__main__ import prepare_database, setup_django

    harness.raise_fd_limit()
    harness.flush_redis(env)
    prepare_database(env, rebuild=args.rebuild_template, db=SOAK_DB, template=SOAK_TEMPLATE_DB)
    setup_django(env, db=SOAK_DB, settings=SETTINGS)
    mail_dir = Path(f"/tmp/hds-soak-mail-{os.getpid()}")
    shutil.rmtree(mail_dir, ignore_errors=True)
    mail_dir.mkdir(parents=True)
    os.environ["HDS_SOAK_MAIL_DIR"] = str(mail_dir)
    started = time.monotonic()
    try:
        data = load_data(args.threads, args.members)
        res = asyncio.run(soak(env, args, data, mail_dir))
    except harness.BenchError as exc:
        print(f"soak: {exc}", file=sys.stderr)
        return 1
    finally:
        from django.db import connections

        connections.close_all()
    res["seconds"] = round(time.monotonic() - started, 1)
    print_report(res)
    path = harness.write_result("soak", res, env)
    print(f"\n-> {path.relative_to(harness.ROOT)}")
    shutil.rmtree(mail_dir, ignore_errors=True)
    if not res["ok"]:
        print("soak: FAILED: " + ", ".join(k for k, v in res["checks"].items() if not v), file=sys.stderr)
        return 1
    print("soak: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
