"""The demo admin account: created with the demo, its generated password kept beside the
database so `make run` can print it again, and retired when the demo is switched off."""
from __future__ import annotations

from datetime import datetime

from bot import audit
from bot.office.accounts import create_user, new_password, user_by_name
from bot.office.keys import key_dir, write_once
from storage.db import UnitOfWork

ADMIN_NAME = "demo"
PASSWORD_FILE = "demo_admin_password"


def demo_admin(services, now: datetime, actor: str) -> tuple[str, str | None]:
    """Create the demo admin unless it exists; return its name and password (if kept)."""
    path = key_dir(services.config) / PASSWORD_FILE
    with UnitOfWork(services.session_factory) as uow:
        if user_by_name(uow.session, ADMIN_NAME) is None:
            password = new_password()
            create_user(uow.session, ADMIN_NAME, password, "admin", now, actor)
            path.unlink(missing_ok=True)
            write_once(path, password)
            uow.commit()
    return ADMIN_NAME, demo_password(services)


def demo_password(services) -> str | None:
    """The demo admin's password as generated, if this database has one."""
    path = key_dir(services.config) / PASSWORD_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def retire_demo_admin(services, now: datetime, actor: str) -> bool:
    """With the demo off, deactivate the demo account and forget its password; True if done."""
    (key_dir(services.config) / PASSWORD_FILE).unlink(missing_ok=True)
    with UnitOfWork(services.session_factory) as uow:
        user = user_by_name(uow.session, ADMIN_NAME)
        if user is None or not user.active:
            return False
        user.active = False
        audit.record(uow.session, now, actor, audit.ACCOUNT_DEACTIVATED, user.id,
                     {"active": True}, {"active": False, "name": user.name})
        uow.commit()
    return True
