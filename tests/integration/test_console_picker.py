"""The liaison console's picker: each unit once, named once."""
from __future__ import annotations

import re

from bot.app import create_app
from storage.db import UnitOfWork
from storage.models import Liaison
from tests.conftest import add_unit

OPTION = re.compile(r'<option value="([^"]*)">([^<]*)</option>')


def test_the_picker_shows_each_unit_once(services):
    add_unit(services, "县委党校", liaisons=["console:县委党校", "console:党校副手"])
    add_unit(services, "团县委", liaisons=["console:tuan"])
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(Liaison(channel="console", platform_user_id="路人",
                                created_at=services.clock.now()))
        uow.commit()
    html = create_app(services=services).test_client().get("/console").get_data(as_text=True)
    assert OPTION.findall(html) == [("县委党校", "县委党校"), ("tuan", "团县委（tuan）"),
                                    ("路人", "未绑定（路人）")]
