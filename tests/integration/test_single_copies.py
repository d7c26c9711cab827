"""Every received file is kept once: an accepted photo or document is its received file
(plus a thumbnail), a refused one stays as evidence on the unit page until its
retention ends, when the worker removes it and audits the removal."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.rejected_files import EXPIRE_REJECTED
from bot.worker.scheduler import queue_daily
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import AuditEntry, InboundMessage, RejectedFile, StoredFile, WorkItem
from tests.admin_support import make_users, sign_in
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai
from tests.stores import age, stored

ME = "console:dangxiao"


@pytest.fixture
def unit_id(services):
    make_users(services)
    return add_unit(services, "县委党校", liaisons=[ME])


@pytest.fixture
def office(services, unit_id):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def one(services, model, *where):
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(model).where(*where)).one()


def test_an_accepted_photo_leaves_one_stored_copy_and_its_thumbnail(services, dialogue,
                                                                    unit_id):
    data = jpeg_bytes()
    [receipt] = dialogue.photo(ME, data)
    assert receipt.startswith("已记录：图片 1 张")
    row, inbound = one(services, StoredFile), one(services, InboundMessage)
    assert row.path == inbound.blob_path
    assert stored(services) == sorted([row.path, row.thumb_path])
    assert services.files.read(row.path) == data


def test_a_document_leaves_one_stored_copy(services, dialogue, unit_id):
    [receipt] = dialogue.document(ME, SUMMARY.encode(), "三月小结.txt")
    assert receipt.startswith("已收到：文档「三月小结.txt」")
    row, inbound = one(services, StoredFile), one(services, InboundMessage)
    assert row.path == inbound.blob_path
    assert stored(services) == [row.path]


def test_the_same_photo_sent_twice_is_one_file(services, dialogue, unit_id):
    data = jpeg_bytes()
    dialogue.photo(ME, data)
    [again] = dialogue.photo(ME, data)
    assert "已经收到过" in again
    assert len(stored(services, "incoming")) == 1


@pytest.mark.parametrize("send, reason", [
    (lambda d: d.photo(ME, b"\xff\xd8\xff broken"), "图片文件已损坏或不完整"),
    (lambda d: d.document(ME, b"old word file", "三月小结.doc"), ".doc 请另存为 .docx"),
])
def test_a_refused_file_is_kept_once_and_downloadable_from_the_unit_page(
        services, dialogue, unit_id, office, send, reason):
    [answer] = send(dialogue)
    assert "没有记入" in answer and reason in answer
    refused, inbound = one(services, RejectedFile), one(services, InboundMessage)
    assert stored(services) == [inbound.blob_path] == [refused.path]
    assert (refused.unit_id, refused.month) == (unit_id, "2026-03")
    assert reason in refused.reason
    page = office.get(f"/admin/units/{unit_id}?quarter=2026Q1").get_data(as_text=True)
    assert "未记入的" in page and "保留至 2026-09-16" in page
    link = re.search(r'href="(/admin/rejected/\d+)"', page).group(1)
    with office.get(link) as download:
        assert download.status_code == 200
        assert download.data == services.files.read(refused.path)
        assert download.headers["Content-Disposition"].startswith("attachment")


def test_a_refused_file_is_not_for_anyone_signed_out(services, dialogue, unit_id):
    dialogue.photo(ME, b"not a photo")
    refused = one(services, RejectedFile)
    anonymous = create_app(services=services).test_client()
    assert anonymous.get(f"/admin/rejected/{refused.id}").status_code == 302


def expire(services, clock, days: int) -> None:
    """Let `days` pass, then run the day's removal as the worker does."""
    clock.set(clock.now() + timedelta(days=days))
    assert queue_daily(services, EXPIRE_REJECTED, clock.now())
    Worker(services).run_once()
    with UnitOfWork(services.session_factory) as uow:
        item = uow.session.scalars(select(WorkItem).where(
            WorkItem.kind == EXPIRE_REJECTED).order_by(WorkItem.id.desc())).first()
        assert item.state == "done", item.last_error


def test_a_refused_file_is_removed_once_its_retention_has_passed(services, dialogue, unit_id,
                                                                 office, clock):
    dialogue.photo(ME, b"not a photo")
    refused = one(services, RejectedFile)
    age(services, refused.path, 181)
    expire(services, clock, 179)
    assert stored(services) == [refused.path]          # not yet due
    expire(services, clock, 2)
    assert stored(services) == []
    refused = one(services, RejectedFile)
    assert refused.removed_at == clock.now()
    entry = one(services, AuditEntry, AuditEntry.entity == "rejected_file")
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "worker", "expire", "rejected_file", str(refused.id))
    assert entry.old["path"] == refused.path and entry.new["file_removed"] is True
    assert entry.unit_id == unit_id
    log = office.get(f"/admin/audit?unit={unit_id}&kind=报送材料").get_data(as_text=True)
    assert "后台任务删除" in log and "被退回的一份图片" in log
    page = office.get(f"/admin/units/{unit_id}?quarter=2026Q1").get_data(as_text=True)
    assert "已过保留期" in page
    assert office.get(f"/admin/rejected/{refused.id}").status_code == 404


def test_the_retention_is_the_configured_number_of_days(services, dialogue, unit_id, clock):
    services.config = replace(services.config,
                              files=replace(services.config.files, keep_rejected_days=10))
    dialogue.photo(ME, b"not a photo")
    age(services, one(services, RejectedFile).path, 30)
    expire(services, clock, 11)
    assert stored(services) == []


def test_bytes_an_accepted_file_shares_with_a_refused_one_stay(services, dialogue, unit_id,
                                                               clock):
    dialogue.photo(ME, SUMMARY.encode())               # refused: not a picture
    dialogue.document(ME, SUMMARY.encode(), "小结.txt")  # the same bytes, accepted
    refused, document = one(services, RejectedFile), one(services, StoredFile)
    assert refused.path == document.path and len(stored(services)) == 1
    age(services, refused.path, 200)
    expire(services, clock, 181)
    assert stored(services) == [document.path]
    assert one(services, RejectedFile).removed_at is not None
    assert one(services, AuditEntry, AuditEntry.entity == "rejected_file").new["file_removed"] is False


def test_bytes_received_again_within_the_day_stay(services, dialogue, unit_id, clock):
    dialogue.photo(ME, b"not a photo")
    refused = one(services, RejectedFile)
    age(services, refused.path, 200)
    services.files.put_blob(b"not a photo")   # a download whose message is being stored
    expire(services, clock, 181)
    assert stored(services) == [refused.path]


def test_the_days_removal_is_queued_once_a_day_from_three_in_the_morning(services, clock):
    clock.set(shanghai(2026, 3, 21, 2, 59, 0))
    assert not queue_daily(services, EXPIRE_REJECTED, clock.now())
    clock.set(shanghai(2026, 3, 21, 3, 0, 0))
    assert queue_daily(services, EXPIRE_REJECTED, clock.now()) and queue_daily(services, EXPIRE_REJECTED, clock.now())
    with UnitOfWork(services.session_factory) as uow:
        keys = uow.session.scalars(select(WorkItem.dedup_key)).all()
    assert keys == ["expire_rejected_files:2026-03-21"]
