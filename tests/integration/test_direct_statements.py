"""Statements run on the DBAPI cursor behave as through SQLAlchemy's execute."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy import (JSON, Column, Integer, MetaData, String, Table, bindparam, func,
                        insert, select)
from sqlalchemy.exc import IntegrityError

from storage.direct import DirectStatement
from storage.models import UTCDateTime
from tests.conftest import shanghai

PROBE = Table("direct_probe", MetaData(),
              Column("id", Integer, primary_key=True),
              Column("name", String(20), unique=True, nullable=False),
              Column("at", UTCDateTime),
              Column("data", JSON))
INSERT = DirectStatement(insert(PROBE).values(
    name=bindparam("name", type_=PROBE.c.name.type),
    at=bindparam("at", type_=PROBE.c.at.type),
    data=bindparam("data", type_=PROBE.c.data.type)).returning(PROBE.c.id))
ADD = DirectStatement(insert(PROBE).values(
    name=bindparam("name", type_=PROBE.c.name.type),
    at=bindparam("at", type_=PROBE.c.at.type),
    data=bindparam("data", type_=PROBE.c.data.type)))
SINCE = (select(PROBE.c.name, PROBE.c.at, PROBE.c.data, func.max(PROBE.c.at).over())
         .where(PROBE.c.at >= bindparam("since", type_=PROBE.c.at.type))
         .order_by(PROBE.c.name))


@pytest.fixture
def engine(services):
    PROBE.create(services.engine)
    yield services.engine
    PROBE.drop(services.engine)


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(PROBE))


def test_rows_and_values_come_back_as_through_sqlalchemy(engine):
    at = shanghai(2026, 3, 24, 23, 59, 59)
    rows = [{"name": "甲", "at": at, "data": {"照片": 2, "列表": [1, "二"]}},
            {"name": "乙", "at": at + timedelta(seconds=1), "data": None},
            {"name": "丙", "at": None, "data": ["x"]}]
    with engine.connect() as conn:
        ADD.execute(conn, rows)
        conn.commit()
    direct = DirectStatement(SINCE)
    with engine.connect() as conn:
        got = direct.rows(conn, {"since": at - timedelta(days=1)})
        through = [tuple(r) for r in conn.execute(SINCE, {"since": at - timedelta(days=1)})]
    assert got == through
    assert [r[0] for r in got] == ["乙", "甲"]
    assert got[1][1] == at and got[1][1].tzinfo == timezone.utc
    assert got[1][2] == {"照片": 2, "列表": [1, "二"]}
    assert got[0][3] == at + timedelta(seconds=1)


def test_an_insert_returns_its_new_id(engine):
    with engine.connect() as conn:
        [(first,)] = INSERT.rows(conn, {"name": "甲", "at": None, "data": None})
        [(second,)] = INSERT.rows(conn, {"name": "乙", "at": None, "data": None})
        conn.commit()
        assert conn.scalars(select(PROBE.c.id).order_by(PROBE.c.name)).all() == [second, first]


def test_a_duplicate_raises_sqlalchemys_integrity_error_and_nothing_is_kept(engine):
    with pytest.raises(IntegrityError):
        with engine.connect() as conn:
            ADD.execute(conn, {"name": "甲", "at": None, "data": None})
            ADD.execute(conn, {"name": "甲", "at": None, "data": None})
            conn.commit()
    assert _count(engine) == 0


def test_it_runs_in_the_callers_transaction(engine):
    with engine.connect() as conn:
        ADD.execute(conn, {"name": "甲", "at": None, "data": None})
        conn.rollback()
        ADD.execute(conn, {"name": "乙", "at": None, "data": None})
        conn.commit()
    with engine.connect() as conn:
        assert conn.scalars(select(PROBE.c.name)).all() == ["乙"]


def test_a_missing_value_fails_loudly(engine):
    with engine.connect() as conn, pytest.raises(KeyError):
        ADD.execute(conn, {"name": "甲", "at": None})


def test_an_expanding_in_or_a_bound_value_is_refused(engine):
    expanding = DirectStatement(select(PROBE.c.id).where(
        PROBE.c.name.in_(bindparam("names", expanding=True))))
    bound = DirectStatement(select(PROBE.c.id).where(PROBE.c.name == "甲"))
    with engine.connect() as conn:
        with pytest.raises(ValueError, match="expanding"):
            expanding.rows(conn, {"names": ["甲"]})
        with pytest.raises(ValueError, match="bound value"):
            bound.rows(conn, {})
