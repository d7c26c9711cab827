"""Remind 10,000 liaisons through the fake WeCom API; count the API calls and time it.

A database of units whose liaisons are all on WeCom and all still owe the month's
summary; the clock is set to the 20th 09:10; the scheduler's tick records the notices
and the worker delivers them. Target: at most ceil(N/1000) message/send calls (the
same reminder text to up to 1,000 members per call), and a fan-out whose time is set
by the platform (its per-call latency, here `--latency` ms per call), not by our code.

    python bench/fanout.py [--liaisons 10000] [--per-unit 20] [--latency 50]
"""
from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import build_config  # noqa: E402
from bot.worker import Worker  # noqa: E402
from bot.worker.scheduler import Leadership, run_due  # noqa: E402
from scoring import LOCAL_TZ  # noqa: E402
from storage.db import migrate  # noqa: E402
from storage.models import Liaison, Notice, Unit  # noqa: E402
from tests.fakes.wecom_api import FakeWecomApi  # noqa: E402

CORP, SECRET, AGENT = "wwbench0000000001", "bench-secret", 1000002


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--liaisons", type=int, default=10_000)
    parser.add_argument("--per-unit", type=int, default=20)
    parser.add_argument("--latency", type=float, default=50.0,
                        help="the fake API's answer delay per call, ms (a real network)")
    args = parser.parse_args()
    n_units = math.ceil(args.liaisons / args.per_unit)
    with tempfile.TemporaryDirectory() as tmp, FakeWecomApi(CORP, SECRET) as fake:
        fake.slow("message/send", args.latency / 1000)
        config = build_config({
            "database": {"url": f"sqlite:///{Path(tmp) / 'fanout.db'}"},
            "files": {"dir": str(Path(tmp) / "files")},
            "wecom": {"corp_id": CORP, "agent_id": AGENT, "secret": SECRET,
                      "api_base": fake.url}})
        clock = FixedClock(datetime(2026, 3, 20, 9, 10, tzinfo=LOCAL_TZ))
        with build_services(config, clock=clock) as services:
            migrate(services.engine)
            since = datetime(2026, 1, 1, tzinfo=timezone.utc)
            with services.engine.begin() as conn:
                conn.execute(insert(Unit), [{"id": u + 1, "name": f"单位{u + 1:05d}",
                                             "category": "key", "active": True,
                                             "created_at": since} for u in range(n_units)])
                conn.execute(insert(Liaison), [
                    {"channel": "wecom", "platform_user_id": f"user{i:06d}",
                     "unit_id": i // args.per_unit + 1, "display_name": "",
                     "created_at": since} for i in range(args.liaisons)])
            worker = Worker(services)
            tracemalloc.start()
            t0 = time.perf_counter()
            fired = run_due(services, Leadership(services.engine))
            t1 = time.perf_counter()
            while worker.run_once(limit=50):
                pass
            t2 = time.perf_counter()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            with services.session_factory() as session:
                states = [n.state for n in session.query(Notice)]
    sends = fake.calls_to("message/send")
    reached = sum(len(c.body["touser"].split("|")) for c in sends)
    bound = math.ceil(args.liaisons / 1000)
    api_floor = len(sends) * args.latency / 1000
    print(f"liaisons: {args.liaisons} in {n_units} units; fired: {[o.name for o in fired]}")
    print(f"notices recorded: {len(states)} ({states.count('sent')} sent) in {t1 - t0:.2f} s")
    print(f"message/send calls: {len(sends)} (target <= ceil(N/1000) = {bound}); "
          f"members reached: {reached}")
    print(f"gettoken calls: {len(fake.calls_to('gettoken'))}")
    print(f"delivery: {t2 - t1:.2f} s, of which the platform's own latency is at least "
          f"{api_floor:.2f} s ({len(sends)} calls x {args.latency:.0f} ms)")
    print(f"whole fan-out: {t2 - t0:.2f} s; our code outside the API calls: "
          f"{t2 - t0 - api_floor:.2f} s")
    print(f"peak memory: Python {peak / 1e6:.1f} MB, process RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    ok = len(sends) <= bound and reached == args.liaisons
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
