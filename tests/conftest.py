"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
a real file store in a temporary folder, a settable clock, and a dialogue driver."""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from bot.clock import FixedClock
from bot.config import build_config
from bot.bootstrap import build_services
from scoring import LOCAL_TZ
from storage.db import UnitOfWork, make_engine, migrate
from storage.models import Base, Liaison, Unit

# A busy machine (CI, or tests run in parallel) makes any example slow now and then: no
# example is failed for its time, only for what it finds.
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def shanghai(*args) -> datetime:
    """An aware datetime in Asia/Shanghai: shanghai(2026, 3, 24, 23, 59, 59)."""
    return datetime(*args, tzinfo=LOCAL_TZ)


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One migrated database per backend for the whole session."""
    urls = {}
    sqlite_path = tmp_path_factory.mktemp("db") / "test.db"
    urls["sqlite"] = f"sqlite:///{sqlite_path}"
    schema = None
    if "postgresql" in BACKENDS:
        base = os.environ["TEST_DATABASE_URL"]
        schema = f"bot_test_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        sep = "&" if "?" in base else "?"
        urls["postgresql"] = f"{base}{sep}options=-csearch_path%3D{schema}"
    for url in urls.values():
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
    yield urls
    if schema:
        admin = create_engine(os.environ["TEST_DATABASE_URL"])
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def emptied(url: str) -> str:
    """The database at `url` with every table emptied."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request, database_urls):
    """A migrated, emptied database on each backend in turn."""
    return emptied(database_urls[request.param])


@pytest.fixture
def clock():
    return FixedClock(shanghai(2026, 3, 20, 10, 0, 0))


@pytest.fixture
def config(db_url, tmp_path):
    return build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")}})


@pytest.fixture
def services(config, clock):
    svc = build_services(config, clock=clock)
    yield svc
    svc.close()


def add_unit(services, name: str, category: str = "key", liaisons=()) -> int:
    """Create a unit with bound liaisons given as 'channel:user'."""
    with UnitOfWork(services.session_factory) as uow:
        unit = Unit(name=name, category=category, active=True, created_at=services.clock.now())
        uow.session.add(unit)
        uow.session.flush()
        for spec in liaisons:
            channel, _, uid = spec.partition(":")
            uow.session.add(Liaison(channel=channel, platform_user_id=uid, unit_id=unit.id,
                                    created_at=services.clock.now()))
        uow.commit()
        return unit.id


class Dialogue:
    """Drive a whole conversation in memory through the real Conversation."""

    def __init__(self, services):
        self.services = services
        self.count = 0

    def _send(self, user: str, **fields) -> list[str]:
        from bot.messages import Incoming
        self.count += 1
        channel, _, uid = user.partition(":")
        now = self.services.clock.now()
        msg = Incoming(channel=channel, user_id=uid, msg_id=fields.pop("msg_id", f"m{self.count}"),
                       received_at=now, sent_at=fields.pop("sent_at", now), **fields)
        return [reply.text for reply in self.services.conversation.receive(msg)]

    def say(self, user: str, text: str, **kw) -> list[str]:
        return self._send(user, kind="text", text=text, **kw)

    def photo(self, user: str, data: bytes, **kw) -> list[str]:
        blob = self.services.files.put_blob(data, ".jpg")
        return self._send(user, kind="photo", blob_path=blob, **kw)

    def document(self, user: str, data: bytes, filename: str, **kw) -> list[str]:
        blob = self.services.files.put_blob(data, Path(filename).suffix)
        return self._send(user, kind="document", blob_path=blob, filename=filename, **kw)


@pytest.fixture
def dialogue(services):
    return Dialogue(services)


def jpeg_bytes(size=(640, 480), color=(200, 80, 40), seed: int = 0) -> bytes:
    """A small real JPEG with some structure, distinct per seed."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    for i in range(8):
        x = (seed * 37 + i * 71) % size[0]
        y = (seed * 53 + i * 29) % size[1]
        draw.rectangle([x, y, x + size[0] // 4, y + size[1] // 5],
                       fill=((seed * 40 + i * 30) % 256, (i * 60) % 256, (seed * 90) % 256))
    out = BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


SUMMARY = "本月组织志愿者开展敬老院义诊活动两次，服务老人八十余人次；开展文明交通劝导三次，参与志愿者二十五人，发放宣传资料三百余份，群众反响良好。"
