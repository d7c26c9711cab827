"""补交 2026-03: direct the next materials to an earlier month (counted as late), and
move there what the liaison just sent while its receipt said that month was owed."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.handlers.context import Context
from bot.handlers.texts import month_block
from bot.messages import Incoming, Reply
from scoring import Month, MonthStatus, filing_month, month_of
from storage.models import InboundMessage, SummaryItem
from storage.queries import LiaisonRef

PATTERN = re.compile(r"^补交\s*[:：]?\s*(?P<arg>.*)$")
CANCEL = ("取消", "结束", "完成")


def parse_month(arg: str, ctx: Context) -> Month:
    """`2026-03`, `2026年3月`, or `3月` (the latest such month not after now)."""
    m = re.fullmatch(r"(\d{1,2})\s*月(份)?", arg)
    if m:
        now = month_of(ctx.now)
        month = Month(now.year, int(m.group(1)))
        if not 1 <= month.month <= 12:
            raise ValueError
        return month if month <= now else Month(now.year - 1, month.month)
    return Month.parse(arg)


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Set or clear the liaison's backfill month (moving what was just misfiled)."""
    arg = PATTERN.match(msg.text.strip()).group("arg").strip()
    if arg in CANCEL:
        ctx.set_backfill(None)
        return [Reply(f"已结束补交，之后的材料记入 {ctx.open_month().label}。")]
    try:
        named = parse_month(arg, ctx)
    except ValueError:
        return [Reply("请写明要补交的月份，例如：补交 2026-03 或 补交 3月。")]
    # a month inside a longer period is its period's: its summary is the period's last month's
    month = filing_month(named, ctx.unit.category, ctx.deadline_rules)
    current = ctx.open_month()
    if month >= current:
        return [Reply(f"{month.label}不是以前的月份，直接发送材料即记入 {current.label}，不需要补交。")]
    if month < ctx.backfill_start():
        return [Reply(f"只能补交最近 {ctx.config.summary.backfill_months} 个月的小结，"
                      f"{month.label}太早了，请联系中心办公室。")]
    state = ctx.state(month)
    if state.status is MonthStatus.EXEMPT:
        return [Reply(f"{month.label}已免报（{state.excuse_reason}），不需要补交。")]
    moved_lines = _move_misfiled(ctx, month)
    state = ctx.state(month)
    block = month_block(ctx.unit.name, state, ctx.now, this_month=False)
    if moved_lines and state.complete:
        ctx.set_backfill(None)
        return [Reply("\n".join([*moved_lines, *block,
                                 f"{month.label}小结已补齐，之后的材料记入 {current.label}。"]))]
    ctx.set_backfill(month)
    hours = ctx.config.summary.backfill_hours
    extra = "该月已齐全，补充的材料会一并留存。" if state.complete else "补齐后按逾期报送计。"
    return [Reply("\n".join([
        *moved_lines,
        f"好的，接下来 {hours} 小时内发送的材料记入 {month.label}（补交）。{extra}",
        *block,
        "发送「补交 结束」可提前结束。"]))]


def _move_misfiled(ctx: Context, month: Month) -> list[str]:
    """Move the items the liaison sent since a receipt named `month` as owed (within
    the refile window), audited; the lines that say what moved."""
    window = timedelta(minutes=ctx.config.summary.refile_minutes)
    moved, kept = refile(ctx.session, ctx.liaison, month, ctx.now, window)
    for item, old in moved:
        ctx.audit(audit.ITEM_REFILED, item.id, {"month": str(old)},
                  {"month": str(month)})
    sources = sorted({old for _, old in moved})
    for touched in (*sources, month):
        ctx.forget(touched)
    if not moved:
        return []
    counted = [item for item, _ in moved if item.withdrawn_at is None]
    chars = sum(item.chars for item in counted)
    photos = sum(1 for item in counted if item.kind == "photo")
    lines = [f"已将刚才发送的 {len(moved)} 条材料（文字 {chars} 字，图片 {photos} 张）从"
             f"{'、'.join(m.label for m in sources)}移到{month.label}，各条仍按原发送时间计。"]
    if kept:
        lines.append(f"其中 {len(kept)} 张图片{month.label}已经收到过，不重复计数，未移动。")
    return lines


def refile(session: Session, liaison: LiaisonRef, month: Month, now: datetime,
           window: timedelta) -> tuple[list[tuple[SummaryItem, Month]], list[SummaryItem]]:
    """Move to `month` the liaison's items from the first message of the last `window`
    whose receipt named `month` as owed, and every item sent since (each keeps its send
    time). Returns (moved, kept): each moved item with the month it came from; a photo
    `month` already holds stays where it was (kept).

    The caller audits the moves and reloads the months they touched.
    """
    messages = session.execute(
        select(InboundMessage.id, InboundMessage.payload)
        .where(InboundMessage.channel == liaison.channel,
               InboundMessage.platform_user_id == liaison.platform_user_id,
               InboundMessage.received_at >= now - window)
        .order_by(InboundMessage.received_at, InboundMessage.id)).all()
    start = next((i for i, (_, payload) in enumerate(messages)
                  if str(month) in (payload or {}).get("owed", ())), None)
    if start is None:
        return [], []
    items = session.scalars(
        select(SummaryItem)
        .where(SummaryItem.inbound_id.in_([row_id for row_id, _ in messages[start:]]),
               SummaryItem.unit_id == liaison.unit.id, SummaryItem.month > str(month))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all()
    held = set(session.scalars(select(SummaryItem.file_id).where(
        SummaryItem.unit_id == liaison.unit.id, SummaryItem.month == str(month),
        SummaryItem.kind == "photo", SummaryItem.withdrawn_at.is_(None))))
    moved, kept = [], []
    for item in items:
        if item.kind == "photo" and item.withdrawn_at is None and item.file_id in held:
            kept.append(item)  # the same photo twice in a month counts once
            continue
        moved.append((item, Month.parse(item.month)))
        item.month = str(month)
    session.flush()
    return moved, kept
