"""Time the full quarter table at N and 10×N units and count its SQL statements; then time
the 10×N table side by side with the engine before rubric files (a baseline commit).

Builds, for each size, a database of units with a year of monthly summaries (text and
photo items, some late, some missing), office facts and media stories, then times
`bot.scores.quarter_table` for 2026Q1 (median of several runs) and counts the
statements it sends. Targets: the statement count does not grow with the units; 10× the
units costs at most 12× the time; the rubric read from its file costs at most 1.2× the
baseline's Python rule table.

The side by side run extracts the baseline commit (`git archive`, into a temporary
folder: no worktree is added), puts this very script in its bench/, and runs both trees
the same way, each in a process of its own, alternately (`--rounds`). On a shared machine
wall time is noisy: the ratio is judged on the processes' CPU time (on SQLite all the
work is in the process; with --database-url the wall-time ratio is printed too).

    python bench/scores.py [--units 2000] [--database-url URL] [--against REV | --no-baseline]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, event, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The last commit whose engine was the Python rule table (scoring/params.py, _RULES).
BASELINE = "9591481d47d2483bcefdac5bbcaa5dfcdcbfc508"

from bot.config import build_config  # noqa: E402
from bot.rules import rules  # noqa: E402
from bot.scores import quarter_table  # noqa: E402
from scoring import LOCAL_TZ, Quarter  # noqa: E402
from storage.db import UnitOfWork, make_engine, make_session_factory, migrate  # noqa: E402
from storage import models  # noqa: E402
from storage.models import MediaStory, MonthExcuse, StoredFile, SummaryItem, Unit  # noqa: E402

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
        table, facts = fact_rows(facts)
        for chunk in range(0, len(facts), 5000):
            conn.execute(insert(table), facts[chunk:chunk + 5000])
        conn.execute(insert(MediaStory), stories)


def fact_rows(facts: list[dict]) -> tuple:
    """The facts as this tree stores them: one row per unit-quarter in the commits before
    issue 15's phase 2 (quarter_facts), one per fact since (quarter_fact_values)."""
    if hasattr(models, "QuarterFact"):
        return models.QuarterFact, facts
    lead = ("unit_id", "quarter", "updated_at", "updated_by")
    rows = []
    for fact in facts:
        for name, value in fact.items():
            if name not in lead:
                rows.append({**{k: fact[k] for k in lead},
                             "name": "media" if name == "media_entered" else name,
                             "value": f"{value:f}" if isinstance(value, Decimal) else value})
    return models.QuarterFactValue, rows


def measure(url: str, n_units: int, repeats: int) -> dict:
    """Build a database of n units, then time and count the quarter table."""
    engine = make_engine(url)
    migrate(engine)
    populate(engine, n_units)
    factory = make_session_factory(engine)
    config = build_config({})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    times, cpu = [], []
    for _ in range(repeats):
        statements.clear()
        with UnitOfWork(factory) as uow:
            t0, c0 = time.perf_counter(), time.process_time()
            rows = quarter_table(uow.session, Quarter(2026, 1), NOW, rules(config))
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert len(rows) == n_units
    counted = len(statements)   # one table's (the last repeat's), before the memory run's
    tracemalloc.start()
    with UnitOfWork(factory) as uow:
        quarter_table(uow.session, Quarter(2026, 1), NOW, rules(config))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    engine.dispose()
    return {"units": n_units, "median_s": statistics.median(times),
            "cpu_s": statistics.median(cpu), "statements": counted,
            "peak_mb": peak / 1e6}


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


def measure_one(base: str | None, n_units: int, repeats: int) -> dict:
    """One size in a fresh database (SQLite file or PostgreSQL schema)."""
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = database(base, Path(tmp), f"u{n_units}")
        try:
            return measure(url, n_units, repeats)
        finally:
            drop()


def extract(rev: str, into: Path) -> Path:
    """The tree of a commit, with this script as its bench (no worktree is added)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    shutil.copy(Path(__file__), into / "bench" / "scores.py")
    return into


def run_tree(tree: Path, args, n_units: int) -> dict:
    """This script's one-size measurement, run in a tree's own process."""
    command = [sys.executable, str(tree / "bench" / "scores.py"), "--only", str(n_units),
               "--repeats", str(args.repeats)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(done.stdout.strip().splitlines()[-1])


def side_by_side(args) -> bool:
    """The larger table, the baseline's engine against this tree's, alternately."""
    with tempfile.TemporaryDirectory() as tmp:
        baseline = extract(args.against, Path(tmp))
        runs: dict[str, list[dict]] = {"baseline": [], "file": []}
        for _ in range(args.rounds):
            runs["baseline"].append(run_tree(baseline, args, args.units))
            runs["file"].append(run_tree(ROOT, args, args.units))
    best = {k: min(v, key=lambda r: r["cpu_s"]) for k, v in runs.items()}
    for name, title in (("baseline", f"today's engine ({args.against})"),
                        ("file", "rubric from its file")):
        r = best[name]
        print(f"{args.units} units, {title}: CPU {r['cpu_s'] * 1000:.1f} ms, wall "
              f"{r['median_s'] * 1000:.1f} ms, {r['statements']} SQL statements")
    cpu = best["file"]["cpu_s"] / best["baseline"]["cpu_s"]
    wall = best["file"]["median_s"] / best["baseline"]["median_s"]
    print(f"rubric file / today's engine: CPU {cpu:.2f}, wall {wall:.2f} (target <= 1.2 on CPU)")
    return cpu <= 1.2 and best["file"]["statements"] == best["baseline"]["statements"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000, help="the larger size (default 2000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--against", default=BASELINE,
                        help=f"the baseline commit (default {BASELINE})")
    parser.add_argument("--no-baseline", action="store_true", help="skip the side by side run")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternate baseline and file runs this many times (default 2)")
    parser.add_argument("--only", type=int, help=argparse.SUPPRESS)  # one size, as JSON
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure_one(args.database_url, args.only, args.repeats)))
        return 0
    results = [measure_one(args.database_url, n, args.repeats)
               for n in (args.units // 10, args.units)]
    small, large = results
    backend = "postgresql" if args.database_url else "sqlite"
    for r in results:
        print(f"{backend} {r['units']:>5} units: quarter table median {r['median_s'] * 1000:.1f} ms, "
              f"{r['statements']} SQL statements, peak Python memory {r['peak_mb']:.1f} MB")
    ratio = large["median_s"] / small["median_s"]
    print(f"time ratio {large['units']}/{small['units']} units: {ratio:.2f} (target <= 12)")
    print(f"statements: {small['statements']} vs {large['statements']} (target: equal, not per unit)")
    ok = ratio <= 12 and small["statements"] == large["statements"]
    if not args.no_baseline:
        ok = side_by_side(args) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
