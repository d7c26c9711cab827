"""SQLite writers wait for the write lock on the busy timeout: none fails, none is lost.

A message's reads run in autocommit mode and take no lock; `writing` makes what follows one
transaction, begun with BEGIN IMMEDIATE (SQLAlchemy's recipe for SQLite, storage/db.py).
"""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text

from storage.db import make_engine, read_then_write, writing


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _rows(engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT n FROM t")).scalars())


def test_concurrent_writers_all_commit_and_a_rollback_lets_the_next_in(engine):
    errors = []

    def write(k: int) -> None:
        try:
            for i in range(25):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": k * 100 + i})
            with engine.connect() as conn:  # rolled back, not committed
                conn.execute(text("INSERT INTO t VALUES (-1)"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert _rows(engine) == sorted(k * 100 + i for k in range(8) for i in range(25))


def test_reads_in_autocommit_mode_leave_the_write_lock_to_others(engine, tmp_path):
    with engine.connect() as conn:
        read_then_write(conn)
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
        # Another program's writer gets the lock at once: the read holds none.
        other = sqlite3.connect(tmp_path / "w.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO t VALUES (7)")
            other.execute("COMMIT")
        finally:
            other.close()
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [7]


def test_what_follows_writing_is_one_transaction_a_rollback_undoes(engine):
    with engine.connect() as conn:
        read_then_write(conn)
        conn.execute(text("INSERT INTO t VALUES (1)"))  # alone: committed at once
        writing(conn)
        conn.execute(text("INSERT INTO t VALUES (2)"))
        conn.execute(text("INSERT INTO t VALUES (3)"))
        conn.rollback()
    assert _rows(engine) == [1]
    with engine.connect() as conn:
        read_then_write(conn)
        writing(conn)
        conn.execute(text("INSERT INTO t VALUES (4)"))
        conn.execute(text("INSERT INTO t VALUES (5)"))
        conn.commit()
    assert _rows(engine) == [1, 4, 5]


def test_a_writer_holds_the_lock_from_writing_on(engine, tmp_path):
    with engine.connect() as conn:
        read_then_write(conn)
        writing(conn)  # BEGIN IMMEDIATE: the lock is ours before anything is written
        conn.execute(text("SELECT count(*) FROM t"))
        other = sqlite3.connect(tmp_path / "w.db", timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        conn.commit()
