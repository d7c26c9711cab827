"""Mail each complete month's summary to the office (电子版传指定邮箱)."""
from __future__ import annotations

import mimetypes
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select

from bot.config_sections import MailConfig
from bot.handlers.texts import clock_text
from bot.messages import KIND_WORDS
from bot.office.cells import file_name, one_line, printable
from bot.summaries import month_state
from scoring import Month
from storage.db import UnitOfWork
from storage.models import StoredFile, SummaryItem, Unit


def build_message(services, unit_id: int, month: Month) -> EmailMessage:
    """The summary as a mail: the texts and receipt times in the body, files attached."""
    cfg = services.config.mail
    rules = services.conversation.rules
    with UnitOfWork(services.session_factory) as uow:
        unit = uow.session.get(Unit, unit_id)
        state = month_state(uow.session, unit_id, month, services.clock.now(), rules.deadline,
                            rules.completion)
        rows = uow.session.execute(
            select(SummaryItem, StoredFile).join(StoredFile, isouter=True)
            .where(SummaryItem.unit_id == unit_id, SummaryItem.month == str(month),
                   SummaryItem.withdrawn_at.is_(None))
            .order_by(SummaryItem.sent_at, SummaryItem.id)).all()
    msg = EmailMessage()
    msg["Subject"] = one_line(f"【月度小结】{unit.name} {month.label}活动小结（{state.status.label}）")
    msg["From"] = formataddr(("月度小结机器人", cfg.sender or cfg.user))
    msg["To"] = ", ".join(cfg.to)
    msg["Message-ID"] = make_msgid(domain="summary-bot")
    lines = [f"单位：{one_line(unit.name)}", f"月份：{month.label}", f"状态：{state.status.label}",
             f"齐全于：{clock_text(state.completed_at) if state.completed_at else '未齐全'}",
             f"合计：文字 {state.chars} 字，图片 {state.photos} 张，文档 {state.documents} 份", "",
             "报送记录（时间为联络员发送时间，北京时间）："]
    attachments = []
    for n, (item, stored) in enumerate(rows, start=1):
        lines.append(f"{n}. {clock_text(item.sent_at)} {KIND_WORDS.get(item.kind, item.kind)}")
        if item.kind == "text":
            lines.append(printable(item.text or ""))
        elif stored is not None:
            name = file_name(stored.filename or f"{unit.name}-{month}-{n}{_suffix(stored)}")
            lines.append(f"（附件：{name}）")
            attachments.append((name, stored))
    msg.set_content("\n".join(lines))
    for name, stored in attachments:
        maintype, _, subtype = stored.content_type.partition("/")
        msg.add_attachment(services.files.read(stored.path), maintype=maintype or "application",
                           subtype=subtype or "octet-stream", filename=name)
    return msg


def _suffix(stored: StoredFile) -> str:
    return mimetypes.guess_extension(stored.content_type) or ""


def send(cfg: MailConfig, msg: EmailMessage) -> None:
    """Send through the configured SMTP server."""
    if cfg.security == "ssl":
        server = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_seconds,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
    with server:
        if cfg.security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if cfg.user:
            server.login(cfg.user, cfg.password)
        server.send_message(msg)


def mail_summary(payload: dict, services) -> None:
    """Worker job: mail one unit's complete month; retried by the queue on failure."""
    cfg = services.config.mail
    if not cfg.enabled or not cfg.to:
        return
    send(cfg, build_message(services, payload["unit_id"], Month.parse(payload["month"])))
