"""The name WeCom shows for a member who bound by code: WeCom's callbacks carry no name,
so the worker asks user/get once after the binding and records it on the liaison."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from bot.channels.wecom.api import WecomError
from bot.jobs import PermanentError
from storage.db import UnitOfWork
from storage.models import Liaison

log = logging.getLogger(__name__)
CHANNEL = "wecom"


def record_name(payload: dict[str, Any], services) -> None:
    """Work item `wecom_user_name`: fetch the member's name and keep it as its platform name.

    A transient WeCom error retries; a permanent one (not in the app's 可见范围, no
    permission) leaves the liaison known by its account id.
    """
    if services.wecom is None:
        raise PermanentError("[wecom] secret not configured: cannot ask user/get")
    user_id = payload["user_id"]
    try:
        name = services.wecom.user_name(user_id)
    except WecomError as exc:
        if exc.transient:
            raise
        raise PermanentError(f"user/get {user_id}: {exc}") from None
    if not name:
        return
    with UnitOfWork(services.session_factory) as uow:
        liaison = uow.session.scalars(select(Liaison).where(
            Liaison.channel == CHANNEL, Liaison.platform_user_id == user_id)).first()
        if liaison is not None:
            liaison.platform_name = name[:100]
            uow.commit()
