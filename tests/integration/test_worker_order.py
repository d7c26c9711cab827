"""The work queue's order and leases on a real database: receipts before a burst of
downloads, a dead worker's items taken over after a short lease, a live worker's kept."""
from __future__ import annotations

import threading

from bot.messages import Reply
from bot.channels import outbox
from bot.worker import Worker
from storage import queue
from storage.db import UnitOfWork
from storage.models import WorkItem

WAIT = 60  # seconds a test thread may take on a busy machine; never a timing assertion


def enqueue(services, kind, payload=None, **kw) -> int:
    with UnitOfWork(services.session_factory) as uow:
        item = queue.enqueue(uow.session, kind, payload or {}, now=services.clock.now(), **kw)
        uow.commit()
        return item.id


def item(services, item_id) -> WorkItem:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.get(WorkItem, item_id)


def recording_worker(services, name, kinds, ran):
    worker = Worker(services, name=name)
    for kind in kinds:
        worker.register(kind, lambda payload, svc, kind=kind: ran.append(kind))
    return worker


def claim_and_vanish(services, name="dead-worker") -> list[int]:
    """A worker claims what is due and dies before it runs any of it."""
    with UnitOfWork(services.session_factory) as uow:
        items = queue.claim(uow.session, name, services.clock.now(),
                            Worker(services).lease, limit=10)
        uow.commit()
        return [i.id for i in items]


def test_a_receipt_is_claimed_before_a_burst_of_downloads_queued_earlier(services, clock):
    for n in range(20):  # as the channels queue a burst of photos
        enqueue(services, "wecom_media", {"n": n}, priority=queue.BULK)
    with UnitOfWork(services.session_factory) as uow:  # the first photo's receipt
        outbox.push(uow.session, "wecom", "ZhangSan", [Reply("已记录：图片")], clock.now())
        uow.commit()
    clock.advance(seconds=outbox.FLUSH_DELAY.total_seconds())
    ran = []
    worker = recording_worker(services, "w", ["wecom_media", "outbox_flush"], ran)
    assert worker.run_once(limit=1) == 1
    assert worker.run_once(limit=1) == 1
    assert ran == ["outbox_flush", "wecom_media"]


def test_the_prompt_lane_takes_no_download(services):
    enqueue(services, "wecom_media", priority=queue.BULK)
    ran = []
    worker = recording_worker(services, "w", ["wecom_media"], ran)
    assert worker.run_once(limit=1, max_priority=queue.PROMPT) == 0
    assert worker.run_once(limit=1) == 1
    assert ran == ["wecom_media"]


def test_an_item_whose_worker_died_is_taken_over_by_another_within_a_minute(services, clock):
    item_id = enqueue(services, "wecom_media", priority=queue.BULK)
    assert claim_and_vanish(services) == [item_id]
    ran = []
    other = recording_worker(services, "other", ["wecom_media"], ran)
    clock.advance(seconds=other.lease.total_seconds() - 1)
    assert other.run_once() == 0          # still within the dead worker's lease
    clock.advance(seconds=60 - other.lease.total_seconds() + 1)
    assert other.run_once() == 1
    done = item(services, item_id)
    assert ran == ["wecom_media"]
    assert done.state == "done" and done.locked_by == "other" and done.attempts == 2


def test_a_live_workers_heartbeat_keeps_its_item_while_its_job_runs(services, clock):
    item_id = enqueue(services, "slow")
    started, release, runs = threading.Event(), threading.Event(), []

    def slow(payload, svc):
        runs.append(1)
        started.set()
        assert release.wait(WAIT)

    live = Worker(services, name="live")
    live.register("slow", slow)
    thread = threading.Thread(target=live.run_once)
    thread.start()
    try:
        assert started.wait(WAIT)
        other = Worker(services, name="other")
        other.register("slow", slow)
        for _ in range(3):  # three leases long, renewed each third
            clock.advance(seconds=live.lease.total_seconds() * 2 / 3)
            assert live.beat() == 1
            assert other.run_once() == 0
    finally:
        release.set()
        thread.join(WAIT)
    done = item(services, item_id)
    assert done.state == "done" and done.locked_by == "live" and done.attempts == 1
    assert runs == [1]


def test_a_worker_cut_off_past_its_lease_leaves_the_item_to_its_new_holder(services, clock):
    item_id = enqueue(services, "flaky")
    started, release, calls = threading.Event(), threading.Event(), []

    def job(payload, svc):
        calls.append(1)
        if len(calls) == 1:   # the first worker: stalls past its lease, then fails
            started.set()
            assert release.wait(WAIT)
            raise ConnectionError("the database went away meanwhile")

    first = Worker(services, name="first")
    first.register("flaky", job)
    thread = threading.Thread(target=first.run_once)
    thread.start()
    try:
        assert started.wait(WAIT)
        clock.advance(seconds=first.lease.total_seconds() + 1)
        second = Worker(services, name="second")
        second.register("flaky", job)
        assert second.run_once() == 1
        assert first.beat() == 0          # its heartbeat finds the item gone
    finally:
        release.set()
        thread.join(WAIT)
    done = item(services, item_id)
    assert done.state == "done" and done.locked_by == "second" and done.last_error is None
