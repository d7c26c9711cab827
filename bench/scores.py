"""Time the full quarter table at N and 10×N units and count its SQL statements.

Builds, for each size, a database of units with a year of monthly summaries (text and
photo items, some late, some missing), office facts and media stories, then times
`bot.scores.quarter_table` for 2026Q1 (median of several runs) and counts the
statements it sends. Target: the statement count does not grow with the units, and
10× the units costs at most 12× the time.

    python bench/scores.py [--units 2000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, event, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import build_config  # noqa: E402
from bot.rules import rules  # noqa: E402
from bot.scores import quarter_table  # noqa: E402
from scoring import LOCAL_TZ, Quarter  # noqa: E402
from storage.db import UnitOfWork, make_engine, make_session_factory, migrate  # noqa: E402
from storage.models import (MediaStory, MonthExcuse, QuarterFact, StoredFile,  # noqa: E402
                            SummaryItem, Unit)

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=LOCAL_TZ)
CATEGORIES = ["key"] * 22 + ["department"] * 50 + ["stationed"] * 28


def populate(engine, n_units: int, seed: int = 7) -> None:
    """Fill a migrated database with n units and a year of facts."""
    rnd = random.Random(seed)
    start = datetime(2025, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(Unit), [{"id": i + 1, "name": f"单位{i + 1:05d}",
                                     "category": CATEGORIES[i % len(CATEGORIES)],
                                     "active": True, "created_at": start} for i in range(n_units)])
        conn.execute(insert(StoredFile), [{"id": 1, "sha256": "0" * 64, "kind": "photo",
                                           "content_type": "image/jpeg", "size_bytes": 1,
                                           "path": "x", "created_at": start}])
        items, excuses = [], []
        for unit in range(1, n_units + 1):
            for m in range(1, 13):
                roll = rnd.random()
                if roll < 0.1:
                    continue  # missing
                day = 10 if roll < 0.8 else 27  # on time or late
                at = datetime(2026, m, day, 9, 0, tzinfo=LOCAL_TZ)
                month = f"2026-{m:02d}"
                items.append({"unit_id": unit, "month": month, "kind": "text", "text": "小结" * 30,
                              "file_id": None, "chars": 60, "sent_at": at, "received_at": at})
                items.append({"unit_id": unit, "month": month, "kind": "photo", "file_id": 1,
                              "text": None, "chars": 0, "sent_at": at + timedelta(minutes=5),
                              "received_at": at + timedelta(minutes=5)})
                if roll > 0.97:
                    excuses.append({"unit_id": unit, "month": month, "kind": "waived",
                                    "reason": "停工", "created_by": "bench", "created_at": at})
        for chunk in range(0, len(items), 5000):
            conn.execute(insert(SummaryItem), items[chunk:chunk + 5000])
        if excuses:
            conn.execute(insert(MonthExcuse), excuses)
        facts, stories = [], []
        for unit in range(1, n_units + 1):
            for q in range(1, 5):
                facts.append({"unit_id": unit, "quarter": f"2026Q{q}", "annual_plan": True,
                              "annual_summary": rnd.random() < 0.8, "materials_uploaded": True,
                              "team_flag": True, "uniforms_sufficient": True,
                              "uniforms_worn": rnd.random() < 0.7, "staff_on_post": 50,
                              "registered_volunteers": rnd.randint(20, 50), "trainings": 1,
                              "service_items": rnd.randint(1, 6), "services": rnd.randint(3, 12),
                              "volunteer_hours": Decimal(rnd.randint(50, 300)),
                              "awareness_rate": Decimal(rnd.randint(60, 95)),
                              "brand_plan": True, "brand_promoted": rnd.random() < 0.3,
                              "satisfaction": rnd.choice(["excellent", "good", "fair"]),
                              "media_entered": True, "updated_at": start, "updated_by": "bench"})
                for s in range(rnd.randint(0, 3)):
                    stories.append({"unit_id": unit, "quarter": f"2026Q{q}", "story": f"稿件{s}",
                                    "level": rnd.choice(["county", "city", "province"]),
                                    "outlet": "", "link": "", "created_at": start,
                                    "created_by": "bench"})
        for chunk in range(0, len(facts), 5000):
            conn.execute(insert(QuarterFact), facts[chunk:chunk + 5000])
        conn.execute(insert(MediaStory), stories)


def measure(url: str, n_units: int, repeats: int) -> dict:
    """Build a database of n units, then time and count the quarter table."""
    engine = make_engine(url)
    migrate(engine)
    populate(engine, n_units)
    factory = make_session_factory(engine)
    config = build_config({})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    times = []
    for _ in range(repeats):
        statements.clear()
        with UnitOfWork(factory) as uow:
            t0 = time.perf_counter()
            rows = quarter_table(uow.session, Quarter(2026, 1), NOW, rules(config))
            times.append(time.perf_counter() - t0)
        assert len(rows) == n_units
    tracemalloc.start()
    with UnitOfWork(factory) as uow:
        quarter_table(uow.session, Quarter(2026, 1), NOW, rules(config))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    engine.dispose()
    return {"units": n_units, "median_s": statistics.median(times),
            "statements": len(statements), "peak_mb": peak / 1e6}


def database(base: str | None, tmp: Path, name: str) -> tuple[str, callable]:
    """A fresh database URL for one size, and how to drop it."""
    if not base:
        return f"sqlite:///{tmp / (name + '.db')}", lambda: None
    schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000, help="the larger size (default 2000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite files)")
    args = parser.parse_args()
    small_n = args.units // 10
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for n in (small_n, args.units):
            url, drop = database(args.database_url, Path(tmp), f"u{n}")
            try:
                results.append(measure(url, n, args.repeats))
            finally:
                drop()
    small, large = results
    backend = "postgresql" if args.database_url else "sqlite"
    for r in results:
        print(f"{backend} {r['units']:>5} units: quarter table median {r['median_s'] * 1000:.1f} ms, "
              f"{r['statements']} SQL statements, peak Python memory {r['peak_mb']:.1f} MB")
    ratio = large["median_s"] / small["median_s"]
    print(f"time ratio {large['units']}/{small['units']} units: {ratio:.2f} (target <= 12)")
    print(f"statements: {small['statements']} vs {large['statements']} (target: equal, not per unit)")
    ok = ratio <= 12 and small["statements"] == large["statements"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
