"""Pleasantries get one friendly line; an unknown short text one line with the nearest command."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.db import UnitOfWork
from storage.models import SummaryItem
from tests.conftest import add_unit

ME = "console:dangxiao"


def items(services) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(SummaryItem))


@pytest.mark.parametrize("text, answer", [
    ("好的", "好的！"), ("收到", "好的！"), ("OK", "好的！"), ("👍", "好的！"),
    ("好的👍🏻", "好的！"), ("谢谢", "不客气！"), ("好的，谢谢！", "不客气！"),
    ("辛苦了~", "您也辛苦了！"), ("您好", "您好！"),
])
def test_a_pleasantry_gets_a_one_line_friendly_answer_and_nothing_is_recorded(
        services, dialogue, text, answer):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, text)
    assert reply.startswith(answer) and "\n" not in reply and "可用命令" not in reply
    assert items(services) == 0


def test_an_unbound_user_saying_thanks_is_told_how_to_bind(services, dialogue):
    [reply] = dialogue.say("console:stranger", "谢谢")
    assert "还没有绑定" in reply


def test_an_unknown_short_text_gets_one_line_with_the_nearest_command(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, "查份")
    assert reply == "没有看懂「查份」，未记入小结。您是想发「查分」吗？发送「帮助」查看全部命令。"
    [far] = dialogue.say(ME, "/排名")
    assert "\n" not in far and "您是想发" not in far and "「帮助」" in far
    assert items(services) == 0
