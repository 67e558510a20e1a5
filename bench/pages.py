"""Editorial pages served by Daphne: home, a topic hub, an article (anonymous GETs, p50/p95).

The project has no page cache (every request renders the Wagtail page), so
only the uncached figures exist; the JSON says so. The three pages are
requested in turn (ABCABC…) so noise hits all of them; SQL queries per page
are counted in-process.
"""

from __future__ import annotations

from bench import harness

SIZES = {"quick": dict(rounds=10), "full": dict(rounds=100)}


def page_urls() -> dict[str, str]:
    from hds_site.content.models import ArticlePage, HomePage, TopicPage

    out = {}
    for label, model in (("home", HomePage), ("topic hub", TopicPage), ("article", ArticlePage)):
        page = model.objects.live().filter(locale__language_code="de").first() or model.objects.live().first()
        if page is None:
            raise harness.BenchError(f"no live {model.__name__} in the bench database (seed_demo should have made one)")
        out[label] = page.url
    return out


def count_queries(url: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    return len(ctx.captured_queries) if r.status_code == 200 else None


async def run(env: harness.Env, *, quick: bool) -> dict:
    rounds = SIZES["quick" if quick else "full"]["rounds"]
    urls = page_urls()
    queries = {label: count_queries(u) for label, u in urls.items()}
    times: dict[str, list[float]] = {label: [] for label in urls}
    sizes: dict[str, int] = {}
    srv = harness.hds_server(env, name="hds-pages")
    with srv.start():
        for label, u in urls.items():  # warm-up
            for _ in range(3):
                r = await harness.http("GET", srv.base + u)
                if r.status != 200:
                    raise harness.BenchError(f"{label} {u}: HTTP {r.status}")
                sizes[label] = len(r.body)
        for i in range(rounds):
            order = list(urls.items())
            for label, u in order[i % 3:] + order[:i % 3]:
                r = await harness.http("GET", srv.base + u)
                if r.status == 200:
                    times[label].append(r.seconds)
        rss = srv.peak_rss_mb()
    results = [{"page": label, "url": urls[label], "bytes": sizes[label], "queries": queries[label],
                "uncached": harness.summary_ms(times[label]), "cached": None} for label in urls]
    harness.print_table([[r["page"], r["url"], r["bytes"], r["queries"], r["uncached"]["p50_ms"],
                          r["uncached"]["p95_ms"]] for r in results],
                        ["page", "url", "bytes", "SQL", "p50 ms", "p95 ms"])
    return {
        "rounds": rounds, "method": "HTTP GET over loopback, anonymous, new connection per request, pages in turn",
        "page_cache": "none: the project has no page cache yet; every request renders the page",
        "results": results, "peak_rss_mb": {srv.name: rss},
        "summary": [["pages", f"{r['page']} p50/p95 ms (no cache)", f"{r['uncached']['p50_ms']}/{r['uncached']['p95_ms']}",
                     "", "", ""] for r in results],
    }
