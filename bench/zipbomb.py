"""A .docx zip bomb through the console API while other liaisons send texts and photos.

    python bench/zipbomb.py [--liaisons 24] [--messages 20] [--pause 0.5] [--database-url URL]

Starts the real server (`python -m bot serve`: gunicorn, 2 workers x 4 threads) and the
real worker (`python -m bot worker`) on a temporary config (SQLite by default; with
--database-url postgresql+psycopg://... a fresh schema dropped afterwards), with one
console liaison per unit. Builds the bomb: a valid .docx whose word/document.xml inflates
to 100 MB. Then `liaisons` other liaisons each send `messages` messages, texts and photos
in turn (small real JPEGs, each different), with `--pause` seconds between them: once
without the bomb (the machine's baseline, the same run), then again, and once they are
all sending, one more liaison uploads the bomb, and a watcher polls the console's
history for the worker's answer to it.

Prints the bomb's upload (time, reply), the refusal and how long it took, the other
liaisons' latency in both rounds (p50, p99, max) and failures (a non-200 answer, or a
reply that is not a receipt), the items stored against those sent, and the peak resident
memory (VmHWM) of the gunicorn master, each web worker and the worker. Exits 1 unless: the bomb is
refused with the Chinese advice and kept, every other message got its receipt and was
stored, their p99 with the bomb is under 1 s, and every web worker peaked under 300 MiB.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout too

from bench.callbacks import database, peak_memory  # noqa: E402
from storage.models import Liaison, StoredFile, SummaryItem  # noqa: E402
from tests.documents import zip_bomb_docx  # noqa: E402
from tests.processes import free_port, stop, wait_for, wait_healthy  # noqa: E402

TEXT = ("本月组织志愿者开展敬老院义诊活动两次，服务老人八十余人次；开展文明交通劝导三次，"
        "参与志愿者二十五人，发放宣传资料三百余份，群众反响良好。")
ADVICE = "请另存为较小的文件或直接发送文字"
BOMB_USER = "bomb"
WEB_TARGET_MIB = 300


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--liaisons", type=int, default=24, help="other liaisons sending")
    parser.add_argument("--messages", type=int, default=20, help="messages per liaison")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between messages")
    parser.add_argument("--inflated-mb", type=int, default=100, help="document.xml inflated")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: a SQLite file)")
    args = parser.parse_args(argv)
    bomb = zip_bomb_docx(args.inflated_mb * 1024 * 1024)
    users = [f"liaison{i:02d}" for i in range(args.liaisons)]
    # The same load twice, without the bomb and then with it (new photos each time).
    before = {u: messages_of(2 * i, args.messages) for i, u in enumerate(users)}
    during = {u: messages_of(2 * i + 1, args.messages) for i, u in enumerate(users)}
    with tempfile.TemporaryDirectory(prefix="bench-zipbomb-") as tmp, \
            database(args.database_url, Path(tmp)) as db_url:
        config = write_config(Path(tmp), db_url, users)
        port = free_port()
        server = start(config, ["serve", "--host", "127.0.0.1", "--port", str(port)],
                       Path(tmp) / "server.log")
        worker = start(config, ["worker"], Path(tmp) / "worker.log")
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, server, server.log)
            send(url, "warm-up", [("text", TEXT)], 0, None)
            baseline = load(url, before, args.pause, None)
            run = load(url, during, args.pause, bomb)
            refusal, refused_after = run["watch"].result()
            stored = stored_items(db_url, users)
            peaks = [(name.replace("worker", "web worker"), kib)
                     for name, kib in peak_memory(server.pid)]
            peaks.append(("bot worker", hwm(worker.pid)))
        finally:
            stop(worker)
            stop(server)
    return report(args, bomb, baseline, run, refusal, refused_after, stored, peaks,
                  sent=2 * args.liaisons * args.messages)


def messages_of(seed: int, n: int) -> list[tuple[str, object]]:
    """A liaison's messages: texts and photos in turn, each photo different."""
    return [("text", f"{TEXT}（第 {k} 条）") if k % 2 == 0 else ("photo", jpeg(seed * 1000 + k))
            for k in range(n)]


def jpeg(seed: int) -> bytes:
    img = Image.new("RGB", (640, 480), (seed * 7 % 256, seed * 13 % 256, seed * 29 % 256))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x, y = (seed * 37 + i * 71) % 640, (seed * 53 + i * 29) % 480
        draw.rectangle([x, y, x + 160, y + 96], fill=((seed + i * 40) % 256, i * 50, seed % 256))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def write_config(tmp: Path, db_url: str, users: list[str]) -> Path:
    """A config with the console on, one unit per liaison, its database initialised."""
    units = tmp / "units.csv"
    units.write_text("name,category,liaisons\n" + "".join(
        f"压测单位{u},key,console:{u}\n" for u in [*users, BOMB_USER, "warm-up"]),
        encoding="utf-8")
    path = tmp / "bot.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[files]\ndir = "{tmp / "files"}"\n'
                    "[console]\nenabled = true\n"
                    # demo = true keeps /console open without signing in; the demo
                    # history itself is only loaded by `init`, which runs with it off.
                    "[admin]\ndemo = true\n"
                    "[server]\nworkers = 2\nthreads = 4\n"
                    "[worker]\npoll_seconds = 0.5\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "init", "--units",
                    str(units)], check=True, capture_output=True, timeout=120, cwd=ROOT,
                   env={**os.environ, "BOT_CONFIG": "", "BOT_ADMIN_DEMO": "false"})
    return path


def start(config: Path, command: list[str], log: Path) -> subprocess.Popen:
    # The log goes to a file: a pipe nobody reads would block the process when full.
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), *command],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=out,
                                start_new_session=True, env={**os.environ, "BOT_CONFIG": ""})
    proc.log = log
    return proc


def send(url: str, user: str, messages, pause: float, results: list | None,
         session: requests.Session | None = None) -> None:
    """Send a liaison's messages one after the other; keep (latency, failure) of each."""
    session = session or requests.Session()
    for kind, content in messages:
        began = time.perf_counter()
        try:
            if kind == "text":
                resp = session.post(f"{url}/console/api/messages",
                                    json={"user": user, "text": content}, timeout=30)
            else:
                resp = session.post(f"{url}/console/api/messages", data={"user": user},
                                    files={"image": ("活动.jpg", content, "image/jpeg")},
                                    timeout=30)
            replies = resp.json().get("replies") if resp.status_code == 200 else None
            failure = None if replies and replies[0].startswith("已记录") else (
                f"{resp.status_code} {resp.text[:120]!r}")
        except (requests.RequestException, ValueError) as exc:
            failure = f"{type(exc).__name__}: {exc}"
        if results is not None:
            results.append((time.perf_counter() - began, failure, kind))
        time.sleep(pause)


def load(url: str, work: dict, pause: float, bomb: bytes | None) -> dict:
    """Every liaison sends; once all have started, the bomb (if any) is uploaded and
    watched until the worker's answer to it shows in the console's history."""
    results: list = []
    start = threading.Barrier(len(work) + 1)

    def liaison(user, messages):
        with requests.Session() as session:
            start.wait()
            send(url, user, messages, pause, results, session)

    threads = [threading.Thread(target=liaison, args=item) for item in work.items()]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    run: dict = {}
    if bomb is not None:
        time.sleep(1.0)  # all are sending
        sent_at = time.monotonic()
        resp = requests.post(f"{url}/console/api/messages",
                             data={"user": BOMB_USER, "id": "bomb"},
                             files={"file": ("三月小结.docx", bomb, "application/octet-stream")},
                             timeout=60)
        run = {"bomb_status": resp.status_code, "bomb_upload": time.monotonic() - sent_at,
               "bomb_reply": resp.json()["replies"][0] if resp.ok else resp.text,
               "watch": Watch(url, sent_at)}
    for t in threads:
        t.join()
    return {**run, "results": results, "elapsed": time.perf_counter() - began}


class Watch(threading.Thread):
    """Poll the bomb liaison's console history for the worker's answer to the bomb."""

    def __init__(self, url: str, sent_at: float):
        super().__init__(daemon=True)
        self.url, self.sent_at, self.answer = url, sent_at, None
        self.start()

    def run(self) -> None:
        def answered():
            resp = requests.get(f"{self.url}/console/api/messages",
                                params={"user": BOMB_USER}, timeout=30)
            for message in resp.json()["messages"]:
                if message["id"] == "bomb" and len(message["replies"]) >= 2:
                    return message["replies"][1]
            return None
        text = wait_for(answered, seconds=300)
        self.answer = (text, time.monotonic() - self.sent_at)

    def result(self) -> tuple[str, float]:
        """The refusal, and the seconds from the upload to it."""
        self.join(310)
        if self.answer is None:
            raise AssertionError("the worker never answered the bomb")
        return self.answer


def stored_items(db_url: str, users: list[str]) -> dict:
    """What the database holds: the others' items, and the bomb's file and item."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        others = conn.scalar(select(func.count()).select_from(SummaryItem).join(
            Liaison, Liaison.id == SummaryItem.liaison_id).where(
            Liaison.platform_user_id.in_(users)))
        bomb_files = conn.execute(select(StoredFile.size_bytes, StoredFile.path).where(
            StoredFile.kind == "document")).all()
        bomb_chars = conn.scalars(select(SummaryItem.chars).where(
            SummaryItem.kind == "document")).all()
    engine.dispose()
    return {"others": others, "bomb_files": bomb_files, "bomb_chars": bomb_chars}


def hwm(pid: int) -> int | None:
    """A process's peak resident memory (KiB), from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def figures(run: dict) -> dict:
    """Latency and failures of one phase's messages."""
    latencies = sorted(x for x, _, _ in run["results"])
    texts = sorted(x for x, _, kind in run["results"] if kind == "text")
    return {"n": len(latencies), "p50": statistics.median(latencies), "p99": p99(latencies),
            "max": latencies[-1], "failures": [f for _, f, _ in run["results"] if f],
            "elapsed": run["elapsed"], "texts_p99": p99(texts)}


def p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def line(name: str, f: dict) -> str:
    return (f"{name}: {f['n']} messages in {f['elapsed']:.1f} s, p50 {f['p50'] * 1000:.0f} ms, "
            f"p99 {f['p99'] * 1000:.0f} ms (texts alone {f['texts_p99'] * 1000:.0f} ms), "
            f"max {f['max'] * 1000:.0f} ms, "
            f"failed {len(f['failures'])}"
            + (f" (e.g. {f['failures'][0]})" if f["failures"] else ""))


def report(args, bomb: bytes, baseline: dict, run: dict, refusal: str, refused_after: float,
           stored: dict, peaks, sent: int) -> int:
    before, during = figures(baseline), figures(run)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"server: python -m bot serve (gunicorn, 2 workers x 4 threads) + python -m bot "
          f"worker, {backend}; {args.liaisons} other liaisons x {args.messages} messages "
          f"(texts and photos in turn, {args.pause} s apart), without then with the bomb")
    print(f"bomb: {len(bomb) / 1024:.0f} KB .docx, word/document.xml inflates to "
          f"{args.inflated_mb} MB; upload answered {run['bomb_status']} in "
          f"{run['bomb_upload'] * 1000:.0f} ms: {run['bomb_reply'].splitlines()[0]}")
    print(f"refusal {refused_after:.1f} s after the upload: {refusal.splitlines()[0]}")
    print(f"bomb kept: {stored['bomb_files']}, its text counted: {stored['bomb_chars']} chars")
    print(line("other liaisons without the bomb", before))
    print(line("other liaisons with the bomb", during))
    print(f"stored for them: {stored['others']} items of {sent} sent")
    print("peak memory (VmHWM): " + ", ".join(f"{name} {kib / 1024:.0f} MiB"
                                              for name, kib in peaks if kib is not None))
    web = [kib for name, kib in peaks if name.startswith("web worker") and kib is not None]
    ok = (run["bomb_status"] == 200 and ADVICE in refusal and len(stored["bomb_files"]) == 1
          and stored["bomb_files"][0][0] == len(bomb) and not during["failures"]
          and not before["failures"] and stored["others"] == sent and during["p99"] < 1.0
          and web and max(web) < WEB_TARGET_MIB * 1024)
    print(f"targets: web workers < {WEB_TARGET_MIB} MiB, p99 with the bomb < 1 s, no failure, "
          "bomb refused and kept")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
