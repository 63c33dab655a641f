"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``CROWDSET_TEST_POSTGRES_URL`` or the server on 127.0.0.1:5432 (trust auth,
database ``test``); each run creates a fresh database and drops it at the end. When none answers,
the PostgreSQL half is skipped and the run says so loudly at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_PG_STATE: dict[str, object] = {}


def _pg_admin_url() -> str:
    url = os.environ.get("CROWDSET_TEST_POSTGRES_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def postgres_available() -> bool:
    if "ok" not in _PG_STATE:
        try:
            eng = create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
            with eng.connect() as c:
                c.execute(text("SELECT 1"))
            eng.dispose()
            _PG_STATE["ok"] = True
        except Exception as exc:  # noqa: BLE001 - any failure means "not available"
            _PG_STATE["ok"] = False
            _PG_STATE["why"] = str(exc).splitlines()[0]
    return bool(_PG_STATE["ok"])


def create_pg_database() -> str:
    """Create a uniquely named database and return its URL (dropped in ``drop_pg_database``)."""
    admin = make_url(_pg_admin_url())
    name = f"crowdset_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    from crowdset.db import reset_db

    reset_db()
    admin = make_url(_pg_admin_url())
    name = make_url(url).database
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs_pg = [i for i in items if hasattr(i, "callspec") and i.callspec.params.get("backend") == "postgresql"]
    if needs_pg and not postgres_available():
        skip = pytest.mark.skip(reason=f"PostgreSQL not reachable: {_PG_STATE.get('why')}")
        for item in needs_pg:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if _PG_STATE.get("ok") is False:
        tr = terminalreporter
        tr.section("POSTGRESQL SKIPPED", sep="!", red=True, bold=True)
        tr.write_line(f"PostgreSQL was not reachable ({_PG_STATE.get('why')}).", red=True, bold=True)
        tr.write_line("Only the SQLite half of the database tests ran. Set CROWDSET_TEST_POSTGRES_URL "
                      "or start PostgreSQL on 127.0.0.1:5432 (database 'test').", red=True, bold=True)


@dataclass
class Backend:
    name: str
    url: str
    data_dir: Path


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Backend]]:
    made: dict[str, Backend] = {}
    yield made
    for b in made.values():
        if b.name == "postgresql":
            drop_pg_database(b.url)


def _migrated(kind: str, backends: dict[str, Backend], tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if kind not in backends:
        data_dir = tmp_path_factory.mktemp(f"data-{kind}")
        url = f"sqlite:///{data_dir / 'crowdset.db'}" if kind == "sqlite" else create_pg_database()
        from crowdset.migrate import upgrade

        upgrade(url)
        backends[kind] = Backend(kind, url, data_dir)
    return backends[kind]


def configure(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path, **extra: str) -> None:
    """Point Crowdset's settings at ``url``/``data_dir`` and forget cached engines and queues."""
    from crowdset.db import reset_db
    from crowdset.jobs.queue import reset_huey
    from crowdset.settings import reset_settings

    monkeypatch.setenv("CROWDSET_DATABASE_URL", url)
    monkeypatch.setenv("CROWDSET_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CROWDSET_JOBS_IMMEDIATE", extra.pop("jobs_immediate", "1"))
    monkeypatch.setenv("CROWDSET_ARGON2_PROFILE", "test")
    monkeypatch.delenv("CROWDSET_JOBS_URL", raising=False)
    monkeypatch.delenv("CROWDSET_SECRET_KEY", raising=False)
    for k, v in extra.items():
        monkeypatch.setenv(f"CROWDSET_{k.upper()}", v)
    reset_settings()
    reset_db()
    reset_huey()


def wipe(url: str) -> None:
    """Empty every table (fast per-test isolation without re-running migrations)."""
    from crowdset.db import get_db
    from crowdset.models import Base

    db = get_db()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for t in tables:
                conn.exec_driver_sql(f'DELETE FROM "{t}"')  # noqa: S608 - names from our metadata
        else:
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, _backends: dict[str, Backend],
            tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """A migrated, empty database of each kind, with settings pointing at it."""
    b = _migrated(request.param, _backends, tmp_path_factory)
    configure(monkeypatch, b.url, b.data_dir)
    wipe(b.url)
    # the ledger's signed checkpoint of the head lives in the keys folder, outside the wiped database
    (b.data_dir / "keys" / "ledger-checkpoint.jsonl").unlink(missing_ok=True)
    yield b
    from crowdset.db import reset_db
    from crowdset.jobs.queue import reset_huey
    from crowdset.settings import reset_settings

    reset_db()
    reset_huey()
    reset_settings()


@dataclass
class World:
    """Two organisations with one user per role each, API tokens, and a test client."""

    client: object
    org_a: int
    org_b: int
    users: dict[str, object]
    tokens: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


from tests.support import PASSWORD  # noqa: E402


@pytest.fixture
def world(backend: Backend) -> Iterator[World]:
    from fastapi.testclient import TestClient

    from crowdset.app import create_app
    from crowdset.auth.service import create_org, create_token, create_user
    from crowdset.db import get_db

    users: dict[str, object] = {}
    tokens: dict[str, str] = {}
    with get_db().transaction() as s:
        a = create_org(s, None, "甲标注公司", "enterprise", "福建省福州市", "91350100M000100Y43")
        b = create_org(s, None, "乙研究院", "institute", "福建省厦门市")
        spec = {
            "admin": (None, ["admin"]),
            "manager": (a.id, ["manager", "owner"]),
            "annotator": (a.id, ["annotator"]),
            "annotator2": (a.id, ["annotator"]),
            "annotator3": (a.id, ["annotator"]),
            "reviewer": (a.id, ["reviewer"]),
            "expert": (a.id, ["expert"]),
            "manager_b": (b.id, ["manager"]),
            "annotator_b": (b.id, ["annotator"]),
        }
        for name, (org_id, roles) in spec.items():
            u = create_user(s, None, f"{name}@example.com", PASSWORD, name, org_id, roles)
            users[name] = u
            tokens[name] = create_token(s, None, u, "test")[1]
        org_a, org_b = a.id, b.id
    with TestClient(create_app()) as client:
        yield World(client, org_a, org_b, users, tokens)


# ---------------------------------------------------------------- browser tests

CHROMIUM = os.environ.get("CROWDSET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@dataclass
class LiveServer:
    url: str
    world: World


@pytest.fixture
def live_server(world: World) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, in a thread, over the test database."""
    import socket
    import threading
    import time

    import uvicorn

    from crowdset.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", world)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def _playwright() -> Iterator[object]:
    """One Playwright for the session: its sync API cannot be started twice in one process, so tests
    that need a browser launched differently (another environment) launch it from this one."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def _browser(_playwright) -> Iterator[object]:  # noqa: ANN001
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(_browser, live_server: LiveServer):  # noqa: ANN001, ANN201
    """A fresh browser context (own cookies) on the live server; zh-CN unless a test switches."""
    context = _browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 860})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def login(page, email: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    """Log in through the real form."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    """Take a full-page screenshot. It lands in docs/screenshots/ only with CROWDSET_SCREENSHOTS=1
    (``make screenshots``), so an ordinary test run leaves the working tree untouched."""
    import tempfile

    folder = (SCREENSHOTS if os.environ.get("CROWDSET_SCREENSHOTS") == "1"
              else Path(tempfile.gettempdir()) / "crowdset-shots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, timeout=30_000)
    return path
