"""Thread page and category list: ours against django-machina 1.3.1, same data, same PostgreSQL, both on Daphne.

Data (bulk-loaded, not through the services: this is fixture loading, not
the path under test): one thread of POSTS posts and one category of THREADS
threads with one post each; bodies from bench/data.py rendered by each side's
own renderer. Both servers: anonymous reader, pages of 100 posts, 50 threads.
Timing: the whole HTTP exchange over loopback (new connection per request),
ours and machina's alternately (ABAB…). SQL queries: each view run
in-process under CaptureQueriesContext (ours here, machina's in its venv).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import data, harness

SIZES = {"quick": dict(posts=200, threads=50, rounds=8), "full": dict(posts=10_000, threads=1_000, rounds=40)}
PER_PAGE = 100
MACHINA_PY = harness.MACHINA_VENV / "bin" / "python"
MACHINA_DAPHNE = harness.MACHINA_VENV / "bin" / "daphne"


def load_ours(posts: int, threads: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from community import markup
    from community.models import Category, Post, Thread

    User = get_user_model()
    with transaction.atomic():
        authors = []
        for i in range(20):
            u = User.objects.create_user(username=f"bench-author-{i}", email=f"bench-author-{i}@example.org", password=None)
            profile = getattr(u, "profile", None)
            if profile is not None:
                profile.display_name = f"Autorin{i}"
                profile.save()
            authors.append(u)
        now = timezone.now()
        cat = Category.objects.create(name="Bench: langes Thema", slug="bench-lang", order=900)
        thread = Thread.objects.create(category=cat, title=data.title(0), author=authors[0], created_at=now,
                                       last_activity_at=now, last_number=posts, reply_count=posts - 1)
        Post.objects.bulk_create([
            Post(thread=thread, author=authors[n % 20], body=data.body(n),
                 body_html=markup.render(data.body(n), mentions=False).html,
                 created_at=now - timezone.timedelta(seconds=posts - n), number=n)
            for n in range(1, posts + 1)
        ], batch_size=1000)
        last = Post.objects.get(thread=thread, number=posts)
        Thread.objects.filter(pk=thread.pk).update(last_post=last)

        list_cat = Category.objects.create(name="Bench: viele Themen", slug="bench-viele", order=901)
        rows = Thread.objects.bulk_create([
            Thread(category=list_cat, title=data.title(i), slug=f"thema-{i}", author=authors[i % 20],
                   created_at=now - timezone.timedelta(seconds=threads - i),
                   last_activity_at=now - timezone.timedelta(seconds=threads - i), last_number=1, reply_count=0)
            for i in range(1, threads + 1)
        ], batch_size=1000)
        Post.objects.bulk_create([
            Post(thread=t, author=authors[i % 20], body=data.body(100_000 + i),
                 body_html=markup.render(data.body(100_000 + i), mentions=False).html, number=1,
                 created_at=t.created_at)
            for i, t in enumerate(rows, 1)
        ], batch_size=1000)
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE community_thread t SET last_post_id = p.id FROM community_post p "
                "WHERE p.thread_id = t.id AND t.category_id = %s", [list_cat.pk],
            )
        thread.refresh_from_db()
    return {"thread": thread.get_absolute_url(), "category": f"/forum/c/{list_cat.slug}/"}


def machina_env(env: harness.Env) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    e.update(MACHINA_DATABASE_URL=env.db_url(harness.MACHINA_DB), PYTHONPATH=str(harness.ROOT),
             DJANGO_SETTINGS_MODULE="bench.machina_project.settings", HDS_BENCH_POSTS_PER_PAGE=str(PER_PAGE))
    return e


def machina_available() -> str | None:
    """None when the machina venv works, else why not (stated in the results)."""
    if not MACHINA_PY.exists():
        return (f"{harness.MACHINA_VENV.relative_to(harness.ROOT)} is missing: "
                "python3 -m venv bench/.machina-venv && bench/.machina-venv/bin/pip install "
                "-r bench/machina_project/requirements.txt")
    probe = subprocess.run([str(MACHINA_PY), "-c", "import machina, django, psycopg2, daphne; print(django.get_version())"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return "the machina virtualenv cannot import its packages: " + probe.stderr.strip()[-300:]
    return None


def ensure_machina_venv() -> None:
    """Create bench/.machina-venv from bench/machina_project/requirements.txt when it is missing."""
    if MACHINA_PY.exists():
        return
    print("bench: creating bench/.machina-venv (django-machina 1.3.1) …", flush=True)
    base_python = getattr(sys, "_base_executable", None) or "python3"  # the Python behind .venv: same Python
    subprocess.run([base_python, "-m", "venv", str(harness.MACHINA_VENV)], check=False)
    if MACHINA_PY.exists():
        subprocess.run([str(MACHINA_PY), "-m", "pip", "install", "--quiet", "-r",
                        str(harness.BENCH_DIR / "machina_project" / "requirements.txt")], check=False)


def load_machina(env: harness.Env, posts: int, threads: int) -> dict:
    harness.create_database(env, harness.MACHINA_DB)
    out = subprocess.run([str(MACHINA_PY), "-m", "bench.machina_project.load", str(posts), str(threads)],
                         cwd=harness.ROOT, env=machina_env(env), capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise harness.BenchError("loading machina's data failed:\n" + out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def count_ours(url: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(url)  # warm (caches, first-request imports)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


def count_machina(env: harness.Env, urls: list[str]) -> list[int | None]:
    out = subprocess.run([str(MACHINA_PY), "-m", "bench.machina_project.count_queries", *urls],
                         cwd=harness.ROOT, env=machina_env(env), capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        print(out.stderr[-1500:], file=sys.stderr)
        return [None] * len(urls)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _with_page(url: str, page: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page={page}"


async def run(env: harness.Env, *, quick: bool) -> dict:
    size = SIZES["quick" if quick else "full"]
    posts, threads, rounds = size["posts"], size["threads"], size["rounds"]
    pages = max(1, -(-posts // PER_PAGE))
    page_numbers = {"first": 1, "middle": max(1, (pages + 1) // 2), "last": pages}

    ours_urls = load_ours(posts, threads)
    ensure_machina_venv()
    why_not = machina_available()
    machina_urls = load_machina(env, posts, threads) if why_not is None else None

    targets = [(f"thread page {label} (p{n})", _with_page(ours_urls["thread"], n),
                _with_page(machina_urls["topic"], n) if machina_urls else None)
               for label, n in page_numbers.items()]
    targets.append((f"category list ({threads} threads)", ours_urls["category"],
                    machina_urls["forum"] if machina_urls else None))

    ours_counts = [count_ours(u) for _, u, _ in targets]
    machina_counts = count_machina(env, [m for _, _, m in targets]) if machina_urls else [None] * len(targets)

    results = []
    ours_srv = harness.hds_server(env, name="hds-thread", HDS_BENCH_POSTS_PER_PAGE=PER_PAGE)
    mach_srv = None
    if machina_urls:
        port = harness.free_port()
        mach_srv = harness.Server(
            name="machina", port=port, env=machina_env(env),
            argv=[str(MACHINA_DAPHNE), "-b", "127.0.0.1", "-p", str(port), "bench.machina_project.asgi:application"],
        )
    with ours_srv.start():
        if mach_srv:
            mach_srv.start()
        try:
            for (label, ours_url, mach_url), qn, mqn in zip(targets, ours_counts, machina_counts, strict=False):
                async def get_ours(u=ours_url):
                    r = await harness.http("GET", ours_srv.base + u)
                    if r.status != 200:
                        raise harness.BenchError(f"ours {u}: HTTP {r.status}")
                    return r.seconds

                async def get_machina(u=mach_url):
                    r = await harness.http("GET", mach_srv.base + u)
                    if r.status != 200:
                        raise harness.BenchError(f"machina {u}: HTTP {r.status}")
                    return r.seconds

                if mach_srv:
                    a, b = await harness.alternate(get_ours, get_machina, rounds)
                else:
                    a = [await get_ours() for _ in range(rounds)]
                    b = []
                sa, sb = harness.summary_ms(a), harness.summary_ms(b)
                results.append({
                    "page": label, "ours_url": ours_url, "machina_url": mach_url,
                    "ours": sa, "machina": sb, "ours_queries": qn, "machina_queries": mqn,
                    "ratio_p50": harness.ratio(sa.get("p50_ms"), sb.get("p50_ms")),
                    "ratio_p95": harness.ratio(sa.get("p95_ms"), sb.get("p95_ms")),
                })
        finally:
            if mach_srv:
                mach_srv.stop()

    rows = [[r["page"], r["ours"]["p50_ms"], r["ours"]["p95_ms"], r["ours_queries"],
             r["machina"].get("p50_ms"), r["machina"].get("p95_ms"), r["machina_queries"], r["ratio_p50"]]
            for r in results]
    harness.print_table(rows, ["page", "ours p50 ms", "ours p95 ms", "ours SQL", "machina p50", "machina p95",
                               "machina SQL", "ratio p50"])
    thread_counts = [r["ours_queries"] for r in results[:3]]
    summary = [["thread_page", r["page"] + " p50 ms", r["ours"]["p50_ms"], r["machina"].get("p50_ms"),
                r["ratio_p50"], "ratio < 1"] for r in results]
    summary.append(["thread_page", "SQL queries first/middle/last", "/".join(map(str, thread_counts)),
                    "/".join(str(r["machina_queries"]) for r in results[:3]), "", "constant"])
    return {
        "sizes": {"posts": posts, "threads": threads, "per_page": PER_PAGE, "rounds": rounds},
        "method": "HTTP GET over loopback, new connection per request, anonymous; ours and machina alternately (ABAB)",
        "baseline": "django-machina 1.3.1 (own virtualenv, Django 4.2, psycopg2) on Daphne, same PostgreSQL server"
        if why_not is None else None,
        "baseline_unavailable": why_not,
        "results": results,
        "queries_constant": len(set(thread_counts)) == 1,
        "targets": {
            "faster_than_machina": all((r["ratio_p50"] or 9) < 1 for r in results) if why_not is None else None,
            "queries_constant": len(set(thread_counts)) == 1,
        },
        "summary": summary,
    }
