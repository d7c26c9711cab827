"""The command a mistyped short text was most likely meant to be."""
from __future__ import annotations

import pytest

from bot.handlers.help import nearest_command


@pytest.mark.parametrize("text, near", [
    ("查份", "查分"), ("查份 2026Q1", "查分 2026Q1"), ("状太", "状态"), ("/帮组", "帮助"),
    ("撤会", "撤回"), ("排名", None), ("你们", None),
])
def test_the_nearest_command_is_found_only_when_one_is_close(text, near):
    assert nearest_command(text) == near
