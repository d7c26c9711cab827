"""申诉 11月 ……: a liaison appeals about a month (its judgement or its deduction); the
appeal is stored for the office (bot/office/appeals.py) and acknowledged."""
from __future__ import annotations

import re
import unicodedata

from bot.handlers.backfill import parse_month
from bot.handlers.context import Context
from bot.handlers.submit import has_words
from bot.handlers.texts import month_word, standing
from bot.messages import Incoming, Reply
from bot.office.appeals import file_appeal
from scoring import Month, MonthStatus, filing_month, month_judged, month_of

PATTERN = re.compile(r"^申诉\s*[:：]?\s*(?P<rest>.*)$", re.S)
MONTH = re.compile(r"^(?P<month>\d{4}\s*(?:-|/|\.|年)\s*\d{1,2}\s*(?:月份?)?|\d{6}|\d{1,2}\s*月份?)"
                   r"(?:的)?\s*[:：,，、]?\s*(?P<text>.*)$", re.S)
EMPTY = ("请在「申诉」后面写明月份和理由，例如：申诉 11月 当月25日全县停电，材料晚交一天。"
         "不写月份的，按最近一个被扣分的月份处理。")
DEDUCTED = (MonthStatus.LATE, MonthStatus.MISSING)


def split(text: str) -> tuple[str | None, str]:
    """The month as written (None: not given, else in half-width forms) and the appeal's
    own words, as the liaison wrote them (full-width punctuation kept)."""
    rest = PATTERN.match(text.strip().lstrip("/／").strip()).group("rest").strip()
    found = MONTH.match(unicodedata.normalize("NFKC", rest))
    if found is None:
        return None, rest
    # NFKC keeps the length of what a month is written with (digits, 年, 月, -, :)
    return re.sub(r"\s+", "", found.group("month")), rest[found.start("text"):].strip()


def latest_deducted(ctx: Context) -> Month | None:
    """The latest month of the 补交 window that costs the unit points (late or missing)."""
    month, first = ctx.open_month(), ctx.backfill_start()
    while month >= first:
        state = ctx.state(month)
        if state.status in DEDUCTED and month_judged(state.deadline, ctx.unit.registered_at):
            return month
        month = month.prev()
    return None


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Store the appeal and say what happens next."""
    written, text = split(msg.text)
    if not has_words(text):
        return [Reply(EMPTY)]
    if written is None:
        month = latest_deducted(ctx)
        if month is None:
            return [Reply("最近没有被扣分的月份。如果要对某个月申诉，请写明月份，例如："
                          f"申诉 {month_word(month_of(ctx.now), ctx.now)} {text[:20]}")]
    else:
        try:
            month = parse_month(re.sub(r"[/.年]", "-", written).rstrip("月份")
                                if re.match(r"\d{4}\D", written) else written, ctx)
        except ValueError:
            return [Reply(f"没有看懂月份「{written}」。请写作 11月 或 2026-11，例如：申诉 11月 理由。")]
        month = filing_month(month, ctx.unit.category, ctx.deadline_rules)
        if month > month_of(ctx.now):
            return [Reply(f"{month.label}还没到，不能申诉。请写明要申诉的月份，例如：申诉 11月 理由。")]
    lz = ctx.liaison
    appeal = file_appeal(ctx.session, ctx.unit.id, lz.id, month, text, at=ctx.now,
                         actor=f"liaison:{lz.channel}:{lz.platform_user_id}")
    return [Reply("\n".join([
        f"已收到您的申诉（编号 {appeal.id}）：「{ctx.unit.name}」{month.label}。",
        f"申诉内容：{appeal.text[:200]}",
        f"该月目前：{standing(ctx.state(month), ctx.now)}",
        "中心办公室处理后，会在这里告诉您结果。"]))]
