"""Build every unit's evidence pack of a real quarter's size through the worker, against a
plain copy of the same photos, and weigh the building process's memory.

    python bench/evidence.py [--photos 2400] [--mb 1.5] [--database-url URL] [--rounds 3]

A quarter of 100 units × 3 months × 8 photos of 1.5 MB (3.6 GB): the photos are
incompressible bytes between real JPEG markers (SOI, a JFIF APP0, EOI), each stored
through the file store (FileStore.put_blob) and named by real rows (units, liaisons,
inbound messages, files with a perceptual hash and a capture time, summary items; a
text a month per unit), so the pack is written by the real job: the office's request
(bot/office/pack_builds.request_pack) queues it, and a worker, in a process of its own,
claims and builds it (reading the rows, comparing every photo's hash, writing each
unit's 回执清单.xlsx and copying the photos). Timed against shutil.copy of the same files
into one folder, before and after the pack in the same run; each timed phase starts
after os.sync(), so that none pays for the writeback of the one before. Prints both times, the
ratio of each round (a pack between two copies) and their median (target ≤ 1.5), and the worker process's peak RSS (resource.getrusage, target
< 200 MB); exits 1 if either is missed.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout too

from sqlalchemy import insert, select  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import build_config  # noqa: E402
from bot.office.pack_builds import request_pack  # noqa: E402
from bot.worker import Worker  # noqa: E402
from scoring import LOCAL_TZ, Quarter  # noqa: E402
from storage.db import UnitOfWork, make_engine, migrate  # noqa: E402
from storage.models import (EvidencePack, InboundMessage, Liaison, StoredFile,  # noqa: E402
                            SummaryItem, Unit)

QUARTER = Quarter.parse("2026Q1")
NOW = datetime(2026, 4, 10, 10, 0, tzinfo=LOCAL_TZ)
PER_MONTH = 8
TEXT = "本月组织志愿者开展敬老院义诊活动两次，服务老人八十余人次；开展文明交通劝导三次，参与志愿者二十五人。"
JFIF = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")   # SOI + APP0 (JFIF 1.1)
EOI = bytes.fromhex("ffd9")
RATIO_TARGET, RSS_TARGET_MB = 1.5, 200


def jpeg_like(rng: random.Random, size: int) -> bytes:
    """Incompressible bytes between JPEG's markers, `size` bytes in all."""
    return JFIF + rng.randbytes(size - len(JFIF) - len(EOI)) + EOI


def populate(services, photos: int, size: int) -> list[Path]:
    """Units, liaisons, messages, files and items for `photos` photos of the quarter;
    the stored photos' paths."""
    rng = random.Random(16)
    months = QUARTER.months()
    units = -(-photos // (len(months) * PER_MONTH))
    stored, now = [], NOW
    with UnitOfWork(services.session_factory) as uow:
        s = uow.session
        s.execute(insert(Unit), [dict(name=f"测试单位{n:03d}", category="key", active=True,
                                      created_at=now - timedelta(days=400))
                                 for n in range(units)])
        unit_ids = s.scalars(select(Unit.id).order_by(Unit.id)).all()
        s.execute(insert(Liaison), [dict(channel="wecom", platform_user_id=f"user{u}",
                                         unit_id=u, display_name="" if u % 2 else f"联络员{u}",
                                         created_at=now - timedelta(days=400))
                                    for u in unit_ids])
        liaisons = dict(s.execute(select(Liaison.unit_id, Liaison.id)).tuples().all())
        n = 0
        for month_index, month in enumerate(months):
            first = datetime(month.year, month.month, 3, 9, 0, tzinfo=LOCAL_TZ)
            for u in unit_ids:
                for k in range(PER_MONTH + 1):
                    if n >= photos and k:
                        break
                    at = first + timedelta(days=k, minutes=u)
                    msg_id = f"b{u}-{month}-{k}"
                    if k == 0:   # a month's text first
                        _item(s, u, liaisons[u], month, at, msg_id, "text", TEXT, None)
                        continue
                    rel = services.files.put_blob(jpeg_like(rng, size), ".jpg")
                    stored.append(services.files.path(rel))
                    taken = at - timedelta(days=40 if k == 1 and u % 7 == 0 else 0)
                    file_id = s.execute(insert(StoredFile).returning(StoredFile.id), [dict(
                        sha256=Path(rel).stem, kind="photo", content_type="image/jpeg",
                        size_bytes=size, path=rel, width=4000, height=3000, taken_at=taken,
                        phash=f"{rng.getrandbits(64):016x}", created_at=at)]).scalar_one()
                    _item(s, u, liaisons[u], month, at, msg_id, "photo", None, (rel, file_id))
                    n += 1
            print(f"  {month.label}: {n} photos stored", flush=True)
        uow.commit()
    return stored


def _item(s, unit_id, liaison_id, month, at, msg_id, kind, text, file) -> None:
    inbound = s.execute(insert(InboundMessage).returning(InboundMessage.id), [dict(
        channel="wecom", platform_msg_id=msg_id, platform_user_id=f"user{unit_id}",
        kind=kind, text=text, blob_path=file[0] if file else None, payload={}, sent_at=at,
        received_at=at + timedelta(seconds=2), state="handled", replies=["已收到"],
        handled_at=at + timedelta(seconds=3))]).scalar_one()
    s.execute(insert(SummaryItem), [dict(
        unit_id=unit_id, month=str(month), kind=kind, text=text,
        chars=len(text) if text else 0, file_id=file[1] if file else None,
        liaison_id=liaison_id, inbound_id=inbound, sent_at=at,
        received_at=at + timedelta(seconds=2))])


def settled() -> None:
    """Write what the page cache holds to disk first (os.sync): each timed phase starts
    with none of the one before still being written back."""
    os.sync()
    time.sleep(1)


def plain_copy(sources: list[Path], folder: Path) -> float:
    """Seconds to shutil.copy every photo into one folder (removed afterwards)."""
    folder.mkdir()
    settled()
    started = time.perf_counter()
    for n, source in enumerate(sources):
        shutil.copy(source, folder / f"{n:05d}.jpg")
    took = time.perf_counter() - started
    shutil.rmtree(folder)
    return took


def build_in_child(raw: dict, results) -> None:
    """The worker's process: claim the queued pack and build it; report time and RSS."""
    with build_services(build_config(raw), clock=FixedClock(NOW)) as services:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker = Worker(services)
        started = time.perf_counter()
        while worker.run_once(limit=1):
            pass
        took = time.perf_counter() - started
    results.put((took, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=2400, help="photos in the quarter")
    parser.add_argument("--mb", type=float, default=1.5, help="megabytes per photo")
    parser.add_argument("--database-url", help="default: SQLite in the temporary folder")
    parser.add_argument("--rounds", type=int, default=3,
                        help="packs built, each between two plain copies; the median ratio")
    args = parser.parse_args(argv)
    size = int(args.mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        raw = {"database": {"url": url}, "files": {"dir": f"{tmp}/files"},
               "reminders": {"enabled": False}, "admin": {"demo": False}}
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        started = time.perf_counter()
        with build_services(build_config(raw), clock=FixedClock(NOW)) as services:
            print(f"generating {args.photos} photos of {args.mb} MB ({url.split(':')[0]}) …")
            sources = populate(services, args.photos, size)
            print(f"generated in {time.perf_counter() - started:.1f} s")
            copies = [plain_copy(sources, Path(tmp, "copy"))]
            rounds = []
            for n in range(args.rounds):
                took, idle_rss, peak_rss, row, photos, stored = build_pack(services, raw)
                copies.append(plain_copy(sources, Path(tmp, "copy")))
                rounds.append((took, (copies[-2] + copies[-1]) / 2, peak_rss))
                print(f"round {n + 1}: worker built it in {took:.1f} s; plain copy "
                      f"{copies[-2]:.1f} s before, {copies[-1]:.1f} s after: ratio "
                      f"{took / rounds[-1][1]:.2f}; worker peak RSS {peak_rss:.0f} MB "
                      f"({idle_rss:.0f} MB before the job)", flush=True)
    ratio = statistics.median(took / copy for took, copy, _ in rounds)
    peak = max(rss for _, _, rss in rounds)
    total = len(sources) * size / 1024 ** 3
    print(f"pack: {row.units_total} units, {len(photos)} photos ({stored} stored, not deflated),"
          f" {row.size_bytes / 1024 ** 3:.2f} GB for {total:.2f} GB of photos")
    print(f"median ratio over {len(rounds)} rounds {ratio:.2f} (target ≤ {RATIO_TARGET}); "
          f"worker process peak RSS {peak:.0f} MB (target < {RSS_TARGET_MB})")
    return 0 if ratio <= RATIO_TARGET and peak < RSS_TARGET_MB else 1


def build_pack(services, raw: dict):
    """Ask for the pack as the office does, let a worker in its own process build it, check
    it, then remove it (the next round builds its own)."""
    with UnitOfWork(services.session_factory) as uow:
        pack, _ = request_pack(uow.session, QUARTER, "admin:bench", NOW)
        uow.commit()
    results = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=build_in_child,
                                                        args=(raw, results))
    settled()
    child.start()
    took, idle_rss, peak_rss = results.get()
    child.join()
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(EvidencePack, pack.id)
        assert row.status == "ready", (row.status, row.error)
        path = services.files.path(row.path)
        with zipfile.ZipFile(path) as zf:
            photos = [i for i in zf.infolist() if "/照片/" in i.filename]
            stored = sum(i.compress_type == zipfile.ZIP_STORED for i in photos)
        path.unlink()   # the disk's room for the next round (a ready pack is not reused)
    return took, idle_rss, peak_rss, row, photos, stored


if __name__ == "__main__":
    sys.exit(main())
