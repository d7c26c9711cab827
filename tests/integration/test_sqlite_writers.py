"""SQLite writers queue on the database's writer lock: none fails, none is lost."""
from __future__ import annotations

import threading

from sqlalchemy import text

from storage.db import make_engine


def test_concurrent_writers_all_commit_and_a_rollback_lets_the_next_in(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
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
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT n FROM t")).scalars().all()
        assert sorted(rows) == sorted(k * 100 + i for k in range(8) for i in range(25))
        assert (tmp_path / "w.db.writer-lock").exists()
    finally:
        engine.dispose()
