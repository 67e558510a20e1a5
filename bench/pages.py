"""Editorial pages served by Daphne: home, a topic hub, an article (anonymous GETs, p50/p95), with and without the page cache.

Two Daphne processes on the same database and Redis: one with the page cache
(``hds_site.pagecache``, Redis-backed, the default), one with it switched off
(``PAGE_CACHE_SECONDS=0``). Each round requests every page from both, in
turn (ABAB, the page order rotating), so noise hits both alike. The cached
process is warmed first (the first request of each page renders and stores
it); the figures are hits: what an anonymous visitor gets until an editor
publishes. SQL queries per page are counted in-process, for a miss and a hit.
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


def count_queries(url: str, *, cached: bool) -> int | None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(HDS_PAGE_CACHE_SECONDS=300 if cached else 0):
        client = Client(HTTP_HOST="127.0.0.1")
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
    if r.status_code != 200 or (cached and r.get("X-Page-Cache") != "hit"):
        return None
    return len(ctx.captured_queries)


async def run(env: harness.Env, *, quick: bool) -> dict:
    rounds = SIZES["quick" if quick else "full"]["rounds"]
    urls = page_urls()
    queries = {label: count_queries(u, cached=False) for label, u in urls.items()}
    queries_hit = {label: count_queries(u, cached=True) for label, u in urls.items()}
    times: dict[str, dict[str, list[float]]] = {label: {"uncached": [], "cached": []} for label in urls}
    sizes: dict[str, int] = {}
    hits: dict[str, int] = {label: 0 for label in urls}
    plain = harness.hds_server(env, name="hds-pages-nocache", PAGE_CACHE_SECONDS=0)
    cached = harness.hds_server(env, name="hds-pages-cache", PAGE_CACHE_SECONDS=300)
    with plain.start(), cached.start():
        servers = {"uncached": plain, "cached": cached}
        for label, u in urls.items():  # warm-up (and, for the cached process, the miss that stores the page)
            for kind, srv in servers.items():
                for _ in range(3):
                    r = await harness.http("GET", srv.base + u)
                    if r.status != 200:
                        raise harness.BenchError(f"{label} {u} ({kind}): HTTP {r.status}")
                sizes[label] = len(r.body)
        for i in range(rounds):
            order = list(urls.items())
            kinds = ["uncached", "cached"] if i % 2 == 0 else ["cached", "uncached"]
            for label, u in order[i % 3:] + order[:i % 3]:
                for kind in kinds:
                    r = await harness.http("GET", servers[kind].base + u)
                    if r.status == 200:
                        times[label][kind].append(r.seconds)
                        if kind == "cached" and r.header("x-page-cache") == "hit":
                            hits[label] += 1
        rss = {plain.name: plain.peak_rss_mb(), cached.name: cached.peak_rss_mb()}
    results = []
    for label in urls:
        su, sc = harness.summary_ms(times[label]["uncached"]), harness.summary_ms(times[label]["cached"])
        results.append({"page": label, "url": urls[label], "bytes": sizes[label], "queries": queries[label],
                        "queries_hit": queries_hit[label], "uncached": su, "cached": sc,
                        "hit_share": round(hits[label] / max(1, len(times[label]["cached"])), 3),
                        "ratio_p50": harness.ratio(sc.get("p50_ms"), su.get("p50_ms")),
                        "ratio_p95": harness.ratio(sc.get("p95_ms"), su.get("p95_ms"))})
    harness.print_table([[r["page"], r["url"], r["bytes"], f"{r['queries']}/{r['queries_hit']}",
                          r["uncached"]["p50_ms"], r["uncached"]["p95_ms"], r["cached"]["p50_ms"],
                          r["cached"]["p95_ms"], r["hit_share"], r["ratio_p95"]] for r in results],
                        ["page", "url", "bytes", "SQL miss/hit", "no cache p50", "no cache p95", "cache p50",
                         "cache p95", "hits", "ratio p95"])
    return {
        "rounds": rounds,
        "method": "HTTP GET over loopback, anonymous, new connection per request; two Daphne processes "
                  "(page cache on / PAGE_CACHE_SECONDS=0), requested alternately, pages in turn",
        "page_cache": "hds_site.pagecache: full responses of editorial pages for anonymous GETs in the Redis "
                      "cache, invalidated by a generation token on publish/unpublish/move/delete and snippet changes",
        "baseline": "the same pages with the page cache switched off",
        "results": results, "peak_rss_mb": rss,
        "summary": [["pages", f"{r['page']} p50/p95 ms (cache / none)",
                     f"{r['cached']['p50_ms']}/{r['cached']['p95_ms']}",
                     f"{r['uncached']['p50_ms']}/{r['uncached']['p95_ms']}", r["ratio_p95"], ""] for r in results],
    }
