"""The worker: finishes durable work items with retries; later issues add scheduled jobs."""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any, Callable

from bot.mail import mail_summary
from bot.notices import deliver as deliver_notices
from storage import queue
from storage.db import UnitOfWork
from storage.models import WorkItem

log = logging.getLogger(__name__)

Job = Callable[[dict[str, Any], "object"], None]


class PermanentError(Exception):
    """Work that can never succeed; no more retries."""


class Worker:
    """Claims due work items and runs the job registered for each kind."""

    def __init__(self, services, name: str | None = None):
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.jobs: dict[str, Job] = {"reprocess_inbound": reprocess_inbound}
        from bot.platforms.jobs import register_platform_jobs
        register_platform_jobs(self)  # media downloads, outbox flushes, pushed retries
        self.jobs["deliver_notices"] = deliver_notices
        self.jobs["mail_summary"] = mail_summary
        cfg = services.config.worker
        self.lease = timedelta(seconds=cfg.lease_seconds)
        self.backoff = timedelta(seconds=cfg.backoff_seconds)
        self.stopping = threading.Event()

    def register(self, kind: str, job: Job) -> None:
        """Run `job(payload, services)` for work items of this kind."""
        self.jobs[kind] = job

    def run_once(self, limit: int = 10) -> int:
        """Claim and run the due items once; return how many were run."""
        clock = self.services.clock
        with UnitOfWork(self.services.session_factory) as uow:
            items = queue.claim(uow.session, self.name, clock.now(), self.lease, limit)
            claimed = [(i.id, i.kind, dict(i.payload)) for i in items]
            uow.commit()
        for item_id, kind, payload in claimed:
            self._run(item_id, kind, payload)
        return len(claimed)

    def _run(self, item_id: int, kind: str, payload: dict[str, Any]) -> None:
        error, permanent = None, False
        try:
            job = self.jobs.get(kind)
            if job is None:
                raise PermanentError(f"no job registered for kind {kind!r}")
            job(payload, self.services)
        except PermanentError as exc:
            error, permanent = str(exc), True
        except Exception as exc:  # retried with backoff
            log.exception("work item %s (%s) failed", item_id, kind)
            error = f"{type(exc).__name__}: {exc}"
        clock = self.services.clock
        with UnitOfWork(self.services.session_factory) as uow:
            item = uow.session.get(WorkItem, item_id)
            if error is None:
                queue.finish(uow.session, item, clock.now())
            else:
                if permanent:
                    item.attempts = item.max_attempts
                if queue.fail(uow.session, item, clock.now(), error, self.backoff):
                    log.error("work item %s (%s) gave up: %s", item_id, kind, error)
            uow.commit()

    def run_forever(self) -> None:
        """Poll for work until stopped."""
        poll = self.services.config.worker.poll_seconds
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            try:
                ran = self.run_once()
            except Exception:  # a database hiccup must not kill the worker
                log.exception("worker loop failed; retrying")
                ran = 0
            if not ran:
                self.stopping.wait(poll)


def reprocess_inbound(payload: dict[str, Any], services) -> None:
    """Handle again a stored message whose first handling failed."""
    services.conversation.process(payload["inbound_id"], queue_retry=False)
