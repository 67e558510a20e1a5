"""Signing burst: N signers submit the sign form concurrently, then confirm; against a bare INSERT view.

Server: two Daphne processes (as fan-out), at most 50 requests in flight,
spread over both. The load client (``bench/keepalive.py``) keeps one HTTP/1.1
connection per request slot open, as a browser or proxy would; ours and the
baseline share it, and its CPU time per request is reported.
Each signer POSTs the sign form to where the campaign page's form posts
(``campaigns:sign``: CSRF cookie + token, consent, postcode); success is the
303 to the "check your mail" page (the GET of the form and of that page are
not part of the burst). 10 % of the signers repeat an earlier address in
another spelling (upper case, Gmail dots, +tag): they must not add a
signature. Then every signature is confirmed (POST to the link from the mail;
the harness makes the token as the mail does). The rate limits per IP and
domain are lifted in bench/settings.py (every signer comes from 127.0.0.1),
but still counted. Mails go to the outbox in the signing transaction (as in
production), no worker runs.

Baseline: bench/urls.py ``bare_insert`` — one INSERT, same middleware and
CSRF check, same servers and client, waves alternating with ours.
"""

from __future__ import annotations

import random
import time

from bench import harness, keepalive

SIZES = {"quick": dict(signers=100, waves=2, concurrency=20), "full": dict(signers=2000, waves=4, concurrency=50)}
PUBLIC_RECORD = 33.3  # signatures/s, UK Parliament petitions, March 2019 (≈ 2,000 a minute)


def signers(n: int) -> tuple[list[dict], int]:
    """Form data of ``n`` signers; 10 % repeat an earlier address in another spelling. Returns (rows, unique)."""
    rng = random.Random(2019)
    repeats = n // 10
    unique = n - repeats
    rows = []
    for i in range(unique):
        if i % 2:
            email = f"unterzeichner.{i}@gmail.com"
        else:
            email = f"unterzeichnerin{i}@example.org"
        rows.append({"name": f"Person {i}", "email": email, "postcode": f"{10115 + (i * 37) % 80000:05d}"})
    for k in range(repeats):
        base = rows[rng.randrange(unique)]
        local, _, domain = base["email"].partition("@")
        if domain == "gmail.com":
            variant = (local.replace(".", "") + f"+petition{k}@gmail.com") if k % 2 else (local.upper() + "@GMail.com")
        else:
            variant = local.upper() + "@" + domain.upper()
        rows.append({**base, "email": variant})
    rng.shuffle(rows)
    return rows, unique


def campaign():
    from campaigns.models import CampaignPage

    page = next((p for p in CampaignPage.objects.live().specific() if p.is_open), None)
    if page is None:
        raise harness.BenchError("no open campaign in the bench database (seed_demo should have made one)")
    return page


def counts(page) -> tuple[int, int]:
    from campaigns import selectors
    from campaigns.models import Signature

    return selectors.signature_count(page.pk), Signature.objects.filter(campaign=page, status="confirmed").count()


def _per(cpu_seconds: float, n: int) -> float | None:
    return round(cpu_seconds * 1000 / n, 3) if n else None


async def run(env: harness.Env, *, quick: bool) -> dict:
    from django.urls import reverse

    from campaigns import consent, services
    from campaigns.models import Signature

    size = SIZES["quick" if quick else "full"]
    rows, unique = signers(size["signers"])
    page = campaign()
    url_path = page.url
    before_counter, before_rows = counts(page)
    before_ids = set(Signature.objects.filter(campaign=page).values_list("pk", flat=True))
    waves = size["waves"]
    chunk = -(-len(rows) // waves)

    a = harness.hds_server(env, name="hds-sign-a")
    b = harness.hds_server(env, name="hds-sign-b")
    servers = [a, b]
    sign_path = reverse("campaigns:sign", args=[page.pk])
    thanks_path = reverse("campaigns:sign_thanks", args=[page.pk])
    ours_lat, base_lat, ours_err, base_err = [], [], [], []
    ours_time = base_time = 0.0
    ours_cpu = base_cpu = 0.0
    confirm_lat, confirm_err = [], []
    with a.start(), b.start():
        client = keepalive.Client([s.base for s in servers], size["concurrency"])
        # warm both processes (first request imports, connections) and every client connection
        await client.run([client.request("GET", url_path) for _ in range(size["concurrency"])])

        def sign(row):
            cookies, token = harness.csrf_pair()
            data = {"name": row["name"], "email": row["email"], "country": "DE", "postcode": row["postcode"],
                    "consent": "on", "consent_version": consent.CURRENT_VERSION, "website": "",
                    "csrfmiddlewaretoken": token}
            return client.request("POST", sign_path, data=data, cookies=cookies)

        def insert(row):
            cookies, token = harness.csrf_pair()
            return client.request("POST", "/__bench__/insert/", cookies=cookies,
                                  data={"name": row["name"], "email": row["email"], "csrfmiddlewaretoken": token})

        def ok(side, r):
            if side == "ours":  # signed: 303 to the "check your mail" page
                return r.status == 303 and (r.header("location") or "").endswith(thanks_path)
            return r.status == 200

        async def wave(side, fn, part, lat, errs):
            t0, c0 = time.perf_counter(), time.process_time()
            res = await client.run([fn(row) for row in part])
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            for r in res:
                if isinstance(r, Exception):
                    errs.append(f"{r.__class__.__name__}: {r}")
                elif not ok(side, r):
                    errs.append(f"HTTP {r.status} {r.header('location') or ''}".strip())
                else:
                    lat.append(r.seconds)
            return elapsed, cpu

        for w in range(waves):
            part = rows[w * chunk:(w + 1) * chunk]
            order = [("ours", sign), ("base", insert)] if w % 2 == 0 else [("base", insert), ("ours", sign)]
            for side, fn in order:
                if side == "ours":
                    elapsed, cpu = await wave(side, fn, part, ours_lat, ours_err)
                    ours_time, ours_cpu = ours_time + elapsed, ours_cpu + cpu
                else:
                    elapsed, cpu = await wave(side, fn, part, base_lat, base_err)
                    base_time, base_cpu = base_time + elapsed, base_cpu + cpu
        rss_after_sign = {s.name: s.peak_rss_mb() for s in servers}

        # confirm every signature of this burst (the link from the mail, POST)
        sigs = Signature.objects.filter(campaign=page, status="pending").exclude(pk__in=before_ids)
        tokens = [services.confirm_token(s) for s in sigs]

        def confirm(tok):
            cookies, token = harness.csrf_pair()
            return client.request("POST", reverse("campaigns:confirm", args=[tok]), cookies=cookies,
                                  data={"csrfmiddlewaretoken": token})

        t0, c0 = time.perf_counter(), time.process_time()
        res = await client.run([confirm(t) for t in tokens])
        confirm_time, confirm_cpu = time.perf_counter() - t0, time.process_time() - c0
        for r in res:
            if isinstance(r, Exception):
                confirm_err.append(f"{r.__class__.__name__}: {r}")
            elif r.status != 200:
                confirm_err.append(f"HTTP {r.status}")
            else:
                confirm_lat.append(r.seconds)
        client.close()
        rss = {s.name: s.peak_rss_mb() for s in servers}

    after_counter, after_rows = counts(page)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM bench_bare_signature")
        bare_rows = cur.fetchone()[0]
    ours_tp = len(ours_lat) / ours_time if ours_time else 0
    base_tp = len(base_lat) / base_time if base_time else 0
    confirm_tp = len(confirm_lat) / confirm_time if confirm_time else 0
    so, sb, sc = harness.summary_ms(ours_lat), harness.summary_ms(base_lat), harness.summary_ms(confirm_lat)
    added = after_rows - before_rows
    exact = after_counter == after_rows and added == unique
    result = {
        "signers": len(rows), "unique_addresses": unique, "repeats_other_spelling": len(rows) - unique,
        "concurrency": size["concurrency"], "waves": waves, "servers": 2,
        "method": "POST of the sign form (CSRF) to campaigns:sign through two Daphne processes, keep-alive "
                  "connections, bounded concurrency; success = 303 to the thank-you page; waves alternate with the "
                  "bare INSERT view; then every pending signature confirmed by POST",
        "baseline": "bare Django view doing one INSERT (bench/urls.py), same middleware, same servers, same client",
        "client_cpu_ms_per_request": {"sign": _per(ours_cpu, len(rows)), "bare_insert": _per(base_cpu, len(rows)),
                                      "confirm": _per(confirm_cpu, len(tokens))},
        "rate_limits": "lifted for the bench (bench/settings.py CAMPAIGNS_RATE_LIMIT_*): all signers share 127.0.0.1",
        "sign": {"throughput_per_s": round(ours_tp, 1), **so, "errors": len(ours_err), "error_samples": ours_err[:5]},
        "bare_insert": {"throughput_per_s": round(base_tp, 1), **sb, "errors": len(base_err), "rows": bare_rows},
        "confirm": {"throughput_per_s": round(confirm_tp, 1), **sc, "errors": len(confirm_err),
                    "error_samples": confirm_err[:5], "confirmed": len(confirm_lat)},
        "ratio_throughput": harness.ratio(ours_tp, base_tp),
        "ratio_p99": harness.ratio(so.get("p99_ms"), sb.get("p99_ms")),
        "vs_public_record": round(ours_tp / PUBLIC_RECORD, 2),
        "count": {"counter_before": before_counter, "rows_before": before_rows, "counter_after": after_counter,
                  "confirmed_rows_after": after_rows, "added": added, "expected_added": unique, "exact": exact},
        "peak_rss_mb_after_signing": rss_after_sign, "peak_rss_mb": rss,
        "targets": {"at_least_100_per_s": ours_tp >= 100, "zero_errors": not (ours_err or confirm_err),
                    "count_exact": exact},
    }
    harness.print_table([
        ["sign (ours)", result["sign"]["throughput_per_s"], so.get("p50_ms"), so.get("p99_ms"), len(ours_err)],
        ["confirm (ours)", result["confirm"]["throughput_per_s"], sc.get("p50_ms"), sc.get("p99_ms"), len(confirm_err)],
        ["bare INSERT", result["bare_insert"]["throughput_per_s"], sb.get("p50_ms"), sb.get("p99_ms"), len(base_err)],
    ], ["", "per s", "p50 ms", "p99 ms", "errors"])
    print(f"  count: counter {after_counter} vs COUNT(*) {after_rows}; added {added} of {unique} unique -> "
          f"{'exact' if exact else 'NOT exact'}; {ours_tp / PUBLIC_RECORD:.1f}x the 33/s public record", flush=True)
    result["summary"] = [
        ["signing", "signatures/s", round(ours_tp, 1), round(base_tp, 1), result["ratio_throughput"], ">= 100/s"],
        ["signing", "sign p50/p99 ms", f"{so.get('p50_ms')}/{so.get('p99_ms')}", f"{sb.get('p50_ms')}/{sb.get('p99_ms')}",
         result["ratio_p99"], ""],
        ["signing", "confirmations/s", round(confirm_tp, 1), "", "", ""],
        ["signing", "errors / count exact", f"{len(ours_err) + len(confirm_err)} / {exact}", "", "", "0 / True"],
        ["signing", "x public record (33/s)", result["vs_public_record"], "", "", ">= 3"],
        ["memory", "signing peak RSS A/B MB", "/".join(str(v) for v in rss.values()), "", "", ""],
    ]
    return result
