"""What a liaison is called wherever a person reads it, decided once.

The office's name for the person (the unit list's 联络员姓名, or the name given when
binding in the console) comes first; else the name the platform shows for the account
(DingTalk's senderNick, WeCom's user/get, recorded when the liaison binds by code); else
the platform account id itself.
"""
from __future__ import annotations

from typing import Protocol

from bot.messages import CHANNEL_WORDS


class Named(Protocol):
    display_name: str
    platform_name: str
    platform_user_id: str


def liaison_words(name: str | None, platform_name: str | None, user_id: str) -> str:
    """The office's name, else the platform's name, else the account id."""
    return (name or "").strip() or (platform_name or "").strip() or user_id


def words_of(liaison: Named) -> str:
    """`liaison_words` of a liaison record."""
    return liaison_words(liaison.display_name, liaison.platform_name,
                         liaison.platform_user_id)


def with_channel(words: str, channel: str) -> str:
    """张三（企业微信）."""
    return f"{words}（{CHANNEL_WORDS.get(channel, channel)}）"
