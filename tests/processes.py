"""Real processes for the end-to-end tests and the benches: a free port, readiness, a clean stop.

Readiness never fails because the machine is busy: every request error counts as "not yet",
and the wait is long; only a process that exited, or two minutes without an answer, fails.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

READY_SECONDS = 120.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds: float = READY_SECONDS):
    """Call `check` until it returns something true, and return that."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"nothing after {seconds:.0f} s")


def answers(url: str) -> bool:
    """Whether `url` answers 200 now; any request error is a no."""
    try:
        with requests.get(url, timeout=5) as resp:
            return resp.status_code == 200
    except requests.RequestException:
        return False


def wait_healthy(base_url: str, proc: subprocess.Popen, log: Path | None = None,
                 seconds: float = READY_SECONDS) -> None:
    """Wait until `base_url`/healthz answers 200; fail at once if `proc` has exited."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            said = log.read_text(errors="replace") if log else ""
            raise AssertionError(f"the server exited ({proc.returncode}): {said}")
        if answers(f"{base_url}/healthz"):
            return
        time.sleep(0.1)
    raise AssertionError(f"the server did not answer within {seconds:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL if it has not ended within 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
