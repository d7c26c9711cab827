"""The statements that store every answered message and its items (storage.queries):
values come back as given, ids come back, a duplicate is refused whole, they run in the
caller's transaction, and a missing value fails loudly."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from storage import queries
from storage.db import read_then_write, writing
from storage.models import InboundMessage, SummaryItem
from tests.conftest import add_unit, shanghai

AT = shanghai(2026, 3, 24, 23, 59, 59)


def _message(msg_id: str, **changes) -> dict:
    row = dict(channel="wecom", platform_msg_id=msg_id, platform_user_id="zhang",
               kind="text", text="本月开展活动", blob_path=None, filename=None,
               payload={"照片": 2, "列表": [1, "二"]}, sent_at=AT, received_at=AT,
               state="handled", replies=["已记录"], handled_at=AT + timedelta(seconds=1))
    return {**row, **changes}


def _item(unit_id: int, inbound_id: int, **changes) -> dict:
    row = dict(unit_id=unit_id, month="2026-03", kind="text", text="本月开展活动", chars=6,
               file_id=None, liaison_id=None, inbound_id=inbound_id, sent_at=AT,
               received_at=AT, withdrawn_at=None)
    return {**row, **changes}


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_values_come_back_as_stored(services):
    with services.engine.connect() as conn:
        new_id = queries.add_inbound(conn, _message("m1", sent_at=None))
        conn.commit()
    with services.engine.connect() as conn:
        row = conn.execute(select(InboundMessage).where(InboundMessage.id == new_id)).one()
    assert row.payload == {"照片": 2, "列表": [1, "二"]} and row.replies == ["已记录"]
    assert row.received_at == AT and row.received_at.tzinfo == timezone.utc
    assert row.handled_at == AT + timedelta(seconds=1) and row.sent_at is None


def test_an_insert_returns_its_new_id(services):
    with services.engine.connect() as conn:
        first = queries.add_inbound(conn, _message("m1"))
        second = queries.add_inbound(conn, _message("m2"))
        conn.commit()
        ids = conn.scalars(select(InboundMessage.id)
                           .order_by(InboundMessage.platform_msg_id)).all()
    assert ids == [first, second] and first != second


def test_a_message_and_its_items_are_stored_together(services):
    unit_id = add_unit(services, "县委党校")
    with services.engine.connect() as conn:
        read_then_write(conn)
        writing(conn)
        new_id = queries.add_inbound(conn, _message("m1"))
        queries.add_items(conn, [_item(unit_id, new_id),
                                 _item(unit_id, None, kind="photo", chars=0)])
        conn.commit()
        stored = conn.execute(select(SummaryItem.kind, SummaryItem.inbound_id)
                              .order_by(SummaryItem.id)).all()
    assert [tuple(r) for r in stored] == [("text", new_id), ("photo", None)]


def test_a_duplicate_raises_sqlalchemys_integrity_error_and_nothing_is_kept(services):
    unit_id = add_unit(services, "县委党校")
    with pytest.raises(IntegrityError):
        with services.engine.connect() as conn:
            read_then_write(conn)
            writing(conn)
            new_id = queries.add_inbound(conn, _message("m1"))
            queries.add_items(conn, [_item(unit_id, new_id)])
            queries.add_inbound(conn, _message("m1"))
            conn.commit()
    assert (_count(services.engine, InboundMessage), _count(services.engine, SummaryItem)) \
        == (0, 0)


def test_it_runs_in_the_callers_transaction(services):
    with services.engine.connect() as conn:
        queries.add_inbound(conn, _message("m1"))
        conn.rollback()
        queries.add_inbound(conn, _message("m2"))
        conn.commit()
    with services.engine.connect() as conn:
        assert conn.scalars(select(InboundMessage.platform_msg_id)).all() == ["m2"]


def test_a_missing_value_fails_loudly(services):
    row = _message("m1")
    del row["received_at"]
    with services.engine.connect() as conn, pytest.raises(StatementError,
                                                          match="received_at"):
        queries.add_inbound(conn, row)
    assert _count(services.engine, InboundMessage) == 0
