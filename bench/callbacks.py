"""Drive `python -m bot serve` (gunicorn) with encrypted WeCom text callbacks, and /healthz.

    python bench/callbacks.py [--senders 50] [--count 2000] [--rounds 3] [--database-url URL]

Starts the real server on a temporary config (SQLite by default; with
--database-url postgresql+psycopg://... a fresh schema that is dropped afterwards),
one sample unit with one bound WeCom liaison per sender. Then, in the same run and
on the same server, `rounds` times in turn: `count` GET /healthz from `senders`
concurrent clients, then `count` encrypted, signed text callbacks from `senders`
concurrent liaisons (each a thread with its own requests session; bodies are built
before the clock starts). Alternating rounds let both kinds see the same machine
(a shared host's speed drifts). Prints, over all rounds, messages per second, p50
and p99 latency for both, and the ratio. Exits 1 if
callbacks/s < 0.5 x healthz/s or the callbacks' p99 is 1 s or more. Loopback only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout too

from tests.fakes.wecom_client import (AES_KEY, CORP_ID as CORP, TOKEN,  # noqa: E402
                                     WecomClient, message_xml)
from tests.processes import free_port, stop, wait_healthy  # noqa: E402

TEXT = ("本月组织志愿者开展敬老院义诊活动两次，服务老人八十余人次；开展文明交通劝导三次，"
        "参与志愿者二十五人，发放宣传资料三百余份，群众反响良好。")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=50, help="concurrent clients")
    parser.add_argument("--count", type=int, default=2000, help="requests per phase")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: a SQLite file)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument("--max-requests", type=int, default=None,
                        help="[server] max_requests (default: the config's; 0: never recycle)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of /healthz then callbacks")
    parser.add_argument("--timeout", type=float, default=600, help="give up after (s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-callbacks-") as tmp, \
            database(args.database_url, Path(tmp)) as db_url:
        config = write_config(Path(tmp), db_url, args.workers, args.threads, args.senders,
                              args.max_requests)
        port = free_port()
        server = start_server(config, port, Path(tmp) / "server.log")
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, server, server.log)
            deadline = time.monotonic() + args.timeout
            run_phase(url, args.senders, 2 * args.senders, healthz_requests, deadline)  # warm
            rounds = []
            for r in range(args.rounds):  # alternate, so that both see the same machine
                rounds.append((
                    run_phase(url, args.senders, args.count, healthz_requests, deadline),
                    run_phase(url, args.senders, args.count, callback_requests, deadline,
                              first_msg=r * args.count)))
            health = merge([h for h, _ in rounds])
            calls = merge([c for _, c in rounds])
            peaks = peak_memory(server.pid)
        finally:
            stop(server)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"server: python -m bot serve (gunicorn, {args.workers} workers x {args.threads} "
          f"threads), {backend}, {args.senders} concurrent senders, {args.rounds} rounds of "
          f"{args.count} requests each")
    for i, (h, c) in enumerate(rounds, 1):
        print(f"round {i}: /healthz {len(h['latencies']) / h['elapsed']:.0f}/s, "
              f"callbacks {len(c['latencies']) / c['elapsed']:.0f}/s")
    report("/healthz", health)
    report("callbacks", calls)
    if peaks:
        print("peak memory (VmHWM): " + ", ".join(f"{name} {kib / 1024:.0f} MiB"
                                                  for name, kib in peaks))
    ratio = calls["rate"] / health["rate"]
    print(f"ratio: {ratio:.2f} callbacks/s per healthz/s (target >= 0.5)")
    ok = ratio >= 0.5 and calls["p99"] < 1.0 and not calls["errors"] and not health["errors"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


class database:
    """A SQLite file, or a fresh PostgreSQL schema dropped on exit."""

    def __init__(self, base_url: str | None, tmp: Path):
        self.base, self.tmp, self.schema = base_url, tmp, None

    def __enter__(self) -> str:
        if not self.base:
            return f"sqlite:///{self.tmp / 'bench.db'}"
        self.schema = f"bench_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE SCHEMA "{self.schema}"')
        sep = "&" if "?" in self.base else "?"
        return f"{self.base}{sep}options=-csearch_path%3D{self.schema}"

    def __exit__(self, *exc) -> None:
        if self.schema:
            self._admin(f'DROP SCHEMA "{self.schema}" CASCADE')

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.base)
        with engine.begin() as conn:
            conn.execute(text(sql))
        engine.dispose()


def write_config(tmp: Path, db_url: str, workers: int, threads: int, senders: int,
                 max_requests: int | None = None) -> Path:
    """A config with [wecom] set and one unit per sender, its database initialised."""
    units = tmp / "units.csv"
    units.write_text("name,category,liaisons\n" + "".join(
        f"压测单位{i:03d},key,wecom:bench{i:03d}\n" for i in range(senders)), encoding="utf-8")
    path = tmp / "bot.toml"
    recycle = "" if max_requests is None else f"max_requests = {max_requests}\n"
    path.write_text(f'[database]\nurl = "{db_url}"\n'
                    f'[files]\ndir = "{tmp / "files"}"\n'
                    "[console]\nenabled = false\n"
                    f"[server]\nworkers = {workers}\nthreads = {threads}\n{recycle}"
                    f'[wecom]\ncorp_id = "{CORP}"\nagent_id = 1000002\nsecret = "unused"\n'
                    f'token = "{TOKEN}"\n'
                    f'encoding_aes_key = "{AES_KEY}"\napi_base = "http://127.0.0.1:9"\n',
                    encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "init", "--units",
                    str(units)], check=True, capture_output=True, timeout=120, cwd=ROOT)
    return path


def healthz_requests(url: str, sender: int, n: int, first: int = 0):
    """n GETs of /healthz, ready to send."""
    return [("GET", f"{url}/healthz", None, None)] * n


def callback_requests(url: str, sender: int, n: int, first: int = 0):
    """n encrypted text callbacks from this sender's liaison, ready to send."""
    client = WecomClient(TOKEN, AES_KEY, CORP)
    out, now = [], int(time.time())
    for k in range(first, first + n):
        msg_id = str(7_000_000_000_000 + sender * 1_000_000 + k)
        xml = message_xml(CORP, f"bench{sender:03d}", now, "text", msg_id,
                          Content=f"{TEXT}（第 {k} 条）")
        query, body = client.callback(xml, str(now), str(10_000 + k))
        # The whole URL now, as the body: the senders only send (both phases alike).
        out.append(("POST", f"{url}/wecom/callback?{urlencode(query)}", None, body))
    return out


def run_phase(url: str, senders: int, count: int, build, deadline: float,
              first_msg: int = 0) -> dict:
    """Send `count` requests from `senders` threads; return rate, p50, p99, errors."""
    shares = [count // senders + (1 if i < count % senders else 0) for i in range(senders)]
    work = [build(url, i, n, first_msg) for i, n in enumerate(shares)]
    latencies: list[float] = []
    errors: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(senders + 1)

    def sender(requests_to_send):
        mine, bad = [], []
        with requests.Session() as session:
            start.wait()
            for method, target, params, body in requests_to_send:
                if time.monotonic() > deadline:
                    bad.append("timed out")
                    break
                began = time.perf_counter()
                try:
                    with session.request(method, target, params=params, data=body,
                                         timeout=10) as resp:
                        ok = resp.status_code == 200 and resp.content
                except requests.RequestException as exc:
                    ok, resp = False, exc
                mine.append(time.perf_counter() - began)
                if not ok:
                    bad.append(str(getattr(resp, "status_code", resp)))
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=sender, args=(w,)) for w in work]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed}


def merge(phases: list[dict]) -> dict:
    """All rounds of one kind as one: rate over their summed time, pooled latencies."""
    latencies = sorted(x for p in phases for x in p["latencies"])
    elapsed = sum(p["elapsed"] for p in phases)
    return {"rate": len(latencies) / elapsed, "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "errors": [e for p in phases for e in p["errors"]], "n": len(latencies),
            "elapsed": elapsed}


def report(name: str, r: dict) -> None:
    print(f"{name}: {r['n']} in {r['elapsed']:.1f} s = {r['rate']:.0f}/s, "
          f"p50 {r['p50'] * 1000:.0f} ms, p99 {r['p99'] * 1000:.0f} ms, "
          f"errors {len(r['errors'])}" + (f" (e.g. {r['errors'][0]})" if r["errors"] else ""))


def start_server(config: Path, port: int, log: Path) -> subprocess.Popen:
    # The log goes to a file: a pipe nobody reads would block the server when full.
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "serve", "--host",
             "127.0.0.1", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=out, start_new_session=True, env={**os.environ, "BOT_CONFIG": ""})
    proc.log = log
    return proc


def peak_memory(pid: int) -> list[tuple[str, int]]:
    """Peak resident memory (KiB) of the server's processes: Linux /proc, else nothing."""
    def hwm(p: int) -> int | None:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [("gunicorn master", hwm(pid))]
    found += [(f"worker {i}", hwm(int(c))) for i, c in enumerate(children, 1)]
    return [(name, kib) for name, kib in found if kib is not None]


if __name__ == "__main__":
    sys.exit(main())
