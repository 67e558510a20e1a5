"""Live fan-out: N real WebSocket clients on one thread, over two Daphne processes sharing Redis.

A member (logged in over HTTP, CSRF token in the form) posts a reply through
the reply form; every client waits for the ``post.created`` envelope of that
post. Baseline in the same run: N clients of a bare Channels consumer
(bench/relay.py) on the same two processes, one ``group_send`` triggered by
an HTTP POST to a bare view. Rounds alternate ours / baseline.

Latency: commit → receipt. The product's envelope carries no commit time,
so the bench server (bench/urls.py) stamps the wall-clock time into each
envelope in ``hds_site.realtime.group_message`` (called by ``_send`` in the on_commit hook);
the relay stamps the time before its group_send. Each client subtracts that
from its receipt time (same machine, same clock). Also reported: HTTP POST
sent → receipt (end to end, including the request) and the POST's response time.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

import websockets

from bench import harness

SIZES = {"quick": dict(levels=[20, 50], rounds=2), "full": dict(levels=[100, 500, 1000], rounds=6)}
WAIT = 10.0  # seconds a round waits for the last client
CONNECT_CONCURRENCY = 25


def load_members(count: int) -> tuple[dict, list[tuple[str, str]]]:
    """A public thread and ``count`` established members (30 days old, one approved post each)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from community import markup
    from community.models import Category, Post, Thread

    User = get_user_model()
    password = "bench-password-2026"
    old = timezone.now() - timezone.timedelta(days=30)
    cat = Category.objects.create(name="Bench: live", slug="bench-live", order=902)
    members = []
    for i in range(count):
        email = f"bench-live-{i}@example.org"
        u = User.objects.create_user(username=f"bench-live-{i}", email=email, password=password, date_joined=old)
        if getattr(u, "profile", None) is not None:
            u.profile.display_name = f"Live{i}"
            u.profile.save()
        EmailAddress.objects.create(user=u, email=email, verified=True, primary=True)
        members.append((u, email))
    thread = Thread.objects.create(category=cat, title="Live-Test für die Fan-out-Messung", author=members[0][0],
                                   created_at=old, last_activity_at=old, last_number=len(members))
    Post.objects.bulk_create([
        Post(thread=thread, author=u, body=f"Hallo {i}", body_html=markup.render(f"Hallo {i}", mentions=False).html,
             number=i + 1, created_at=old)
        for i, (u, _) in enumerate(members)
    ])
    Thread.objects.filter(pk=thread.pk).update(last_post=Post.objects.get(thread=thread, number=len(members)))
    thread.refresh_from_db()
    return {"id": thread.pk, "url": thread.get_absolute_url()}, [(email, password) for _, email in members]


async def login(base: str, email: str, password: str) -> dict:
    cookies, token = harness.csrf_pair()
    r = await harness.http("POST", base + "/konto/login/", cookies=cookies,
                           data={"login": email, "password": password, "csrfmiddlewaretoken": token})
    if r.status != 302 or "sessionid" not in r.cookies:
        raise harness.BenchError(f"login of {email} failed: HTTP {r.status}")
    return {**cookies, **r.cookies}


class Clients:
    """N WebSocket clients; each records when a message matching ``want`` arrives."""

    def __init__(self, urls: list[str], origin_for, resume: bool, sent_key: str):
        self.urls, self.origin_for, self.resume, self.sent_key = urls, origin_for, resume, sent_key
        self.conns: list = []
        self.tasks: list[asyncio.Task] = []
        self.recording = False
        self.inbox: list = []
        self.arrived: dict[int, float] = {}
        self.connect_errors = 0

    async def connect(self):
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(i, url):
            async with sem:
                try:
                    ws = await websockets.connect(url, origin=self.origin_for(url), open_timeout=30,
                                                  max_size=2**20, ping_interval=None)
                except Exception:
                    self.connect_errors += 1
                    return
                if self.resume:
                    await ws.send(json.dumps({"type": "resume", "seq": 0}))
                self.conns.append(ws)
                self.tasks.append(asyncio.create_task(self.listen(i, ws)))

        await asyncio.gather(*(one(i, u) for i, u in enumerate(self.urls)))

    async def listen(self, i: int, ws):
        try:
            async for raw in ws:
                now, wall = time.perf_counter(), time.time()
                if self.recording:
                    self.inbox.append((i, now, wall, raw))
        except Exception:
            return

    async def round(self, trigger) -> dict:
        """Record everything from before the trigger on (the event can beat the HTTP response), then match."""
        self.inbox, self.arrived, self.from_send, self.recording = [], {}, {}, True
        t0, resp_seconds, want = await trigger()
        deadline = time.perf_counter() + WAIT
        seen = 0
        while True:
            for i, at, wall, raw in self.inbox[seen:]:
                msg = json.loads(raw)
                if i not in self.arrived and want(msg):
                    self.arrived[i] = at
                    self.from_send[i] = wall - msg[self.sent_key]
            seen = len(self.inbox)
            if len(self.arrived) >= len(self.conns) or time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.01)
        self.recording = False
        return {"latencies": list(self.from_send.values()), "from_post": [t - t0 for t in self.arrived.values()],
                "arrived": len(self.arrived), "clients": len(self.conns), "http_seconds": resp_seconds}

    async def close(self):
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*(ws.close() for ws in self.conns), return_exceptions=True)


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one when ``pid`` is None), from /proc."""
    if pid is None:
        return time.process_time()
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(env: harness.Env, *, quick: bool) -> dict:
    size = SIZES["quick" if quick else "full"]
    rounds = size["rounds"]
    posts_needed = (rounds + 1) * len(size["levels"])
    thread, members = load_members(posts_needed)
    a = harness.hds_server(env, name="hds-fanout-a")
    b = harness.hds_server(env, name="hds-fanout-b")
    servers = [a, b]
    levels = []
    with a.start(), b.start():
        sessions = [await login(a.base, email, pw) for email, pw in members]
        post_counter = iter(range(10**6))

        async def post_reply():
            n = next(post_counter)
            cookies = sessions[n % len(sessions)]
            body = f"Fan-out-Messung {n}: eine neue Antwort für alle, die gerade zusehen."
            t0 = time.perf_counter()
            # the post lands on process A; half the clients listen on B (through Redis)
            r = await harness.http("POST", f"{a.base}/forum/t/{thread['id']}/antworten/", cookies=cookies,
                                   data={"body": body, "csrfmiddlewaretoken": cookies["csrftoken"]})
            if r.status != 302:
                raise harness.BenchError(f"posting failed: HTTP {r.status} {r.body[:300]!r}")
            number = int(r.header("location").rsplit("#post-", 1)[1])
            return t0, r.seconds, lambda m: m.get("type") == "post.created" and m.get("data", {}).get("number") == number

        async def relay_send():
            cookies, token = harness.csrf_pair()
            n = str(next(post_counter))
            t0 = time.perf_counter()
            r = await harness.http("POST", f"{a.base}/__bench__/relay/", cookies=cookies,
                                   data={"n": n, "csrfmiddlewaretoken": token})
            if r.status != 200:
                raise harness.BenchError(f"relay send failed: HTTP {r.status}")
            return t0, r.seconds, lambda m: m.get("type") == "relay" and m.get("n") == n

        for n in size["levels"]:
            ws_ours = [f"ws://127.0.0.1:{servers[i % 2].port}/ws/community/threads/{thread['id']}/" for i in range(n)]
            ws_base = [f"ws://127.0.0.1:{servers[i % 2].port}/__bench__/relay/" for i in range(n)]
            origin = lambda url: "http://" + url.split("/")[2]  # noqa: E731
            ours = Clients(ws_ours, origin, resume=True, sent_key="bench_sent_at")
            base = Clients(ws_base, origin, resume=False, sent_key="sent")
            t_conn = time.perf_counter()
            await ours.connect()
            await base.connect()
            connect_seconds = time.perf_counter() - t_conn
            await asyncio.sleep(2.5)  # joins, resume replies and the first viewer-count pushes settle
            await ours.round(post_reply)  # warm-up round each
            await base.round(relay_send)
            o_rounds, b_rounds = [], []
            for r in range(rounds):
                pair = [(ours, post_reply, o_rounds), (base, relay_send, b_rounds)]
                for clients, trig, acc in (pair if r % 2 == 0 else pair[::-1]):
                    # where the time goes: CPU seconds of the client process (all N websockets clients, asyncio)
                    # and of each Daphne process during the round, next to the round's wall time
                    before = [time.perf_counter(), cpu_seconds(), *(cpu_seconds(s.proc.pid) for s in servers)]
                    res = await clients.round(trig)
                    after = [time.perf_counter(), cpu_seconds(), *(cpu_seconds(s.proc.pid) for s in servers)]
                    res["cpu"] = [round(y - x, 3) for x, y in zip(before, after, strict=False)]  # wall, clients, A, B
                    acc.append(res)
                    await asyncio.sleep(1.1)  # viewer-count throttle window passes between rounds
            await ours.close()
            await base.close()

            def agg(rs):
                lat = [x for rr in rs for x in rr["latencies"]]
                expected = sum(rr["clients"] for rr in rs)
                from_post = harness.summary_ms([x for rr in rs for x in rr["from_post"]])
                return {**harness.summary_ms(lat), "from_post_p50_ms": from_post.get("p50_ms"),
                        "from_post_p99_ms": from_post.get("p99_ms"), "arrived": sum(rr["arrived"] for rr in rs), "expected": expected,
                        "share_arrived": round(sum(rr["arrived"] for rr in rs) / expected, 4) if expected else 0,
                        "http_ms": [round(rr["http_seconds"] * 1000, 1) for rr in rs],
                        # per round (mean): wall seconds, CPU seconds of the client process, of Daphne A and B
                        "round_wall_cpu_s": {k: round(sum(rr["cpu"][j] for rr in rs) / len(rs), 3)
                                             for j, k in enumerate(["wall", "clients", "daphne_a", "daphne_b"])}}

            o, bb = agg(o_rounds), agg(b_rounds)
            levels.append({
                "clients": n, "connected": len(ours.conns), "connect_errors": ours.connect_errors + base.connect_errors,
                "connect_seconds": round(connect_seconds, 2),
                "ours": o, "relay": bb,
                "ratio_p50": harness.ratio(o.get("p50_ms"), bb.get("p50_ms")),
                "ratio_p99": harness.ratio(o.get("p99_ms"), bb.get("p99_ms")),
                "peak_rss_mb": {s.name: s.peak_rss_mb() for s in servers},
            })
            print(f"  {n} clients: ours p50 {o.get('p50_ms')} p99 {o.get('p99_ms')} ms, "
                  f"arrived {o['share_arrived']:.2%}; relay p50 {bb.get('p50_ms')} p99 {bb.get('p99_ms')} ms; "
                  f"per round wall/CPU s ours {o['round_wall_cpu_s']} relay {bb['round_wall_cpu_s']}", flush=True)
        rss = {s.name: s.peak_rss_mb() for s in servers}

    rows = [[lv["clients"], lv["ours"].get("p50_ms"), lv["ours"].get("p99_ms"), f"{lv['ours']['share_arrived']:.1%}",
             lv["relay"].get("p50_ms"), lv["relay"].get("p99_ms"), f"{lv['relay']['share_arrived']:.1%}",
             lv["ratio_p99"], lv["ours"].get("from_post_p99_ms"), lv["relay"].get("from_post_p99_ms"),
             "/".join(str(v) for v in lv["peak_rss_mb"].values())] for lv in levels]
    harness.print_table(rows, ["clients", "ours p50 ms", "ours p99 ms", "arrived", "relay p50", "relay p99",
                               "relay arrived", "ratio p99", "ours POST->recv p99", "relay POST->recv p99",
                               "peak RSS A/B MB"])
    top = levels[-1]
    summary = [["fanout", f"{lv['clients']} clients p99 ms", lv["ours"].get("p99_ms"), lv["relay"].get("p99_ms"),
                lv["ratio_p99"], "p99 < 1000, ratio <= 2"] for lv in levels]
    summary.append(["fanout", f"{top['clients']} clients arrived", f"{top['ours']['share_arrived']:.1%}",
                    f"{top['relay']['share_arrived']:.1%}", "", "100 %"])
    summary.append(["memory", "fan-out peak RSS A/B MB", "/".join(str(v) for v in rss.values()), "", "", ""])
    return {
        "levels_clients": size["levels"], "rounds": rounds,
        "method": "N websockets clients (asyncio, loopback) split over two Daphne processes (Redis channel layer, "
                  "db 8); member posts through the reply form on process A; latency = HTTP POST sent -> envelope "
                  "received; latency = on_commit send (stamped by the bench server) -> receipt; also POST sent -> receipt; "
                  "rounds alternate with the bare relay",
        "baseline": "bench/relay.py: bare AsyncWebsocketConsumer in one group, one group_send from a bare view",
        "levels": levels,
        "peak_rss_mb": rss,
        "targets": {
            "p99_under_1s": (top["ours"].get("p99_ms") or 1e9) < 1000,
            "all_arrived": top["ours"]["share_arrived"] == 1.0,
            "within_2x_relay": (top["ratio_p99"] or 1e9) <= 2,
        },
        "summary": summary,
    }
