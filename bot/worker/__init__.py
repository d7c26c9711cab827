"""The worker: finishes durable work items with retries, several at a time.

`run_forever` runs `[worker] threads` lanes that each claim and run one item at a time,
the most urgent first (storage/queue.py: PROMPT before BULK), plus one more lane that
takes only PROMPT items. So a receipt never waits behind downloads: even when every
lane is busy with a slow download, the prompt lane picks the receipt up within a poll.
A heartbeat thread renews the lease of every item the lanes hold, every third of
`[worker] lease_seconds`: a live long job keeps its item, and the items of a worker
that died (killed, machine gone) are taken over by another worker once their short
lease has run out. An item a worker lost that way (cut off from the database past its
lease) is not recorded by it: the worker that took it over does. Jobs are idempotent
(dedup keys, the outbox's pushed flag), so the rare double run that a takeover allows
does no harm.

Which function does which kind of work is the composition root's table
(bot/bootstrap.py `job_table`, the kinds in bot/jobs.py); the worker knows no channel.
A web process may run an item it just queued at once (`run_queued`: the DingTalk
reply), through the same claim and record as a lane.

Scheduled jobs are not run here: bot/worker/scheduler.py ticks beside the lanes, and one
worker fires at a time (the advisory lock).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from bot.jobs import Job, JobKind, PermanentError
from storage import queue
from storage.db import UnitOfWork
from storage.models import WorkItem

log = logging.getLogger(__name__)


class UnregisteredJobs(RuntimeError):
    """Some kinds of work have no job in the table: the worker does not start."""


class Worker:
    """Claims due work items and runs the job the table names for each kind."""

    def __init__(self, services, name: str | None = None, lease: timedelta | None = None):
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.jobs: dict[str, Job] = dict(services.jobs)
        missing = [kind.value for kind in JobKind if kind not in self.jobs]
        if missing:
            raise UnregisteredJobs(f"no job registered for work of kind {', '.join(missing)}")
        cfg = services.config.worker
        self.lease = lease or timedelta(seconds=cfg.lease_seconds)
        self.backoff = timedelta(seconds=cfg.backoff_seconds)
        self.threads = cfg.threads
        self.stopping = threading.Event()
        self._running: set[int] = set()   # ids this process claimed and has not recorded
        self._running_lock = threading.Lock()

    def register(self, kind: str, job: Job) -> None:
        """Also run `job(payload, services)` for work items of this kind (tests' kinds)."""
        self.jobs[kind] = job

    def run_once(self, limit: int = 10, max_priority: int | None = None) -> int:
        """Claim and run the due items once, in this thread; return how many were run."""
        now = self.services.clock.now()
        return self._claim_and_run(lambda session: queue.claim(
            session, self.name, now, self.lease, limit, max_priority))

    def run_queued(self, item_ids: list[int]) -> None:
        """Run these items here and now unless someone claimed them first; never raises
        (a failed attempt is recorded like a lane's, and a worker retries it later)."""
        now = self.services.clock.now()
        try:
            self._claim_and_run(lambda session: queue.claim_queued(
                session, item_ids, self.name, now, self.lease))
        except Exception:  # the caller (a web request's close) must not fail
            log.exception("running work items %s at once failed", item_ids)

    def _claim_and_run(self, claim) -> int:
        with UnitOfWork(self.services.session_factory) as uow:
            claimed = [(i.id, i.kind, dict(i.payload)) for i in claim(uow.session)]
            uow.commit()
        with self._running_lock:
            self._running.update(item_id for item_id, _, _ in claimed)
        try:
            for item_id, kind, payload in claimed:
                self._run(item_id, kind, payload)
        finally:
            with self._running_lock:
                self._running.difference_update(item_id for item_id, _, _ in claimed)
        return len(claimed)

    def beat(self) -> int:
        """Renew the lease of every item this worker runs; return how many it still holds."""
        with self._running_lock:
            ids = sorted(self._running)
        with UnitOfWork(self.services.session_factory) as uow:
            held = queue.renew(uow.session, self.name, ids, self.services.clock.now(),
                               self.lease)
            uow.commit()
        for lost in set(ids) - held:
            log.warning("work item %s was taken over by another worker", lost)
        return len(held)

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
            item = uow.session.get(WorkItem, item_id, with_for_update=True)
            if not queue.holds(item, self.name):
                log.warning("work item %s (%s) was taken over; its new holder records it",
                            item_id, kind)
                return
            if error is None:
                queue.finish(uow.session, item, clock.now())
            else:
                if permanent:
                    item.attempts = item.max_attempts
                if queue.fail(uow.session, item, clock.now(), error, self.backoff):
                    log.error("work item %s (%s) gave up: %s", item_id, kind, error)
            uow.commit()

    def run_forever(self) -> None:
        """Run the lanes and the heartbeat until stopped; finish the jobs in hand first."""
        log.info("worker %s started with %d lanes and a prompt lane", self.name, self.threads)
        lanes = [threading.Thread(target=self._lane, args=(None,), name=f"lane-{n}")
                 for n in range(self.threads)]
        lanes.append(threading.Thread(target=self._lane, args=(queue.PROMPT,),
                                      name="lane-prompt"))
        lanes_done = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(lanes_done,),
                                     name="heartbeat")
        heartbeat.start()
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join()
        lanes_done.set()
        heartbeat.join()

    def _lane(self, max_priority: int | None) -> None:
        poll = self.services.config.worker.poll_seconds
        while not self.stopping.is_set():
            try:
                ran = self.run_once(limit=1, max_priority=max_priority)
            except Exception:  # a database hiccup must not kill the worker
                log.exception("worker lane failed; retrying")
                ran = 0
            if not ran:
                self.stopping.wait(poll)

    def _heartbeat(self, lanes_done: threading.Event) -> None:
        # Until the last lane has recorded its job: a stopping worker finishes what it holds.
        while not lanes_done.wait(self.lease.total_seconds() / 3):
            try:
                self.beat()
            except Exception:  # the next beat tries again, well within the lease
                log.exception("renewing the leases failed; retrying")
