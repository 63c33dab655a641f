"""Database engine and sessions: one code path for SQLite and PostgreSQL.

SQLite runs in WAL mode with foreign keys on. Writers take the lock up front
(``BEGIN IMMEDIATE``) so that read-then-write sequences — the ledger's chain head, the task
scheduler's claim — cannot interleave; readers stay concurrent. On PostgreSQL those sequences
take explicit row or advisory locks instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from crowdset import jsoncodec
from crowdset.settings import Settings, get_settings

# Every primary and foreign key is INTEGER: 32 bits on PostgreSQL (docs/architecture.md, "Keys"). An id
# beyond it is "not found" for services and a 422 at the HTTP edge, never a driver error.
MAX_ID = 2**31 - 1

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_text(value: object) -> str:
    """JSON columns keep Chinese as UTF-8 (a third of the size of \\u escapes)."""
    return jsoncodec.dumps(value)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                               json_serializer=json_text,
                               json_deserializer=jsoncodec.loads)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40, json_serializer=json_text,
                               json_deserializer=jsoncodec.loads)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        immediate = conn.get_execution_options().get("crowdset_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Engine plus two session factories: plain (reads) and write (locks early on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = self.engine.execution_options(crowdset_write=True)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False)

    def session(self, write: bool = False) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session committed on success and rolled back on any error."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read session; closing it ends the transaction but keeps loaded objects usable."""
        session = self.session(write=False)
        try:
            yield session
        finally:
            session.close()

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()


_db: Database | None = None
_lock = threading.Lock()


def get_db(settings: Settings | None = None) -> Database:
    """The process-wide database for the current settings."""
    global _db
    settings = settings or get_settings()
    with _lock:
        if _db is None or _db.url != settings.sqlalchemy_url:
            if _db is not None:
                _db.dispose()
            if settings.is_sqlite:
                settings.ensure_data_dir()
            _db = Database(settings.sqlalchemy_url)
        return _db


def reset_db() -> None:
    global _db
    with _lock:
        if _db is not None:
            _db.dispose()
        _db = None
