"""Search at N forum posts on PostgreSQL: our search against the raw full-text SQL, same terms, same run.

Data: THREADS threads of 100 posts bulk-loaded (bodies from bench/data.py;
5,000 distinct bodies rendered once and cycled, so the load stays short),
then indexed by the search app's own bulk path (``search.services.rebuild``,
what ``manage.py search_index --rebuild`` runs); its duration is reported.
Then ``VACUUM ANALYZE`` of the documents table, as autovacuum would do in
production (the server the bench ran on had autovacuum off).

Measured alternately (ABAB) in this process, anonymous viewer:

* ours: ``search.selectors.search_page`` — what the view calls: match,
  facet counts (types, topics), one ranked page of 10, snippets;
* raw SQL: the full-text query of docs/search.md written by hand — the same
  ``plainto_tsquery('german', …)`` terms ANDed, ``ts_rank`` ordered, LIMIT 10;
* for reference, the whole search page over HTTP from a Daphne process.
"""

from __future__ import annotations

import time

from bench import data, harness

SIZES = {"quick": dict(threads=20, rounds=10), "full": dict(threads=1000, rounds=40)}
POSTS_PER_THREAD = 100
DISTINCT_BODIES = 5000
QUERIES = ["Honorar", "Rechnung Steuer", "Künstlersozialkasse", "Datenschutz Impressum Haftung", "Stundensatz Kunde"]

RAW_SQL = """
SELECT id, title, ts_rank(search_vector, q) AS rank
FROM search_searchdocument, ({tsquery}) AS t(q)
WHERE search_vector @@ q AND moderation_only = false AND audience = ANY(%s)
ORDER BY rank DESC, date DESC NULLS LAST, id DESC
LIMIT 10
"""


def raw_sql(terms: list[str]) -> str:
    """The hand-written query: each folded term a plainto_tsquery('german', …), ANDed (as the backend does)."""
    return RAW_SQL.format(tsquery="SELECT " + " && ".join(["plainto_tsquery('german', %s)"] * len(terms)))


def load_posts(threads: int) -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from community import markup
    from community.models import Category, Post, Thread

    User = get_user_model()
    now = timezone.now()
    bodies = [(data.body(200_000 + i), None) for i in range(min(DISTINCT_BODIES, threads * POSTS_PER_THREAD))]
    bodies = [(b, markup.render(b, mentions=False).html) for b, _ in bodies]
    with transaction.atomic():
        author = User.objects.create_user(username="bench-search", email="bench-search@example.org", password=None)
        cat = Category.objects.create(name="Bench: Suche", slug="bench-suche", order=903)
        rows = Thread.objects.bulk_create([
            Thread(category=cat, title=data.title(500_000 + i), slug=f"suche-{i}", author=author, created_at=now,
                   last_activity_at=now, last_number=POSTS_PER_THREAD, reply_count=POSTS_PER_THREAD - 1)
            for i in range(threads)
        ], batch_size=1000)
        n = 0
        for t in rows:
            batch = []
            for number in range(1, POSTS_PER_THREAD + 1):
                body, html = bodies[n % len(bodies)]
                batch.append(Post(thread=t, author=author, body=body, body_html=html, number=number,
                                  created_at=now - timezone.timedelta(seconds=n)))
                n += 1
            Post.objects.bulk_create(batch)
    return n


async def run(env: harness.Env, *, quick: bool) -> dict:
    from django.db import connection

    from search import selectors, services
    from search import text as textlib
    from search.models import SearchDocument
    from search.permissions import viewer_for

    size = SIZES["quick" if quick else "full"]
    t0 = time.perf_counter()
    posts = load_posts(size["threads"])
    load_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    documents = services.rebuild()
    index_seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        # what autovacuum does soon after a rebuild in production: fresh statistics, the visibility map set
        # (this server runs with autovacuum off); dead rows, had there been any, would favour the index path
        cur.execute("VACUUM ANALYZE search_searchdocument")
    print(f"  {posts} posts loaded in {load_seconds:.0f} s; index rebuilt ({documents} documents) in "
          f"{index_seconds:.0f} s", flush=True)

    from django.contrib.auth.models import AnonymousUser

    viewer = viewer_for(AnonymousUser())
    audiences = sorted(viewer.audiences)
    results = []
    srv = harness.hds_server(env, name="hds-search")
    with srv.start():
        for q in QUERIES:
            terms = textlib.query_terms(q)
            sql = raw_sql(terms)

            async def ours(q=q):
                t = time.perf_counter()
                page = selectors.search_page(text=q, viewer=viewer)
                ours.total = page.results.total
                return time.perf_counter() - t

            async def raw(sql=sql, terms=terms):
                t = time.perf_counter()
                with connection.cursor() as cur:
                    cur.execute(sql, [*terms, audiences])
                    raw.rows = cur.fetchall()
                return time.perf_counter() - t

            a, b = await harness.alternate(ours, raw, size["rounds"])
            http_times = []
            from urllib.parse import quote

            for _ in range(max(5, size["rounds"] // 4)):
                r = await harness.http("GET", f"{srv.base}/suche/?q={quote(q)}")
                if r.status == 200:
                    http_times.append(r.seconds)
            sa, sb, sh = harness.summary_ms(a), harness.summary_ms(b), harness.summary_ms(http_times)
            results.append({"query": q, "terms": terms, "matches": getattr(ours, "total", None),
                            "ours": sa, "raw_sql": sb, "http_page": sh,
                            "ratio_p50": harness.ratio(sa.get("p50_ms"), sb.get("p50_ms")),
                            "ratio_p95": harness.ratio(sa.get("p95_ms"), sb.get("p95_ms"))})
    harness.print_table([[r["query"], r["matches"], r["ours"]["p50_ms"], r["ours"]["p95_ms"], r["raw_sql"]["p50_ms"],
                          r["raw_sql"]["p95_ms"], r["ratio_p95"], r["http_page"].get("p95_ms")] for r in results],
                        ["query", "matches", "ours p50", "ours p95", "raw p50", "raw p95", "ratio p95", "HTTP p95"])
    worst = max((r["ratio_p95"] or 0) for r in results)
    return {
        "posts": posts, "documents": SearchDocument.objects.count(), "load_seconds": round(load_seconds, 1),
        "index_rebuild_seconds": round(index_seconds, 1),
        "method": "in-process, alternating (ABAB): search.selectors.search_page vs the raw tsquery SQL; "
                  "HTTP page via Daphne for reference",
        "baseline": "raw SQL: " + " ".join(RAW_SQL.split()) + " (one plainto_tsquery per term)",
        "results": results, "worst_ratio_p95": worst,
        "targets": {"p95_within_2x_raw": worst <= 2},
        "summary": [["search", f"'{r['query']}' p95 ms", r["ours"]["p95_ms"], r["raw_sql"]["p95_ms"], r["ratio_p95"],
                     "ratio <= 2"] for r in results],
    }

