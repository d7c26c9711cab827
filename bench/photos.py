"""Time photo ingest against a plain full-size Pillow decode of the same phone photos,
and weigh what the file store keeps on disk per photo.

    python bench/photos.py [--count 12] [--rounds 3]

Generates 12-megapixel JPEGs with EXIF (DateTimeOriginal, Orientation) and
photo-like content, then times ingest (FileStore.put_blob: hash, write; put_photo:
check, thumbnail)
and Image.open(...).load() on each, interleaved. Then sends every photo through the
console (the real web app, conversation and store, on SQLite) and counts the bytes
the store holds on disk (allocated blocks, a hard-linked file once) against the
photos' own size. Exits 1 if ingest is slower, or if the store holds more than 1.1×
each photo plus its thumbnail.
"""
from __future__ import annotations

import argparse
import gc
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout too

from storage.files import FileStore  # noqa: E402

WIDTH, HEIGHT = 4000, 3000
ORIENTATIONS = (1, 6, 1, 3, 6, 8)   # mostly upright or turned, as phones write them


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12, help="photos to generate")
    parser.add_argument("--rounds", type=int, default=3, help="timings per photo and method")
    parser.add_argument("--child", nargs=2, metavar=("JOB", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child, count=args.count)
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as tmp:
        folder = Path(tmp, "photos")
        # Generating, and measuring each method's peak RSS, happen in processes of
        # their own: a child inherits its parent's ru_maxrss high-water mark.
        started = time.perf_counter()
        run_child("generate", folder, args.count)
        paths = sorted(folder.glob("*.jpg"))
        sizes = [p.stat().st_size for p in paths]
        print(f"photos: {len(paths)} x {WIDTH}x{HEIGHT} JPEG, "
              f"{statistics.mean(sizes) / 1e6:.1f} MB average, EXIF DateTimeOriginal + "
              f"Orientation (generated in {time.perf_counter() - started:.1f} s)")
        rss = [run_child(job, folder, args.count) for job in ("ingest", "decode")]
        ingest, decode = timings([p.read_bytes() for p in paths], Path(tmp), args.rounds)
        ratio = ingest / decode
        print(f"rounds: {args.rounds} ({len(paths) * args.rounds} timings per method)")
        print(f"ingest median: {ingest:.1f} ms/photo")
        print(f"plain decode median: {decode:.1f} ms/photo")
        print(f"ratio: {ratio:.2f} (target <= 1.0)")
        print(f"peak memory: tracemalloc during ingest {traced_peak(paths, Path(tmp)):.1f} MB "
              "(Python objects; Pillow's pixel buffers are not traced)")
        for line in rss:
            print(f"peak memory: {line}")
        this = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: ru_maxrss of this process {this:.0f} MB (both methods, interleaved)")
        disk = disk_use(paths, Path(tmp, "console"))
        print(f"disk: {disk.per_photo / 1e6:.2f} MB on disk per photo sent through the console, "
              f"for {disk.photo / 1e6:.2f} MB photos with {disk.thumb / 1e3:.0f} KB thumbnails: "
              f"{disk.per_photo / disk.photo:.2f}x the photo, "
              f"{disk.ratio:.2f}x the photo plus its thumbnail (target <= 1.1)")
        for area, size in disk.areas.items():
            print(f"disk: {area}/ {size / 1e6:.1f} MB")
    status = 0
    if ratio > 1.0:
        print("FAIL: ingest is slower than a plain decode")
        status = 1
    if disk.ratio > 1.1:
        print("FAIL: the store keeps more than one copy of a photo")
        status = 1
    return status


@dataclass(frozen=True)
class DiskUse:
    """What the store holds on disk after the photos were sent (bytes, means per photo)."""

    per_photo: float          # allocated on disk, every file of the store
    photo: float              # the photo's own size
    thumb: float              # its thumbnail's size
    areas: dict               # top folder of the store -> allocated bytes

    @property
    def ratio(self) -> float:
        return self.per_photo / (self.photo + self.thumb)


def disk_use(paths: list[Path], tmp: Path) -> DiskUse:
    """Send each photo through the console as a liaison would; weigh the file store."""
    from bot.app import create_app
    from bot.config import build_config
    from bot.bootstrap import build_services
    from storage.db import UnitOfWork, migrate
    from storage.models import Liaison, Unit

    store = tmp / "files"
    config = build_config({"database": {"url": f"sqlite:///{tmp / 'bench.db'}"},
                           "files": {"dir": str(store)}})
    with build_services(config) as services:
        migrate(services.engine)
        with UnitOfWork(services.session_factory) as uow:
            now = services.clock.now()
            unit = Unit(name="县委党校", category="key", active=True, created_at=now)
            uow.session.add(unit)
            uow.session.flush()
            uow.session.add(Liaison(channel="console", platform_user_id="bench",
                                    unit_id=unit.id, created_at=now))
            uow.commit()
        client = create_app(services=services).test_client()
        for path in paths:
            answer = client.post("/console/api/messages", data={
                "user": "bench", "image": (io.BytesIO(path.read_bytes()), path.name)})
            assert "图片 1 张" in answer.get_json()["replies"][0], answer.get_json()
    areas: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    for file in sorted(store.rglob("*")):
        info = file.lstat()
        if not file.is_file() or (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        area = file.relative_to(store).parts[0]
        areas[area] = areas.get(area, 0) + info.st_blocks * 512
    thumbs = [f.stat().st_size for f in (store / "thumbs").rglob("*.jpg")]
    return DiskUse(per_photo=sum(areas.values()) / len(paths),
                   photo=statistics.mean(p.stat().st_size for p in paths),
                   thumb=statistics.mean(thumbs), areas=areas)


def run_child(job: str, folder: Path, count: int) -> str:
    """Run this script for one job in a fresh process and return what it printed."""
    command = [sys.executable, __file__, "--child", job, str(folder), "--count", str(count)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def child(job: str, folder: str, count: int) -> int:
    """Generate the photos, or ingest or decode them all and print the peak RSS."""
    if job == "generate":
        generate(Path(folder), count)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        store = FileStore(tmp)
        # A tiny photo first, so that lazy imports (scipy, for the hash) count as start-up.
        tiny = io.BytesIO()
        Image.new("RGB", (64, 48), "grey").save(tiny, "JPEG")
        keep_photo(store, tiny.getvalue())
        plain_decode(tiny.getvalue())
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for path in sorted(Path(folder).glob("*.jpg")):
            data = path.read_bytes()
            keep_photo(store, data) if job == "ingest" else plain_decode(data)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = "ingest" if job == "ingest" else "plain decode"
    print(f"ru_maxrss of a process doing only {label}: {after:.0f} MB "
          f"({before:.0f} MB after start-up)")
    return 0


def generate(folder: Path, count: int) -> list[Path]:
    """Write count photo-like JPEGs (smooth light, shapes, sensor noise) with EXIF."""
    import numpy as np   # only the generating child needs it

    folder.mkdir(parents=True)
    rng = np.random.default_rng(2026)
    y = np.linspace(0, 1, HEIGHT, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, WIDTH, dtype=np.float32)[None, :]
    paths = []
    for i in range(count):
        phase = rng.uniform(0, 6, size=(3, 2)).astype(np.float32)
        freq = rng.uniform(1, 8, size=(3, 2)).astype(np.float32)
        # Channels kept within 12..219 so that adding 0..24 of noise cannot overflow uint8.
        channels = [(12 + 207 * (0.5 + 0.25 * np.sin(freq[c, 0] * x + phase[c, 0])
                                 + 0.25 * np.cos(freq[c, 1] * y + phase[c, 1])))
                    .astype(np.uint8) for c in range(3)]
        pixels = np.stack(channels, axis=2)
        pixels += rng.integers(0, 25, size=pixels.shape, dtype=np.uint8)
        exif = Image.Exif()
        exif[0x0112] = ORIENTATIONS[i % len(ORIENTATIONS)]
        exif[0x010F], exif[0x0110] = "BenchCam", "Phone 12MP"
        exif.get_ifd(0x8769)[0x9003] = f"2026:03:{1 + i % 28:02d} {8 + i % 10:02d}:30:00"
        path = folder / f"IMG_{i:04d}.jpg"
        Image.fromarray(pixels).save(path, "JPEG", quality=92, exif=exif)
        paths.append(path)
    return paths


def timings(photos: list[bytes], tmp: Path, rounds: int) -> tuple[float, float]:
    """Return median ms per photo of ingest and of a plain decode, interleaved."""
    warm = FileStore(tmp / "warm-up")
    keep_photo(warm, photos[0])
    plain_decode(photos[0])
    ingest, decode = [], []
    for r in range(rounds):
        store = FileStore(tmp / f"store-{r}")   # fresh: every original is really written
        for i, data in enumerate(photos):
            # Alternate which goes first so neither always runs on a warm cache.
            steps = [(ingest, lambda: keep_photo(store, data)), (decode, lambda: plain_decode(data))]
            for sink, step in steps if (i + r) % 2 == 0 else reversed(steps):
                gc.collect()
                started = time.perf_counter()
                step()
                sink.append((time.perf_counter() - started) * 1000)
    return statistics.median(ingest), statistics.median(decode)


def keep_photo(store: FileStore, data: bytes) -> None:
    """Keep a photo as received, then check it and make its thumbnail, as the console does."""
    store.put_photo(store.put_blob(data, ".jpg"))


def plain_decode(data: bytes) -> None:
    """Decode a photo at full size, the way a naive ingest would."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()


def traced_peak(paths: list[Path], tmp: Path) -> float:
    """Return the peak of Python allocations, in MB, while ingesting every photo."""
    store = FileStore(tmp / "store-traced")
    tracemalloc.start()
    for path in paths:
        keep_photo(store, path.read_bytes())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


if __name__ == "__main__":
    sys.exit(main())
