"""[wecom] as the channel needs it, checked in one place at start-up.

The config file checks each value's form (bot/config.py); this says which keys must be
set together: the API (photos fetched, receipts and notices sent) needs a secret with
its corp and agent; the callback needs its token and key, and the API, since photos and
receipts go through it.
"""
from __future__ import annotations

from bot.config import ConfigError
from bot.config_sections import WecomConfig


def api_on(w: WecomConfig) -> bool:
    """Whether [wecom] turns the API on (a secret is set).

    Raises:
        ConfigError: a secret without its corp or agent; the message names the key.
    """
    if not w.secret:
        return False
    if not w.corp_id:
        raise ConfigError("config key wecom.corp_id must be set when wecom.secret is")
    if w.agent_id <= 0:
        raise ConfigError("config key wecom.agent_id must be set when wecom.secret is")
    return True


def callback_on(w: WecomConfig) -> bool:
    """Whether [wecom] turns the callback URL on (a token or key is set).

    Raises:
        ConfigError: the callback is half configured; the message names the key.
    """
    if not (w.token or w.encoding_aes_key):
        return False
    for key in ("corp_id", "token", "encoding_aes_key"):
        if not getattr(w, key):
            raise ConfigError(f"config key wecom.{key} must be set for the WeCom callback")
    if not api_on(w):
        raise ConfigError("config key wecom.secret must be set for the WeCom callback")
    return True
