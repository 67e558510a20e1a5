"""``python -m bench`` (``make bench``): run the benchmarks, print a table, write bench/results/<name>.json.

    python -m bench                 full sizes (takes a while; each benchmark is bounded by --timeout)
    python -m bench --quick         small sizes, for development
    python -m bench --only fanout   one benchmark (repeatable)

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); uses its own databases
hds_bench, hds_bench_template, hds_bench_machina and Redis db 8.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import sys
import time
import traceback

from bench import harness

BENCHMARKS = ["thread_page", "fanout", "signing", "search", "pages"]


# hard limits of the full runs on a 2-core machine (data loading and index building included)
TIMEOUTS = {"thread_page": 900, "fanout": 600, "signing": 900, "search": 1200, "pages": 300}


class BenchTimeout(BaseException):
    """Raised by SIGALRM when a benchmark exceeds --timeout."""


def _on_alarm(signum, frame):
    raise BenchTimeout("hard timeout (--timeout) reached")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes (development); default: full sizes")
    p.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    p.add_argument("--timeout", type=float, default=None,
                   help="hard limit per benchmark in seconds (default: per benchmark, see TIMEOUTS)")
    p.add_argument("--rebuild-template", action="store_true", help="re-run migrations into the template database")
    return p.parse_args(argv)


def prepare_database(env: harness.Env, *, rebuild: bool, db: str = harness.HDS_DB,
                     template: str = harness.HDS_TEMPLATE_DB) -> None:
    """Fresh ``hds_bench`` for every run, copied from a migrated, demo-seeded template (rebuilt when migrations change).

    ``db``/``template``: other names for other users of the harness (bench/soak.py uses hds_soak*).
    """
    fingerprint = harness.migrations_fingerprint()
    current = None
    if not rebuild and harness.database_exists(env, template):
        import psycopg

        try:
            with psycopg.connect(env.db_url(template)) as conn:
                current = conn.execute("SELECT fingerprint FROM bench_meta").fetchone()[0]
        except Exception:
            current = None
    if current != fingerprint:
        print(f"bench: migrating the template database {template} …", flush=True)
        harness.create_database(env, template)
        import subprocess

        e = harness.hds_server_env(env)
        e["DATABASE_URL"] = env.db_url(template)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=harness.ROOT, env=e, check=True)
        # the demo site (home, topic hubs, articles, a campaign, forum categories, members): bench database only
        subprocess.run([sys.executable, "manage.py", "seed_demo", "--force"], cwd=harness.ROOT, env=e, check=True,
                       stdout=subprocess.DEVNULL)
        import psycopg

        with psycopg.connect(env.db_url(template), autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_meta (fingerprint text)")
            conn.execute("INSERT INTO bench_meta VALUES (%s)", [fingerprint])
            conn.execute(
                "CREATE TABLE bench_bare_signature (id bigserial PRIMARY KEY, email text NOT NULL, "
                "name text NOT NULL, created_at timestamptz NOT NULL)"
            )
    harness.create_database(env, db, template=template)


def setup_django(env: harness.Env, db: str = harness.HDS_DB, settings: str = "bench.settings") -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["DATABASE_URL"] = env.db_url(db)
    os.environ["REDIS_URL"] = env.redis_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # the harness drives servers with asyncio and loads data with the ORM in the same thread (bench only)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        env = harness.check_env()
    except harness.BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    harness.raise_fd_limit()
    harness.flush_redis(env)
    prepare_database(env, rebuild=args.rebuild_template)
    setup_django(env)

    names = args.only or BENCHMARKS
    summary: list[list] = []
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name} ({'quick' if args.quick else 'full'}) ==", flush=True)
        harness.settle(env)
        started = time.monotonic()
        # hard limit: SIGALRM also interrupts blocking work (data loading, index rebuild), not only awaits
        signal.signal(signal.SIGALRM, _on_alarm)
        limit = args.timeout or TIMEOUTS[name]
        signal.alarm(int(limit) + 5)
        try:
            result = asyncio.run(asyncio.wait_for(module.run(env, quick=args.quick), timeout=limit))
        except (Exception, BenchTimeout) as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            failed.append(name)
            harness.write_result(name, {"error": f"{exc.__class__.__name__}: {exc}", "quick": args.quick}, env)
            summary.append([name, "ERROR", str(exc)[:60], "", "", ""])
            continue
        finally:
            signal.alarm(0)
        result["quick"] = args.quick
        result["seconds"] = round(time.monotonic() - started, 1)
        path = harness.write_result(name, result, env)
        print(f"-> {path.relative_to(harness.ROOT)}", flush=True)
        summary.extend(result.get("summary", []))
    print("\n== summary ==")
    harness.print_table(summary, ["benchmark", "measure", "ours", "baseline", "ratio", "target"])
    if failed:
        print(f"\nbench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
