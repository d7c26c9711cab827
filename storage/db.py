"""Engines, sessions, the unit of work, and migrations."""
from __future__ import annotations

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
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


# SQLAlchemy's documented recipe for SQLite transactions (the pysqlite dialect's
# "Serializable isolation / Savepoints / Transactional DDL"): the driver's own BEGIN
# is off, and SQLAlchemy's begin event emits ours.

def _sqlite_pragmas(dbapi_conn, _record):
    # Python's sqlite3 would otherwise BEGIN lazily and deadlock writers under WAL.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT * 1000}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers wait on the busy
    # timeout instead of failing with "database is locked" on upgrade. While a
    # connection only reads (`read_then_write`), no BEGIN: each statement stands alone.
    if not conn.get_execution_options().get(READING):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# A connection's own execution option (SQLAlchemy passes any on to get_execution_options):
# its statements run alone, each committed by itself, until `writing`.
READING = "reading"


def read_then_write(conn: Connection) -> Connection:
    """Run `conn`'s statements each on its own (autocommit) until `writing(conn)`.

    A message's reads gain nothing from the transaction of the writes that follow them
    (PostgreSQL reads committed rows either way), and a write of one statement commits
    alone: on PostgreSQL, BEGIN and COMMIT are two round trips saved (DBAPI autocommit,
    SQLAlchemy's AUTOCOMMIT isolation level); on SQLite, whose driver the recipe above
    keeps in autocommit, the write lock is taken only by what writes. (SQLite is not
    switched with the isolation level: pysqlite's way back runs PRAGMA read_uncommitted,
    which makes SQLite prepare every statement of the connection again.)
    """
    conn.execution_options(**{READING: True})
    if conn.dialect.name != "sqlite":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def writing(conn: Connection) -> Connection:
    """Make what follows on `conn` one transaction, committed by the caller's commit
    (nothing to do unless `read_then_write` came first). The switch is SQLAlchemy's
    documented one: commit the autobegun "transaction", restore the default isolation
    level, begin (an ORM session then joins this transaction, as the caller's)."""
    if conn.get_execution_options().get(READING):
        conn.commit()  # ends nothing in the database: each statement committed itself
        conn.execution_options(**{READING: False})
        if conn.dialect.name != "sqlite":
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
