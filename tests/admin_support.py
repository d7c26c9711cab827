"""Helpers for the office console's tests: accounts, signing in, CSRF tokens, a small history."""
from __future__ import annotations

import re
from io import BytesIO

from PIL import Image
from sqlalchemy import select

from bot.demo_history import photo_bytes
from bot.office.accounts import create_user
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import Liaison, Unit
from tests.conftest import SUMMARY, Dialogue, add_unit, jpeg_bytes, shanghai

ADMIN = ("chief", "chief-password-1")
VIEWER = ("reader", "reader-password-1")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PACK_LINK = re.compile(r"/admin/evidence/packs/\d+\.zip")


def make_users(services) -> None:
    """An admin and a viewer."""
    with UnitOfWork(services.session_factory) as uow:
        create_user(uow.session, *ADMIN, "admin", services.clock.now(), "test")
        create_user(uow.session, *VIEWER, "viewer", services.clock.now(), "test")
        uow.commit()


def token(client, path: str = "/admin/login") -> str:
    """The CSRF token a page's forms carry (tied to the client's session)."""
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client, who=ADMIN):
    """Sign the test client in; return the response to the form."""
    name, password = who
    return client.post("/admin/login", data={"name": name, "password": password,
                                             "csrf_token": token(client)})


def post(client, path: str, data: dict | None = None, page: str = "/admin/board", **kw):
    """POST a form with a valid CSRF token, as the browser would."""
    return client.post(path, data={**(data or {}), "csrf_token": token(client, page)}, **kw)


def near_copy(data: bytes) -> bytes:
    """The same picture re-encoded smaller: new bytes, nearly the same perceptual hash."""
    out = BytesIO()
    with Image.open(BytesIO(data)) as image:
        image.convert("RGB").resize((600, 450)).save(out, "JPEG", quality=70)
    return out.getvalue()


def small_history(services, dialogue, clock) -> dict[str, int]:
    """Three units since January 2026 and a first quarter with every kind of month.

    党校 (key): January on time, February late (its photo was taken in December).
    团委 (key): January missing, February on time with a near-copy of 党校's January photo.
    人社 (department): nothing at all. The clock ends at 2026-03-20 10:00 (March pending).
    """
    clock.set(shanghai(2026, 1, 1, 9, 0, 0))
    ids = {"党校": add_unit(services, "县委党校", "key", ["console:dangxiao"]),
           "团委": add_unit(services, "团县委", "key", ["console:tuanwei"]),
           "人社": add_unit(services, "县人社局", "department", ["console:renshe"])}
    first = photo_bytes(1, shanghai(2026, 1, 9, 15, 0, 0))
    clock.set(shanghai(2026, 1, 10, 9, 0, 0))
    dialogue.say("console:dangxiao", SUMMARY)
    dialogue.photo("console:dangxiao", first)
    clock.set(shanghai(2026, 2, 12, 9, 0, 0))
    dialogue.say("console:tuanwei", SUMMARY)
    dialogue.photo("console:tuanwei", near_copy(first))
    clock.set(shanghai(2026, 2, 26, 9, 0, 0))
    dialogue.photo("console:dangxiao", photo_bytes(3, shanghai(2025, 12, 5, 10, 0, 0)))
    dialogue.say("console:dangxiao", SUMMARY)
    clock.set(shanghai(2026, 3, 20, 10, 0, 0))
    return ids


def owe_history(services) -> dict[str, int]:
    """March 2026, Friday the 20th at 10:00: 县委党校 (key) has 12 characters and no photo,
    its liaisons 张三 on the console (phone 13800000001) and lisi on WeCom, whom WeCom calls
    李四 (WeCom is not configured in tests, so that reminder fails); 团县委 (key) has
    nothing and one console liaison nobody named; 县妇联 (key) is complete; 县人社局
    (department) has 95 characters, no photo and no liaison."""
    clock = services.clock
    clock.set(shanghai(2026, 3, 1, 9, 0, 0))
    ids = {"党校": add_unit(services, "县委党校", liaisons=["console:dangxiao", "wecom:lisi"]),
           "团委": add_unit(services, "团县委", liaisons=["console:tuanwei"]),
           "妇联": add_unit(services, "县妇联", liaisons=["console:fulian"]),
           "人社": add_unit(services, "县人社局", "department")}
    with UnitOfWork(services.session_factory) as uow:
        for lz in uow.session.scalars(select(Liaison)):
            lz.display_name, lz.phone = {"dangxiao": ("张三", "13800000001")}.get(
                lz.platform_user_id, ("", ""))
            lz.platform_name = "李四" if lz.platform_user_id == "lisi" else ""
        uow.commit()
    chat = Dialogue(services)
    chat.say("console:dangxiao", "本月开展了两次敬老活动。")        # 12 characters
    chat.say("console:fulian", SUMMARY)
    chat.photo("console:fulian", jpeg_bytes(seed=2))
    with UnitOfWork(services.session_factory) as uow:                # 95 characters
        renshe = uow.session.get(Unit, ids["人社"])
        uow.session.add(Liaison(channel="console", platform_user_id="renshe", unit_id=renshe.id,
                                created_at=clock.now()))
        uow.commit()
    chat.say("console:renshe", "人" * 95)
    with UnitOfWork(services.session_factory) as uow:   # then unbound: nobody to remind
        uow.session.scalars(select(Liaison).where(
            Liaison.platform_user_id == "renshe")).one().unit_id = None
        uow.commit()
    clock.set(shanghai(2026, 3, 20, 10, 0, 0))
    return ids


def built_pack(services, client, quarter: str = "2026Q1") -> bytes:
    """Every unit's evidence pack of the quarter, the office's way: asked for on the page,
    built by a worker, downloaded; its bytes."""
    page = f"/admin/evidence?quarter={quarter}"
    resp = post(client, "/admin/evidence/packs", {"quarter": quarter}, page=page)
    assert resp.status_code == 302, resp.status_code
    worker = Worker(services)
    while worker.run_once(limit=100):
        pass
    found = PACK_LINK.search(client.get(page).get_data(as_text=True))
    assert found, "no pack ready to download"
    with client.get(found.group(0)) as pack:
        assert pack.status_code == 200
        return pack.data
