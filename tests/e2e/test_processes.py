"""The real processes: `python -m bot serve` (gunicorn) and `python -m bot worker`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import select

from pathlib import Path

from storage.db import UnitOfWork
from storage.models import InboundMessage
from tests.conftest import SUMMARY, jpeg_bytes
from tests.processes import answers, free_port, stop, wait_for, wait_healthy


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n'
                    '[worker]\npoll_seconds = 0.2\n', encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "init",
                    "--units", "examples/units.csv"], check=True, capture_output=True, timeout=120)
    return str(path)


def start(log: Path, *args) -> subprocess.Popen:
    # The log goes to a file: a pipe nobody reads would block the process when full.
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", *args], stdout=subprocess.DEVNULL,
                                stderr=out, start_new_session=True)


def test_gunicorn_serves_the_console_and_answers_a_liaison(cfg, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    proc = start(log, "--config", cfg, "serve", "--host", "127.0.0.1", "--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, log)
        resp = requests.post(f"{url}/console/api/messages",
                             json={"user": "县妇联", "text": SUMMARY}, timeout=10)
        assert resp.status_code == 200
        assert "县妇联" in resp.json()["replies"][0]
        resp = requests.post(f"{url}/console/api/messages", data={"user": "县妇联"},
                             files={"image": ("a.jpg", jpeg_bytes(), "image/jpeg")}, timeout=10)
        assert "图片 1 张" in resp.json()["replies"][0]
    finally:
        stop(proc)


def test_the_worker_process_finishes_a_message_that_failed_and_stops_on_sigterm(cfg, services,
                                                                               tmp_path):
    from bot.messages import Incoming
    blob = "incoming/aa/bb/arrives-later.jpg"
    services.conversation.receive(Incoming(
        channel="console", user_id="县妇联", msg_id="w-1", kind="photo",
        received_at=services.clock.now(), blob_path=blob))
    target = services.files.path(blob)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(jpeg_bytes())
    proc = start(tmp_path / "worker.log", "--config", cfg, "worker")
    try:
        for _ in range(300):
            with UnitOfWork(services.session_factory) as uow:
                state = uow.session.scalars(select(InboundMessage.state)).one()
            if state == "handled":
                break
            time.sleep(0.1)
        assert state == "handled"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        code = proc.wait(20)
    assert code == 0


def test_gunicorn_replaces_a_worker_after_its_max_requests(config, tmp_path):
    path = tmp_path / "recycle.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n'
                    '[server]\nworkers = 1\nmax_requests = 3\nmax_requests_jitter = 0\n',
                    encoding="utf-8")
    port = free_port()
    log = tmp_path / "serve.log"
    proc = start(log, "--config", str(path), "serve", "--host", "127.0.0.1", "--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, log)
        for _ in range(8):   # a request may wait for the next worker to boot
            wait_for(lambda: answers(f"{url}/healthz"))
        said = wait_for(lambda: (text := log.read_text(errors="replace")).count(
            "Booting worker") >= 3 and text)
    finally:
        stop(proc)
    assert "Autorestarting worker after current request" in said
