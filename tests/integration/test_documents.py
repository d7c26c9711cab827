"""Documents through the real conversation and worker: stored at once, read after, outside
any transaction, within limits; a refusal is answered in Chinese and the file kept."""
from __future__ import annotations

import errno
import os
import re
import threading

import pytest
from sqlalchemy import func, select

from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import InboundMessage, StoredFile, SummaryItem, WorkItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.documents import word, zip_bomb_docx
from tests.processes import wait_for

ME = "console:dangxiao"
OTHER = "console:fulian"
ADVICE = "请另存为较小的文件或直接发送文字"


def replies_of(services, msg_id: str) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(InboundMessage.replies).where(
            InboundMessage.platform_msg_id == msg_id)).one()


def document_item(services) -> SummaryItem:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(SummaryItem).where(
            SummaryItem.kind == "document")).one()


def open_once_read(path):
    """Open a pipe for writing once someone has opened it to read."""
    def attempt():
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK) + 1
        except OSError as exc:
            if exc.errno == errno.ENXIO:   # nobody reads it yet
                return None
            raise
    fd = wait_for(attempt) - 1
    os.set_blocking(fd, True)
    return os.fdopen(fd, "wb")


def test_a_word_file_is_received_at_once_and_its_text_counted_once_read(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.photo(ME, jpeg_bytes())
    [received] = dialogue.document(ME, word([SUMMARY]), "三月小结.docx", msg_id="doc-1")
    assert received.startswith("已收到：文档「三月小结.docx」") and "文字 0 字" in received
    assert document_item(services).chars == 0
    Worker(services).run_once()
    n = len(re.sub(r"\s", "", SUMMARY))
    [_, read] = replies_of(services, "doc-1")
    assert read.startswith(f"已记录：文档「三月小结.docx」中的文字 {n} 字")
    # It completes the month at the document's own send time, as if read at once.
    assert "按时报送" in read and "完成于 2026-03-20 10:00:00" in read
    item = document_item(services)
    assert item.chars == n and item.text == SUMMARY


def test_reading_the_same_document_twice_counts_it_once_and_answers_once(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.document(ME, SUMMARY.encode(), "小结.txt", msg_id="doc-1")
    worker = Worker(services)
    worker.run_once()
    # A rerun after a lost lease: the item is queued again by hand.
    with UnitOfWork(services.session_factory) as uow:
        uow.session.execute(WorkItem.__table__.update().values(state="queued"))
        uow.commit()
    worker.run_once()
    assert len(replies_of(services, "doc-1")) == 2
    assert document_item(services).chars == len(SUMMARY)


def test_a_zip_bomb_is_refused_in_chinese_and_kept_as_evidence(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    bomb = zip_bomb_docx()
    [received] = dialogue.document(ME, bomb, "小结.docx", msg_id="bomb")
    assert "已收到" in received
    Worker(services).run_once()
    [_, refused] = replies_of(services, "bomb")
    assert refused.startswith("文档「小结.docx」中的文字没有记入：Word 文件解压后的内容超过上限")
    assert ADVICE in refused and "文件已保存" in refused
    with UnitOfWork(services.session_factory) as uow:
        stored = uow.session.scalars(select(StoredFile)).one()
        assert services.files.read(stored.path) == bomb
        assert uow.session.scalars(select(InboundMessage.payload)).one()["document_text"] == (
            "refused")
        assert uow.session.scalars(select(WorkItem.state)).all() == ["done"]
    assert document_item(services).chars == 0


def test_another_liaisons_message_is_answered_while_a_document_is_being_read(
        services, dialogue):
    """The reading runs outside any transaction: on SQLite, whose every transaction holds
    the writer lock, another liaison's message would otherwise wait for it to finish."""
    add_unit(services, "县委党校", liaisons=[ME])
    add_unit(services, "县妇联", liaisons=[OTHER])
    bomb = zip_bomb_docx()
    dialogue.document(ME, bomb, "小结.docx", msg_id="bomb")
    # The stored file becomes a pipe: the worker's read of it waits until we write.
    with UnitOfWork(services.session_factory) as uow:
        path = services.files.path(uow.session.scalars(select(StoredFile.path)).one())
    os.remove(path)
    os.mkfifo(path)
    worker = threading.Thread(target=Worker(services).run_once)
    worker.start()
    try:
        with open_once_read(path) as pipe:
            [answer] = dialogue.say(OTHER, SUMMARY)
            [photo] = dialogue.photo(OTHER, jpeg_bytes(seed=2))
            pipe.write(bomb)
    finally:
        worker.join(timeout=600)
    assert answer.startswith("已记录：文字") and photo.startswith("已记录：图片")
    [_, refused] = replies_of(services, "bomb")
    assert ADVICE in refused
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(SummaryItem)) == 3


def test_a_document_withdrawn_before_it_is_read_says_so_and_counts_nothing(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.document(ME, SUMMARY.encode(), "小结.txt", msg_id="doc-1")
    [withdrawn] = dialogue.say(ME, "撤回")
    assert "撤回" in withdrawn
    Worker(services).run_once()
    [_, read] = replies_of(services, "doc-1")
    assert "已撤回，不计入" in read and "本月累计：文字 0 字" in read


@pytest.mark.parametrize("data, name, reason", [
    (b"", "empty.txt", "没有找到文字"),
    (b"PK\x03\x04 not really a zip", "broken.docx", "Word 文件已损坏"),
])
def test_a_document_whose_text_cannot_be_read_is_answered_after_with_what_to_do(
        services, dialogue, data, name, reason):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.document(ME, data, name, msg_id="doc-1")
    Worker(services).run_once()
    [_, refused] = replies_of(services, "doc-1")
    assert f"文档「{name}」中的文字没有记入" in refused and reason in refused
