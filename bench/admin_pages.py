"""Time the office console's pages and exports at a city's size (2,000 units, a year).

    python bench/admin_pages.py [--units 2000] [--db URL] [--repeats 3] [--profile PATH]

Builds a database of `units` units with a year of history ending this month (a text and a
photo for most months, some late, some missing, a few waived; each photo its own stored
file with a perceptual hash; the office's facts and media stories for every quarter, some
bonus and deduction entries, a few quarter totals by hand, audit entries), by bulk inserts
into the real schema (a SQLite file by default; with --db postgresql+psycopg://... a fresh
schema, dropped afterwards). Then starts the real server (`python -m bot serve`, one
gunicorn worker, real clock), signs in as the office and GETs every page and export
`repeats` times; prints each one's median and the serving process's peak memory (VmHWM).
Then it times the pages again right after a change, as the office meets them on a busy
day: a liaison's message through the console (a new item of this month) before the pages
of this month, a waiver of last quarter's first month through the office console before
the pages of last quarter and the year (`changed` below); a different unit each time.
Then, in this process, the same app through Flask's test client counts each page's SQL
statements (they must not grow with the units) and, with --profile, writes a cProfile
of each page to PATH-<page>.prof.

Targets: every page under 1 s, every export under 2 s. Exits 1 when one is missed.
Evidence packs (zips of the stored files) are not timed: the bench stores no files.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import requests
from sqlalchemy import event, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout too

from bot.app import create_app  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.config import load_config  # noqa: E402
from scoring import LOCAL_TZ, month_of  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import (AuditEntry, BonusEntry, Deduction, Liaison,  # noqa: E402
                            MediaStory, MonthExcuse, QuarterTotal, StoredFile,
                            SummaryItem, Unit)
from bench.callbacks import database, peak_memory  # noqa: E402
from bench.scores import fact_rows  # noqa: E402
from tests.processes import free_port, stop, wait_healthy  # noqa: E402

CATEGORIES = ["key"] * 22 + ["department"] * 50 + ["stationed"] * 28
ADMIN = ("bench", "bench-password-1")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE_TARGET, EXPORT_TARGET = 1.0, 2.0


def pages(now: datetime) -> list[tuple[str, str, bool]]:
    """(name, path, is an export) of every page timed; unit 1 for the unit's pages (the
    pages after a change: the unit changed)."""
    this = month_of(now)
    ended = this.quarter.prev()
    return [
        ("board, 12 months", "/admin/board?span=12", False),
        ("board, 6 months", "/admin/board?span=6", False),
        ("board, 3 months, one category", "/admin/board?span=3&category=department", False),
        ("quarter table (this quarter)", "/admin/scores", False),
        (f"quarter table ({ended})", f"/admin/scores?quarter={ended}", False),
        ("year table", "/admin/scores/year", False),
        ("charts", "/admin/charts", False),
        ("unit page", f"/admin/units/1?quarter={ended}", False),
        ("unit inputs", f"/admin/units/1/inputs?quarter={ended}", False),
        ("evidence list", "/admin/evidence", False),
        ("facts import", "/admin/facts", False),
        ("audit log", "/admin/audit", False),
        ("undelivered", "/admin/undelivered", False),
        ("calendar", "/admin/calendar", False),
        (f"quarter xlsx ({ended})", f"/admin/scores/export.xlsx?quarter={ended}", True),
        (f"quarter csv ({ended})", f"/admin/scores/export.csv?quarter={ended}", True),
        ("year xlsx", "/admin/scores/year/export.xlsx", True),
        ("year csv", "/admin/scores/year/export.csv", True),
        (f"facts template ({ended})", f"/admin/facts/template.xlsx?quarter={ended}", True),
        ("audit xlsx", "/admin/audit/export.xlsx", True),
    ]


def populate(engine, n_units: int, now: datetime, seed: int = 7) -> None:
    """n units with the year of history before `now` (this month open), by bulk inserts."""
    rnd = random.Random(seed)
    this = month_of(now)
    months = [this]
    while len(months) < 13:
        months.append(months[-1].prev())
    months.reverse()
    registered = datetime(months[0].year, months[0].month, 1, tzinfo=LOCAL_TZ) - timedelta(days=1)
    units = [{"id": i, "name": f"压测单位{i:05d}", "category": CATEGORIES[i % len(CATEGORIES)],
              "active": True, "created_at": registered} for i in range(1, n_units + 1)]
    liaisons = [{"id": i, "channel": "console", "platform_user_id": f"bench{i:05d}",
                 "unit_id": i, "display_name": f"联络员{i}", "created_at": registered}
                for i in range(1, n_units + 1)]
    files, items, excuses = [], [], []
    for unit in range(1, n_units + 1):
        for month in months:
            roll = rnd.random()
            if roll < 0.1:
                continue  # missing
            day = 10 if roll < 0.8 else 27  # on time or late
            at = datetime(month.year, month.month, day, 9, 0, tzinfo=LOCAL_TZ)
            if at > now:
                continue
            items.append({"unit_id": unit, "month": str(month), "kind": "text",
                          "text": "本月组织志愿者开展活动，" * 6, "chars": 66, "file_id": None,
                          "liaison_id": unit, "inbound_id": None, "sent_at": at,
                          "received_at": at, "withdrawn_at": None})
            file_id = len(files) + 1
            files.append({"id": file_id, "sha256": f"{file_id:064x}", "kind": "photo",
                          "content_type": "image/jpeg", "size_bytes": 300_000,
                          "path": f"incoming/{file_id}.jpg", "thumb_path": f"thumbs/{file_id}.jpg",
                          "filename": None, "width": 1600, "height": 1200,
                          "taken_at": at - timedelta(hours=2),
                          "phash": f"{rnd.getrandbits(64):016x}", "created_at": at})
            items.append({"unit_id": unit, "month": str(month), "kind": "photo", "text": None,
                          "chars": 0, "file_id": file_id, "liaison_id": unit,
                          "inbound_id": None, "sent_at": at + timedelta(minutes=5),
                          "received_at": at + timedelta(minutes=5), "withdrawn_at": None})
            if roll > 0.97:
                excuses.append({"unit_id": unit, "month": str(month), "kind": "waived",
                                "reason": "停工整顿", "created_by": "bench", "created_at": at})
    quarters = sorted({m.quarter for m in months})
    facts, stories, totals, audit = [], [], [], []
    for unit in range(1, n_units + 1):
        for q in quarters:
            if q > this.quarter:
                continue
            facts.append({"unit_id": unit, "quarter": str(q), "annual_plan": True,
                          "annual_summary": rnd.random() < 0.8, "materials_uploaded": True,
                          "team_flag": True, "uniforms_sufficient": True,
                          "uniforms_worn": rnd.random() < 0.7, "staff_on_post": 50,
                          "registered_volunteers": rnd.randint(20, 50), "trainings": 1,
                          "service_items": rnd.randint(1, 6), "services": rnd.randint(3, 12),
                          "volunteer_hours": Decimal(rnd.randint(50, 300)),
                          "awareness_rate": Decimal(rnd.randint(60, 95)),
                          "brand_plan": True, "brand_promoted": rnd.random() < 0.3,
                          "satisfaction": rnd.choice(["excellent", "good", "fair"]),
                          "media_entered": True, "updated_at": registered, "updated_by": "bench"})
            for s in range(rnd.randint(0, 3)):
                stories.append({"unit_id": unit, "quarter": str(q), "story": f"稿件{s}",
                                "level": rnd.choice(["county", "city", "province"]),
                                "outlet": "", "link": "", "created_at": registered,
                                "created_by": "bench"})
            if rnd.random() < 0.01:
                totals.append({"unit_id": unit, "quarter": str(q),
                               "total": Decimal(rnd.randint(60, 95)), "reason": "线下考核",
                               "updated_at": registered, "updated_by": "bench"})
            audit.append({"at": registered, "actor": "bench", "action": "facts.import",
                          "entity": "quarter_fact", "entity_id": f"{unit}:{q}", "old": None,
                          "new": {"quarter": str(q)}, "unit_id": unit})
    year = this.year
    bonus = [{"unit_id": u, "year": year, "kind": "research_visit", "level": "provincial",
              "note": "", "occurred_on": None, "created_at": registered, "created_by": "bench"}
             for u in range(1, n_units + 1, 17)]
    deductions = [{"unit_id": u, "year": year, "points": Decimal(1), "kind": "perfunctory",
                   "reason": "敷衍了事", "occurred_on": None, "created_at": registered,
                   "created_by": "bench"} for u in range(3, n_units + 1, 23)]
    with engine.begin() as conn:
        for model, rows in ((Unit, units), (Liaison, liaisons), (StoredFile, files),
                            (SummaryItem, items), (MonthExcuse, excuses),
                            fact_rows(facts), (MediaStory, stories),
                            (QuarterTotal, totals), (BonusEntry, bonus),
                            (Deduction, deductions), (AuditEntry, audit)):
            for chunk in range(0, len(rows), 5000):
                conn.execute(insert(model), rows[chunk:chunk + 5000])
        if engine.dialect.name == "postgresql":  # the ids given: move the sequences on
            for table in ("units", "liaisons", "files"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with engine.connect() as conn:  # fresh statistics, as a database in use has
        conn.execute(text("ANALYZE"))
        conn.commit()


def write_config(tmp: Path, db_url: str) -> Path:
    """One gunicorn worker, no demo history; the console for signed-in admins only."""
    path = tmp / "bot.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[files]\ndir = "{tmp / "files"}"\n'
                    "[console]\nenabled = true\n[admin]\ndemo = false\n"
                    "[server]\nworkers = 1\nthreads = 2\nmax_requests = 0\n",
                    encoding="utf-8")
    return path


def cli(config: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], check=True,
                   capture_output=True, timeout=300, cwd=ROOT, input=stdin, text=True,
                   env={**os.environ, "BOT_CONFIG": ""})


def sign_in(base: str) -> requests.Session:
    """A requests session signed in as the office's admin."""
    session = requests.Session()
    form = session.get(f"{base}/admin/login", timeout=30).text
    token = TOKEN.search(form).group(1)
    done = session.post(f"{base}/admin/login", timeout=30, data={
        "name": ADMIN[0], "password": ADMIN[1], "csrf_token": token})
    assert done.status_code == 200 and "退出" in done.text, done.status_code
    return session


# The pages timed again after a change: what the change is, and which pages it concerns.
AFTER_MESSAGE = ("board, 12 months", "board, 6 months", "quarter table (this quarter)",
                 "charts")
AFTER_WAIVER = ("quarter table (2", "year table", "unit page", "quarter xlsx", "year xlsx")


class Client:
    """A signed-in office session that times each GET: its wall time, and the serving
    worker's CPU time for it (requests go one at a time to the one worker)."""

    def __init__(self, base: str, worker: int):
        self.base, self.worker = base, worker
        self.session = sign_in(base)

    def get(self, path: str) -> tuple[float, float]:
        spent, began = cpu_seconds(self.worker), time.perf_counter()
        resp = self.session.get(self.base + path, timeout=120)
        took = time.perf_counter() - began
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
        return took, cpu_seconds(self.worker) - spent


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def medians(runs: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """Each page's median wall and CPU time."""
    return {name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
            for name, got in runs.items()}


def time_pages(client: Client, todo, repeats: int):
    """Each page's first GET, and its medians over the next `repeats`."""
    first = {name: client.get(path) for name, path, _ in todo}
    runs: dict[str, list] = {name: [] for name, _, _ in todo}
    for _ in range(repeats):
        for name, path, _ in todo:
            runs[name].append(client.get(path))
    return first, medians(runs)


def after_changes(client: Client, todo, repeats: int, now: datetime, n_units: int):
    """Each page's medians over `repeats` GETs, each right after a change it shows."""
    ended = month_of(now).quarter.prev()
    runs: dict[str, list] = {}
    session, base = client.session, client.base
    for r in range(repeats):
        sent = session.post(f"{base}/console/api/messages", timeout=60, json={
            "user": f"bench{n_units // 2 + r:05d}", "text": f"本月又开展了一次志愿服务活动（第 {r} 次）。"})
        assert sent.status_code == 200, sent.text[:300]
        for name, path, _ in todo:
            if name.startswith(AFTER_MESSAGE) and "category" not in path:
                runs.setdefault(name, []).append(client.get(path))
        unit = n_units // 3 + r
        page = session.get(f"{base}/admin/units/{unit}?quarter={ended}", timeout=60).text
        waived = session.post(f"{base}/admin/units/{unit}/excuses", timeout=60, data={
            "csrf_token": TOKEN.search(page).group(1), "kind": "waived",
            "month": str(ended.months()[0]), "reason": "压测：抗洪抢险"})
        assert waived.status_code == 200, waived.status_code
        for name, path, _ in todo:
            if name.startswith(AFTER_WAIVER):
                runs.setdefault(name, []).append(
                    client.get(path.replace("/units/1?", f"/units/{unit}?")))
    return medians(runs)


def statements_and_profiles(config: Path, todo, profile: str | None) -> dict[str, int]:
    """Each page's SQL statements, through the test client in this process; cProfiles."""
    services = build_services(load_config(config))
    counted: list[int] = []
    event.listen(services.engine, "before_cursor_execute", lambda *a, **k: counted.append(1))
    client = create_app(services=services).test_client()
    form = client.get("/admin/login").get_data(as_text=True)
    client.post("/admin/login", data={"name": ADMIN[0], "password": ADMIN[1],
                                      "csrf_token": TOKEN.search(form).group(1)})
    found = {}
    try:
        for name, path, _ in todo:
            client.get(path)  # warm
            counted.clear()
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            resp = client.get(path)
            if profiler:
                profiler.disable()
                slug = re.sub(r"\W+", "-", name).strip("-")
                profiler.dump_stats(f"{profile}-{slug}.prof")
            assert resp.status_code == 200, (path, resp.status_code)
            found[name] = len(counted)
    finally:
        services.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--db", help="PostgreSQL base URL (default: a SQLite file)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile of each page to PROFILE-<page>.prof")
    parser.add_argument("--only", help="time only the pages whose name contains this")
    args = parser.parse_args(argv)
    now = datetime.now(timezone.utc)
    todo = [p for p in pages(now) if not args.only or args.only in p[0]]
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp, \
            database(args.db, Path(tmp)) as db_url:
        config = write_config(Path(tmp), db_url)
        cli(config, "init")
        began = time.perf_counter()
        engine = make_engine(db_url)
        populate(engine, args.units, now)
        engine.dispose()
        built = time.perf_counter() - began
        cli(config, "admin", "create-user", ADMIN[0], "--role", "admin", "--password-stdin",
            stdin=ADMIN[1] + "\n")
        port = free_port()
        log = Path(tmp) / "server.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(config), "serve", "--host",
                 "127.0.0.1", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=out, start_new_session=True, env={**os.environ, "BOT_CONFIG": ""})
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server, log)
            worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
                         .split()[0])
            client = Client(base, worker)
            first, warm = time_pages(client, todo, args.repeats)
            after = after_changes(client, todo, args.repeats, now, args.units)
            peaks = peak_memory(server.pid)
        finally:
            stop(server)
        statements = statements_and_profiles(config, todo, args.profile)
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"{backend}, {args.units} units, a year of history (built in {built:.0f} s); "
          f"python -m bot serve, 1 worker. Wall ms (the worker's CPU ms): the first GET, "
          f"the median of the next {args.repeats}, the median of {args.repeats} right after "
          f"a change it shows")
    ok = True
    for name, _, export in todo:
        target = EXPORT_TARGET if export else PAGE_TARGET
        worst = max(warm[name][0], after.get(name, (0, 0))[0])
        ok = ok and worst < target
        shown = "".join(f"{w * 1000:7.0f} ({c * 1000:5.0f})" if (w, c) != (None, None)
                        else " " * 15
                        for w, c in (first[name], warm[name], after.get(name, (None, None))))
        print(f"  {name:<38}{shown}  {statements[name]:3d} statements"
              f"{'  (target < %.0f s: missed)' % target if worst >= target else ''}")
    if peaks:
        print("peak memory (VmHWM): " + ", ".join(f"{name} {kib / 1024:.0f} MiB"
                                                  for name, kib in peaks))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
