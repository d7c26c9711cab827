"""Engines, sessions, the unit of work, and migrations."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT = 30  # seconds a SQLite transaction waits for the write lock


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": BUSY_TIMEOUT}
        if parsed.database and parsed.database != ":memory:":
            connect_args["factory"] = _writer_queue(parsed.database)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _take_over_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn, _record):
    # Python's sqlite3 would otherwise BEGIN lazily and deadlock writers under WAL.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT * 1000}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _take_over_transactions(engine: Engine) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the
    # busy timeout instead of failing with "database is locked" on upgrade.
    @event.listens_for(engine, "begin")
    def _begin(conn):
        dbapi_conn = conn.connection.dbapi_connection
        if isinstance(dbapi_conn, _QueuedConnection):
            dbapi_conn.begin_immediate()
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class _WriterQueue:
    """One database file's writers, queued: a thread lock, then a lock file's flock.

    SQLite's own busy handler polls with growing sleeps (1, 2, 5, 10 ms ...), so under
    load the write lock sits idle between a commit and the next writer's retry. Waiting
    on this lock instead hands it over at once, across threads and processes. SQLite's
    lock still guards correctness: anything that does not queue here (another program,
    a timeout) is only back to the busy timeout.
    """

    def __init__(self, database: str):
        self._thread_lock = threading.Lock()
        self._path = f"{database}.writer-lock"
        self._fd: int | None = None
        self._pid: int | None = None

    def acquire(self) -> None:
        """Wait for our turn; raises sqlite3.OperationalError after the busy timeout."""
        if not self._thread_lock.acquire(timeout=BUSY_TIMEOUT):
            raise sqlite3.OperationalError("database is locked (writer queue timed out)")
        try:
            if self._pid != os.getpid():
                # A forked child shares its parent's open file, and so its flock: reopen.
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            # Blocks only while another process holds it, for one transaction.
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        """Let the next writer in."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_queues: dict[str, _WriterQueue] = {}
_queues_lock = threading.Lock()


def _writer_queue(database: str) -> type[sqlite3.Connection]:
    """A sqlite3 connection class whose transactions queue on the file's writer lock."""
    key = str(Path(database).resolve())
    with _queues_lock:
        queue = _queues.setdefault(key, _WriterQueue(key))
    return type("QueuedConnection", (_QueuedConnection,), {"queue": queue})


class _QueuedConnection(sqlite3.Connection):
    """Holds its database's writer queue from BEGIN IMMEDIATE to COMMIT or ROLLBACK."""

    queue: _WriterQueue
    _holding = False

    def begin_immediate(self) -> None:
        """Queue for the write lock, then take it."""
        self.queue.acquire()
        self._holding = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._let_go()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()

    def _let_go(self) -> None:
        # Only the connection that queued releases, once: the pool also rolls back
        # connections that hold nothing.
        if self._holding:
            self._holding = False
            self.queue.release()


def read_then_write(conn: Connection) -> Connection:
    """PostgreSQL: run `conn`'s statements each in its own transaction (autocommit) until
    `writing(conn)`. Under READ COMMITTED a read gains nothing from the transaction of the
    write that follows it, and a write of one statement commits alone: BEGIN and COMMIT
    are two round trips saved. Elsewhere (SQLite, whose transactions take the writer
    lock first) nothing changes."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def writing(conn: Connection) -> Connection:
    """Make what follows on `conn` one transaction, committed by the caller's commit
    (nothing to do unless `read_then_write` set it to autocommit)."""
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        conn.commit()  # ends nothing on the server: each statement committed itself
        conn.execution_options(isolation_level=conn.default_isolation_level)
        conn.begin()
    return conn


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """A transaction: `with uow:` ... `uow.commit()`; rolls back unless committed."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self._factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        return self

    def __exit__(self, *exc) -> None:
        # close() rolls back what was not committed and detaches loaded objects intact.
        self.session.close()
        self.session = None

    def commit(self) -> None:
        """Commit what was done so far."""
        self.session.commit()


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> bool:
    """Create or upgrade the schema to the newest migration; True if it was empty."""
    fresh = not inspect(engine).has_table("units")
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return fresh
