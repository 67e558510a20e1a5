"""Browser-test infrastructure: a real Daphne process, a real Chromium, axe-core.

Fixtures (stable API, shared by every app's browser tests):

- ``live_site`` (session): its own database (a SQLite file in a tmp dir, or a
  fresh PostgreSQL database ``hds_browser_<random>`` when DATABASE_URL is set),
  migrated and seeded with ``seed_demo --force``, served by Daphne on a free
  port with ``hds_site.settings.browser``. Attributes and helpers:
  ``.url`` (no trailing slash), ``.mail_dir``, ``.env`` (dict: run manage.py
  against the same database), ``.log_path`` (Daphne's output),
  ``.manage(*args)`` → CompletedProcess, ``.read_mails()`` → list of
  ``email.message.EmailMessage`` (oldest first), ``.mails_to(address)``,
  ``.clear_mails()``.
- ``browser`` (session): Playwright's Chromium, the distro's /usr/bin/chromium.
- ``new_context`` (function): factory ``new_context(**kwargs)`` → a fresh
  BrowserContext with ``base_url=live_site.url`` and German locale; closed at
  the end of the test.
- ``page`` (function): a page in a fresh context (``page.goto("/")`` works).

Helpers (import from here): ``assert_no_axe_violations(page)`` and
``mail_text(message)`` (plain-text body of a parsed mail).

Every test under tests/browser/ gets the ``browser`` marker automatically.
Under CI=true a missing Chromium, Playwright or axe-core fails; locally it skips.
"""

from __future__ import annotations

import email
import email.policy
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import require

# Playwright's sync API runs an event loop in the main thread; Django would then
# refuse ORM calls made by a test (e.g. through the autouse fixtures).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent.parent
BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
STARTUP_TIMEOUT = 60


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test in tests/browser/ is a browser test (runs before -m deselection)."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the live site -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _python() -> str:
    venv_python = BASE_DIR / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def _daphne() -> str:
    venv_daphne = BASE_DIR / ".venv" / "bin" / "daphne"
    if venv_daphne.exists():
        return str(venv_daphne)
    return shutil.which("daphne") or str(Path(sys.executable).parent / "daphne")


def _create_postgres_database(database_url: str) -> tuple[str, str]:
    """Create a fresh database next to the one DATABASE_URL names; return (its URL, its name)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    params = dj_database_url.parse(database_url)
    name = f"hds_browser_{secrets.token_hex(4)}"
    conninfo = {
        "host": params.get("HOST") or "127.0.0.1",
        "port": params.get("PORT") or 5432,
        "user": params.get("USER") or "postgres",
        "password": params.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = database_url.partition("?")
    base = base.rsplit("/", 1)[0]
    query = database_url.partition("?")[2]
    return f"{base}/{name}" + (f"?{query}" if query else ""), name


def _drop_postgres_database(database_url: str, name: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    params = dj_database_url.parse(database_url)
    conninfo = {
        "host": params.get("HOST") or "127.0.0.1",
        "port": params.get("PORT") or 5432,
        "user": params.get("USER") or "postgres",
        "password": params.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def mail_text(message: EmailMessage) -> str:
    """The plain-text body of a parsed mail (falls back to the first text part)."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return message.get_payload(decode=True).decode("utf-8", "replace")
    return body.get_content()


@dataclass
class LiveSite:
    url: str
    mail_dir: Path
    env: dict[str, str]
    log_path: Path
    tmp_dir: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def manage(self, *args: str, check: bool = True, input: str | None = None, timeout: int = 300):
        """Run `manage.py <args>` against the live site's database and settings."""
        result = subprocess.run(
            [_python(), "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} exited with {result.returncode}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def read_mails(self) -> list[EmailMessage]:
        """Every mail the site has sent so far, oldest first, parsed."""
        messages: list[EmailMessage] = []
        if not self.mail_dir.exists():
            return messages
        files = sorted(self.mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for path in files:
            for chunk in path.read_bytes().split(MAIL_SEPARATOR):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default))
        return messages

    def mails_to(self, address: str) -> list[EmailMessage]:
        address = address.lower()
        return [m for m in self.read_mails() if address in str(m.get("To", "")).lower()]

    def wait_for_mail(self, address: str, *, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least `count` mails to `address` exist (tasks may send after the response)."""
        deadline = time.monotonic() + timeout
        while True:
            mails = self.mails_to(address)
            if len(mails) >= count or time.monotonic() > deadline:
                return mails
            time.sleep(0.1)

    def clear_mails(self) -> None:
        for path in self.mail_dir.glob("*.log"):
            path.unlink()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_healthy(site: LiveSite) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if site.process is not None and site.process.poll() is not None:
            raise RuntimeError(f"Daphne exited with {site.process.returncode}:\n{site.log_tail()}")
        try:
            with urllib.request.urlopen(f"{site.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = exc
        time.sleep(0.2)
    raise RuntimeError(f"Daphne did not answer /healthz within {STARTUP_TIMEOUT}s ({last_error}):\n{site.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("live_site")
    mail_dir = tmp_dir / "mail"
    mail_dir.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_")) and key not in {"SQLITE_PATH", "HDS_TEST_SQLITE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hds_site.settings.browser",
            "DEBUG": "true",
            "HDS_MAIL_DIR": str(mail_dir),
            "TASK_BACKEND": "immediate",
            "SITE_URL": url,
            "MEDIA_ROOT": str(tmp_dir / "media"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in ("EMAIL_HOST", "EMAIL_BACKEND", "ELASTICSEARCH_URL"):
        env.pop(name, None)

    database_url = os.environ.get("DATABASE_URL", "").strip()
    pg_name = None
    if database_url:
        env["DATABASE_URL"], pg_name = _create_postgres_database(database_url)
    else:
        env["SQLITE_PATH"] = str(tmp_dir / "db.sqlite3")

    site = LiveSite(url=url, mail_dir=mail_dir, env=env, log_path=tmp_dir / "daphne.log", tmp_dir=tmp_dir)
    try:
        site.manage("migrate", "--noinput")
        site.manage("seed_demo", "--force")
        with open(site.log_path, "wb") as log:
            site.process = subprocess.Popen(
                [_daphne(), "-b", "127.0.0.1", "-p", str(port), "hds_site.asgi:application"],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_until_healthy(site)
        yield site
    finally:
        if site.process is not None:
            _stop(site.process)
        if pg_name:
            _drop_postgres_database(database_url, pg_name)


# --- the browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        require(False, "Playwright is not installed (pip install -r requirements.txt)")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is missing (apt-get install chromium)")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_site):
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("base_url", live_site.url)
        kwargs.setdefault("locale", "de-DE")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


# --- accessibility -------------------------------------------------------------


def _format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')} [{violation.get('helpUrl')}]")
        for node in violation.get("nodes", []):
            lines.append(f"    at {node.get('target')}: {(node.get('failureSummary') or '').splitlines()[-1:]}")
    return "\n".join(lines)


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page and return its violations."""
    require(AXE_JS.exists(), f"{AXE_JS.relative_to(BASE_DIR)} is missing (run `npm ci`)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: page.add_script_tag would insert an inline
        # <script>, which the site's Content-Security-Policy (rightly) blocks
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )


def assert_no_axe_violations(page) -> None:
    """Fail listing each WCAG 2.1 A/AA violation axe-core finds on the current page."""
    violations = axe_violations(page)
    assert not violations, f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n" + _format_violations(
        violations
    )
