"""Receipts during a burst of WeCom photos: unit A sends 100, unit B one in the middle.

    python bench/burst.py [--count 100] [--delay 6] [--workers 2] [--threads 8]
                          [--database-url URL] [--timeout 900]

Starts the real server (`python -m bot serve`) and `--workers` worker processes
(`python -m bot worker`, `[worker] threads = --threads`) on a temporary config (SQLite
by default; with --database-url postgresql+psycopg://... a fresh schema dropped
afterwards), against the fake WeCom API in this process, which takes `--delay` seconds
to answer each media download (WeCom's real downloads take about 6 s). Unit A's
liaison sends `--count` photos, one callback after the other as WeCom delivers them;
unit B's liaison sends one photo after A's half. The workers download, store, and
push the receipts (coalesced per member, bot/channels/outbox.py).

Prints, from the fake API's clock: unit A's first receipt after its first download
finished, its last receipt after its last download finished, unit B's receipt after
its download finished, and the total time from the first callback to the last
receipt; from the database, the slowest receipt of any photo (outbox entry sent minus
recorded). Exits 1 unless every photo got its receipt and A's last, B's and the
slowest receipt each came within 10 s (the issue's target). Loopback only.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout too

from bench.callbacks import database  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from tests.conftest import jpeg_bytes  # noqa: E402
from tests.fakes.wecom_api import FakeWecomApi  # noqa: E402
from tests.fakes.wecom_client import AES_KEY, AGENT_ID, CORP_ID, TOKEN, Member  # noqa: E402
from tests.processes import free_port, stop, wait_for, wait_healthy  # noqa: E402

SECRET = "bench-secret"
USER_A, USER_B = "liaisonA", "liaisonB"
TARGET = 10.0  # seconds from a photo's download to its receipt
RECORDED = "已记录："  # once in every receipt, coalesced or not


def main(argv: list[str] | None = None) -> int:
    """Run the burst and print its figures; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="unit A's photos")
    parser.add_argument("--delay", type=float, default=6.0, help="seconds per media download")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=8, help="[worker] threads per process")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: a SQLite file)")
    parser.add_argument("--timeout", type=float, default=900, help="give up after (s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp, \
            database(args.database_url, Path(tmp)) as db_url, \
            FakeWecomApi(CORP_ID, SECRET) as fake:
        fake.slow("media/get", args.delay)
        config = write_config(Path(tmp), db_url, fake.url, args.threads)
        port = free_port()
        logs = Path(tmp)
        procs = [start(logs / "serve.log", "--config", str(config), "serve",
                       "--host", "127.0.0.1", "--port", str(port))]
        procs += [start(logs / f"worker{n}.log", "--config", str(config), "worker")
                  for n in range(args.workers)]
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, procs[0], logs / "serve.log")
            media_a = [f"A-{k:04d}" for k in range(args.count)]
            for k, media_id in enumerate(media_a + ["B-0000"]):
                fake.add_media(media_id, jpeg_bytes(seed=k))
            began = time.time()
            send_burst(url, media_a)
            wait_for(lambda: receipts(fake, USER_A) >= args.count
                     and receipts(fake, USER_B) >= 1, args.timeout)
            slowest = slowest_receipt(db_url)
        finally:
            for proc in procs:
                stop(proc)
    return report(fake, args, began, slowest)


def write_config(tmp: Path, db_url: str, api_url: str, threads: int) -> Path:
    """A config for the fake WeCom API with units A and B, its database initialised."""
    units = tmp / "units.csv"
    units.write_text("name,category,liaisons\n"
                     f"甲单位,key,wecom:{USER_A}\n乙单位,key,wecom:{USER_B}\n", encoding="utf-8")
    path = tmp / "bot.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n'
                    f'[files]\ndir = "{tmp / "files"}"\n'
                    "[console]\nenabled = false\n"
                    "[reminders]\nenabled = false\n"
                    "[admin]\ndemo = false\n"
                    f"[worker]\nthreads = {threads}\n"
                    f'[wecom]\ncorp_id = "{CORP_ID}"\nagent_id = {AGENT_ID}\n'
                    f'secret = "{SECRET}"\ntoken = "{TOKEN}"\n'
                    f'encoding_aes_key = "{AES_KEY}"\napi_base = "{api_url}"\n',
                    encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "init", "--units",
                    str(units)], check=True, capture_output=True, timeout=120, cwd=ROOT)
    return path


def start(log: Path, *args) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=out, start_new_session=True)


def send_burst(url: str, media_a: list[str]) -> None:
    """A's photos one after the other, B's single photo after A's half."""
    a, b = Member(url, SystemClock(), USER_A), Member(url, SystemClock(), USER_B)
    for k, media_id in enumerate(media_a):
        if k == len(media_a) // 2:
            post_photo(b, "B-0000", str(6_000_000_000))
        post_photo(a, media_id, str(5_000_000_000 + k))


def post_photo(member: Member, media_id: str, msg_id: str) -> None:
    resp = member.post("image", msg_id, PicUrl="", MediaId=media_id)
    if resp.status_code != 200:
        raise SystemExit(f"callback for {media_id} answered {resp.status_code}: {resp.text}")


def sends(fake: FakeWecomApi, user: str):
    return [c for c in fake.calls_to("message/send") if c.body.get("touser") == user]


def receipts(fake: FakeWecomApi, user: str) -> int:
    """How many photo receipts the member has got (a coalesced message holds several)."""
    return sum(c.body.get("text", {}).get("content", "").count(RECORDED)
               for c in sends(fake, user))


def downloads(fake: FakeWecomApi, prefix: str) -> list[float]:
    """When each download of these media was answered, in order."""
    return sorted(c.answered for c in fake.calls_to("media/get")
                  if c.query.get("media_id", "").startswith(prefix))


def slowest_receipt(db_url: str) -> float:
    """The longest a photo's receipt took from being recorded to being sent."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(OutboxMessage.created_at, OutboxMessage.sent_at)).all()
    finally:
        engine.dispose()
    return max((sent - made).total_seconds() for made, sent in rows if sent is not None)


def report(fake: FakeWecomApi, args, began: float, slowest: float) -> int:
    got_a, got_b = sends(fake, USER_A), sends(fake, USER_B)
    down_a, down_b = downloads(fake, "A-"), downloads(fake, "B-")
    first_a = got_a[0].at - down_a[0]
    last_a = got_a[-1].at - down_a[-1]
    only_b = got_b[-1].at - down_b[-1]
    total = max(c.at for c in got_a + got_b) - began
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"burst: unit A {args.count} photos, unit B 1 photo after A's {args.count // 2}th; "
          f"{args.delay:g} s per download; {args.workers} worker processes x "
          f"{args.threads} threads (+1 prompt lane each); {backend}")
    print(f"unit A: first receipt {first_a:.1f} s after its first download, last receipt "
          f"{last_a:.1f} s after its last download ({len(got_a)} messages, "
          f"{receipts(fake, USER_A)} receipts)")
    print(f"unit B: receipt {only_b:.1f} s after its download")
    print(f"slowest receipt of any photo, recorded to sent: {slowest:.1f} s")
    print(f"total: {total:.1f} s from the first callback to the last receipt "
          f"({len(fake.calls_to('media/get'))} downloads)")
    ok = (receipts(fake, USER_A) >= args.count and receipts(fake, USER_B) >= 1
          and max(last_a, only_b, slowest) <= TARGET)
    print(f"target: every receipt within {TARGET:g} s of its download: "
          + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
