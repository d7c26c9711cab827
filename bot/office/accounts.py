"""Office accounts for /admin: hashed passwords and sign-in attempts limited per name and IP.

Plain functions on a session (no Flask), shared by the web console, the CLI and the demo.
The attempts live in the database, so every web process counts the same ones.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot import audit
from storage.models import AdminUser, LoginAttempt

ROLES = ("admin", "viewer")
ROLE_WORDS = {"admin": "管理员", "viewer": "只读"}
MIN_PASSWORD = 8
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_IP = 20
KEEP_ATTEMPTS = timedelta(days=7)
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AccountError(ValueError):
    """A name, role or password that can't be used; the message is Chinese."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user, or why not."""

    user: AdminUser | None
    refused: str | None = None     # the Chinese reason shown on the form
    locked: bool = False           # refused by the attempt limits, not by the password


@cache
def _dummy_hash() -> str:
    # Checked when the name is unknown: a wrong name costs as long as a wrong password.
    return generate_password_hash("not a password")


def new_password(length: int = 14) -> str:
    """A random password without look-alike characters."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def check_new(name: str, password: str, role: str) -> None:
    """Raise AccountError unless the name, password and role can be used."""
    if not name or len(name) > 64 or name != name.strip():
        raise AccountError("用户名不能为空，不超过64个字符，前后不能有空格")
    if role not in ROLES:
        raise AccountError("角色应为 admin（管理员）或 viewer（只读）")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")


def user_by_name(session: Session, name: str) -> AdminUser | None:
    """The account with this exact name."""
    return session.scalars(select(AdminUser).where(AdminUser.name == name)).first()


def create_user(session: Session, name: str, password: str, role: str, now: datetime,
                actor: str) -> AdminUser:
    """Create an account with a hashed password; audited."""
    check_new(name, password, role)
    if user_by_name(session, name) is not None:
        raise AccountError(f"用户「{name}」已存在")
    user = AdminUser(name=name, password_hash=generate_password_hash(password), role=role,
                     active=True, created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, now, actor, audit.ACCOUNT_CREATED, user.id, None,
                  {"name": name, "role": role})
    return user


def set_password(session: Session, user: AdminUser, password: str, now: datetime,
                 actor: str) -> None:
    """Replace an account's password (existing sign-ins end); audited without the password."""
    check_new(user.name, password, user.role)
    user.password_hash = generate_password_hash(password)
    audit.record(session, now, actor, audit.ACCOUNT_PASSWORD, user.id, None,
                  {"name": user.name})


def session_mark(user: AdminUser) -> str:
    """A short fingerprint of the password hash: a new password ends older sign-ins."""
    return user.password_hash[-12:]


def refusal(session: Session, name: str, ip: str, now: datetime) -> str | None:
    """Why sign-in is refused right now for this name or address, or None."""
    since = now - WINDOW
    # Failures before the name's last success do not count (ids keep the insert order).
    last_ok = session.scalar(select(func.max(LoginAttempt.id)).where(
        LoginAttempt.name == name, LoginAttempt.ok.is_(True), LoginAttempt.at >= since))
    by_name = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.name == name, LoginAttempt.ok.is_(False), LoginAttempt.at >= since,
        LoginAttempt.id > (last_ok or 0)))
    by_ip = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.ok.is_(False), LoginAttempt.at >= since))
    minutes = int(WINDOW.total_seconds() // 60)
    if by_name >= MAX_FAILURES_PER_NAME:
        return f"该账号登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试。"
    if by_ip >= MAX_FAILURES_PER_IP:
        return f"本机登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试。"
    return None


def sign_in(session: Session, name: str, password: str, ip: str, now: datetime) -> SignIn:
    """Check a name and password within the attempt limits; record the attempt.

    The caller commits, so a failed attempt counts even though nobody signed in.
    """
    name, ip = name.strip()[:64], (ip or "unknown")[:64]
    refused = refusal(session, name, ip, now)
    if refused:
        return SignIn(None, refused, locked=True)
    user = user_by_name(session, name) if name else None
    good = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    ok = bool(user and user.active and good)
    session.add(LoginAttempt(name=name, ip=ip, at=now, ok=ok))
    if ok:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS))
        return SignIn(user)
    return SignIn(None, "用户名或密码错误。")
