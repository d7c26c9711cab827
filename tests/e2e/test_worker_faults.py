"""Faults during a burst of WeCom callbacks through the real processes: WeCom's
retries, the worker SIGKILLed mid-download and restarted, and on PostgreSQL the
processes' database connections terminated again and again. Nothing is lost, nothing is stored twice,
every receipt is sent.

What the design allows to repeat (and nothing else): a receipt flush whose message/send
went out but whose "sent" mark did not commit (its worker killed, or its connection
cut, in between) sends those receipts again when it is retried. So a member gets every
receipt at least once, and at most one message/send per attempt of their flush items.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select, text

from bot.clock import SystemClock
from bot.conversation import SAVED_BUT_FAILED
from storage.db import UnitOfWork
from storage.models import InboundMessage, OutboxMessage, StoredFile, SummaryItem, WorkItem
from tests.conftest import SUMMARY, jpeg_bytes
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import AES_KEY, AGENT_ID, CORP_ID, TOKEN, Member
from tests.processes import free_port, stop, wait_for, wait_healthy

SECRET = "s3cret"
MEMBERS = ("LiaisonA", "LiaisonB", "LiaisonC")
PHOTOS, TEXTS = 10, 2            # per member
WECOM_RETRIES = 3                # WeCom sends a callback again 3 times (PLATFORMS.md 2.3)
TERMINATE_EVERY = 0.7            # seconds between two rounds of pg_terminate_backend


@pytest.fixture
def fake_api():
    with FakeWecomApi(CORP_ID, SECRET) as api:
        api.slow("media/get", 1.0)   # downloads in flight when the worker is killed
        yield api


@pytest.fixture
def setup(config, tmp_path, fake_api):
    """A config file for the processes, its database initialised with three units."""
    app_name = f"botfault{uuid.uuid4().hex[:10]}"  # marks the processes' connections
    url = config.database.url
    if url.startswith("postgresql"):
        url += f"&application_name={app_name}"
    units = tmp_path / "units.csv"
    units.write_text("name,category,liaisons\n" + "".join(
        f"单位{n},key,wecom:{member}\n" for n, member in enumerate(MEMBERS)), encoding="utf-8")
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n'
                    "[admin]\ndemo = false\n"
                    "[reminders]\nenabled = false\n"
                    "[worker]\npoll_seconds = 0.2\nlease_seconds = 3\nbackoff_seconds = 0.5\n"
                    "max_attempts = 30\nthreads = 4\n"
                    f'[wecom]\ncorp_id = "{CORP_ID}"\nagent_id = {AGENT_ID}\n'
                    f'api_base = "{fake_api.url}"\n', encoding="utf-8")
    env = {**os.environ, "BOT_WECOM_SECRET": SECRET, "BOT_WECOM_TOKEN": TOKEN,
           "BOT_WECOM_ENCODING_AES_KEY": AES_KEY}
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "init", "--units",
                    str(units)], check=True, capture_output=True, timeout=120, env=env)
    return str(path), env, app_name


def start(env, log: Path, *args) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", *args], stdout=subprocess.DEVNULL,
                                stderr=out, start_new_session=True, env=env)


class Terminator:
    """Terminates the processes' PostgreSQL connections every TERMINATE_EVERY seconds,
    through an admin connection of its own, until stopped."""

    def __init__(self, app_name: str):
        self.app_name, self.killed = app_name, 0
        self.engine = create_engine(os.environ["TEST_DATABASE_URL"],
                                    isolation_level="AUTOCOMMIT")
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.engine.connect() as conn:
            while not self.done.wait(TERMINATE_EVERY):
                self.killed += sum(conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid()"),
                    {"app": self.app_name}).scalars())

    def __enter__(self) -> "Terminator":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join(30)
        self.engine.dispose()


class NoTerminator:
    """SQLite: no server connections to cut."""

    killed = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def deliver(member: Member, msg_type: str, msg_id: str, **fields) -> requests.Response:
    """Post a callback as WeCom does: again (same MsgId) on an error or a timeout."""
    for _ in range(1 + WECOM_RETRIES):
        try:
            resp = member.post(msg_type, msg_id, **fields)
        except requests.RequestException:
            continue
        if resp.status_code == 200:
            return resp
    raise AssertionError(f"callback {msg_id} failed {1 + WECOM_RETRIES} times: lost")


def burst() -> list[tuple[str, str, str, dict]]:
    """(member, kind, msg id, fields) of every callback, the members interleaved."""
    out = []
    for k in range(PHOTOS + TEXTS):
        for n, member in enumerate(MEMBERS):
            msg_id = str(8_000_000_000 + n * 1000 + k)
            if k % 6 == 0 and k // 6 < TEXTS:
                out.append((member, "text", msg_id, {"Content": f"{SUMMARY}（第 {k} 段）"}))
            else:
                out.append((member, "image", msg_id, {"PicUrl": "", "MediaId": f"M{msg_id}"}))
    return out


def in_flight_download(fake_api: FakeWecomApi):
    return [c for c in fake_api.calls_to("media/get") if not c.answered]


def settled(services, sent_ids: set[str]) -> bool:
    """Every message handled, no work left, no receipt pending."""
    with UnitOfWork(services.session_factory) as uow:
        s = uow.session
        handled = s.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.platform_msg_id.in_(sent_ids), InboundMessage.state == "handled"))
        busy = s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.state.in_(("queued", "running"))))
        pending = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == "pending"))
    return handled == len(sent_ids) and busy == 0 and pending == 0


def test_a_burst_survives_a_killed_worker_and_cut_connections_with_nothing_lost_or_twice(
        setup, fake_api, services, tmp_path):
    path, env, app_name = setup
    callbacks = burst()
    for member, kind, msg_id, fields in callbacks:
        if kind == "image":
            fake_api.add_media(fields["MediaId"], jpeg_bytes(seed=int(msg_id) % 100_000))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start(env, tmp_path / "serve.log", "--config", path, "serve",
                   "--host", "127.0.0.1", "--port", str(port))
    worker = start(env, tmp_path / "worker.log", "--config", path, "worker")
    members = {m: Member(url, SystemClock(), m) for m in MEMBERS}
    passive: dict[str, str] = {}
    try:
        wait_healthy(url, server, tmp_path / "serve.log")
        postgres = services.engine.dialect.name == "postgresql"
        with Terminator(app_name) if postgres else NoTerminator() as cuts:
            half = len(callbacks) // 2
            for n, (member, kind, msg_id, fields) in enumerate(callbacks):
                if n == half:  # mid-burst, while a download runs: kill -9, start again
                    wait_for(lambda: in_flight_download(fake_api))
                    killed_at = time.time()
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(30)
                    # What it was downloading: asked before the kill, answered after.
                    interrupted = {c.query["media_id"] for c in fake_api.calls_to("media/get")
                                   if c.at < killed_at and not 0 < c.answered < killed_at}
                    worker = start(env, tmp_path / "worker.log", "--config", path, "worker")
                resp = deliver(members[member], kind, msg_id, **fields)
                if kind == "text":
                    passive[msg_id] = members[member].reply(resp)
                if n % 4 == 0:  # WeCom sends it again (its answer came too late for it)
                    deliver(members[member], kind, msg_id, **fields)
            time.sleep(5 * TERMINATE_EVERY)  # the restarted worker works under cuts too
        sent_ids = {msg_id for _, _, msg_id, _ in callbacks}
        wait_for(lambda: settled(services, sent_ids))
    finally:
        stop(server)
        stop(worker)

    if postgres:
        assert cuts.killed > 0
    # The killed worker's downloads were taken over and fetched again.
    assert interrupted and all(len([c for c in fake_api.calls_to("media/get")
                    if c.query["media_id"] == media_id]) >= 2 for media_id in interrupted)
    photos = [c for c in callbacks if c[1] == "image"]
    with UnitOfWork(services.session_factory) as uow:
        s = uow.session
        rows = s.scalars(select(InboundMessage)).all()
        items = s.scalars(select(SummaryItem)).all()
        files = s.scalars(select(StoredFile)).all()
        flushes = s.scalars(select(WorkItem).where(WorkItem.kind == "outbox_flush")).all()
        failed = s.scalars(select(WorkItem).where(WorkItem.state == "failed")).all()
        outbox = s.scalars(select(OutboxMessage)).all()
    # Every callback's message stored exactly once, and its material once.
    assert sorted(r.platform_msg_id for r in rows) == sorted(sent_ids)
    assert all(r.state == "handled" for r in rows)
    assert sorted(i.inbound_id for i in items) == sorted(r.id for r in rows)
    assert len([i for i in items if i.kind == "photo"]) == len(photos)
    assert len({f.sha256 for f in files}) == len(files) == len(photos)
    assert failed == []
    # Every receipt sent: a text's in its answer, or (saved, handled later) pushed.
    later = {r.id for r in rows if r.kind == "photo" or passive.get(r.platform_msg_id)
             == SAVED_BUT_FAILED}
    assert all("已记录" in reply for msg_id, reply in passive.items()
               if reply != SAVED_BUT_FAILED)
    assert all(r.payload.get("pushed") for r in rows if r.id in later)
    assert all(o.state == "sent" for o in outbox)
    for member in MEMBERS:
        mine = [r for r in rows if r.platform_user_id == member and r.id in later]
        assert len([o for o in outbox if o.user_id == member]) == len(mine)
        texts = [content for touser, content in fake_api.sent_texts() if touser == member]
        assert sum(t.count("已记录：") for t in texts) >= len(mine)
        assert not any("没有收到" in t for t in texts)
        # Repeated only as the design allows: one send per attempt of a flush at most.
        attempts = sum(f.attempts for f in flushes if f.payload["user_id"] == member)
        assert len(texts) <= attempts
