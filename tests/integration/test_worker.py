"""Durable work items on a real database: once, retried, survive restarts, never taken twice."""
from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.jobs import JobKind, PermanentError
from bot.messages import Incoming
from bot.worker import UnregisteredJobs, Worker
from storage.db import UnitOfWork
from storage.models import InboundMessage, SummaryItem, WorkItem
from storage.queue import enqueue
from tests.conftest import add_unit, jpeg_bytes


def queue(services, kind, payload=None, **kw):
    with UnitOfWork(services.session_factory) as uow:
        item = enqueue(uow.session, kind, payload or {}, now=services.clock.now(), **kw)
        uow.commit()
        return item.id if item else None


def item(services, item_id) -> WorkItem:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.get(WorkItem, item_id)


def test_a_work_item_runs_once_and_is_done(services):
    seen = []
    worker = Worker(services)
    worker.register("note", lambda payload, svc: seen.append(payload["n"]))
    item_id = queue(services, "note", {"n": 1})
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert seen == [1]
    assert item(services, item_id).state == "done"


def test_the_same_dedup_key_is_queued_once(services):
    assert queue(services, "note", {"n": 1}, dedup_key="k") is not None
    assert queue(services, "note", {"n": 2}, dedup_key="k") is None
    with UnitOfWork(services.session_factory) as uow:
        assert len(uow.session.scalars(select(WorkItem)).all()) == 1


def test_a_failing_item_is_retried_with_backoff_until_it_succeeds(services, clock):
    calls = []

    def flaky(payload, svc):
        calls.append(svc.clock.now())
        if len(calls) < 3:
            raise ConnectionError("platform down")

    worker = Worker(services)
    worker.register("flaky", flaky)
    item_id = queue(services, "flaky")
    worker.run_once()
    first = item(services, item_id)
    assert first.state == "queued" and "platform down" in first.last_error
    assert worker.run_once() == 0  # not due yet: backoff
    clock.advance(seconds=30)
    worker.run_once()
    assert worker.run_once() == 0
    clock.advance(seconds=60)  # backoff doubles
    worker.run_once()
    done = item(services, item_id)
    assert done.state == "done" and done.attempts == 3 and len(calls) == 3


def test_an_item_gives_up_after_its_attempts_and_keeps_the_error(services, clock):
    worker = Worker(services)
    worker.register("doomed", lambda p, s: (_ for _ in ()).throw(ValueError("nope")))
    item_id = queue(services, "doomed", max_attempts=2)
    worker.run_once()
    clock.advance(hours=1)
    worker.run_once()
    final = item(services, item_id)
    assert final.state == "failed" and final.attempts == 2 and "nope" in final.last_error


def test_a_permanent_error_stops_retrying_at_once(services):
    worker = Worker(services)

    def never(payload, svc):
        raise PermanentError("media id expired")

    worker.register("never", never)
    item_id = queue(services, "never")
    worker.run_once()
    assert item(services, item_id).state == "failed"


def test_an_item_left_running_by_a_dead_worker_is_taken_again_after_its_lease(services, clock):
    seen = []
    item_id = queue(services, "note", {"n": 7})
    with UnitOfWork(services.session_factory) as uow:  # a worker claimed it, then died
        row = uow.session.get(WorkItem, item_id)
        row.state, row.locked_by = "running", "dead-worker"
        row.locked_until = clock.now() + timedelta(minutes=5)
        uow.commit()
    worker = Worker(services)
    worker.register("note", lambda payload, svc: seen.append(payload["n"]))
    assert worker.run_once() == 0
    clock.advance(minutes=6)
    assert worker.run_once() == 1
    assert seen == [7]


def test_two_workers_never_take_the_same_item(services):
    seen, lock = [], threading.Lock()

    def job(payload, svc):
        with lock:
            seen.append(payload["n"])

    for n in range(40):
        queue(services, "note", {"n": n})
    workers = [Worker(services, name=f"w{i}") for i in range(2)]
    for w in workers:
        w.register("note", job)

    def drain(w):
        while w.run_once(limit=3):
            pass

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(seen) == list(range(40))


def test_a_message_whose_handling_failed_is_finished_by_the_worker(services):
    add_unit(services, "县委党校", liaisons=["console:dangxiao"])
    blob = "incoming/ab/cd/late-photo.jpg"
    msg = Incoming(channel="console", user_id="dangxiao", msg_id="p-1", kind="photo",
                   received_at=services.clock.now(), blob_path=blob)
    services.conversation.receive(msg)
    path = services.files.path(blob)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes())
    Worker(services).run_once()
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(InboundMessage)).one()
        assert row.state == "handled" and "图片 1 张" in row.replies[0]
        assert len(uow.session.scalars(select(SummaryItem)).all()) == 1


def test_a_worker_does_not_start_when_a_kind_of_work_has_no_job(services):
    table = {kind: job for kind, job in services.jobs.items() if kind != JobKind.MAIL_SUMMARY}
    with pytest.raises(UnregisteredJobs, match="mail_summary"):
        Worker(dataclasses.replace(services, jobs=table))


def test_the_job_table_names_a_job_for_every_kind_of_work_and_nothing_else(services):
    assert set(services.jobs) == set(JobKind)
    assert all(callable(job) for job in services.jobs.values())


def test_work_queued_under_a_kind_name_is_stored_as_that_name(services):
    item_id = queue(services, JobKind.READ_DOCUMENT, {"n": 1})
    with UnitOfWork(services.session_factory) as uow:
        stored = uow.session.scalars(select(WorkItem.kind).where(WorkItem.id == item_id)).one()
    assert stored == "read_document" and type(stored) is str


def test_an_item_run_at_once_is_recorded_as_a_lane_would_and_not_run_again(services):
    seen = []
    worker = Worker(services, name="web")
    worker.register("note", lambda payload, svc: seen.append(payload["n"]))
    first, failing = queue(services, "note", {"n": 1}), queue(services, "boom", {})
    worker.register("boom", lambda payload, svc: (_ for _ in ()).throw(ValueError("no")))
    worker.run_queued([first, failing])
    worker.run_queued([first])
    assert seen == [1]
    assert item(services, first).state == "done"
    assert item(services, failing).state == "queued" and item(services, failing).attempts == 1
    assert "ValueError: no" in item(services, failing).last_error


def test_an_item_a_lane_already_took_is_not_run_at_once(services):
    seen = []
    lane, web = Worker(services, name="lane"), Worker(services, name="web")
    for w in (lane, web):
        w.register("note", lambda payload, svc, w=w: seen.append(w.name))
    item_id = queue(services, "note", {"n": 1})
    assert lane.run_once() == 1
    web.run_queued([item_id])
    assert seen == ["lane"]
