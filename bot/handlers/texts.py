"""The Chinese wording liaisons read: receipts, status lines, time."""
from __future__ import annotations

from datetime import datetime

from bot.messages import MonthLines
from bot.review_words import with_review
from bot.summaries import MonthState
from scoring import Month, MonthStatus, local, month_of, time_left

# The line a receipt ends with while an earlier month is owed.
OWED_PREFIX = "提醒："


def clock_text(t: datetime) -> str:
    """An instant as local time to the second: 2026-03-20 14:03:12."""
    return local(t).strftime("%Y-%m-%d %H:%M:%S")


def deadline_text(t: datetime) -> str:
    """A deadline as local time to the minute."""
    return local(t).strftime("%Y-%m-%d %H:%M")


def totals_line(state: MonthState) -> str:
    """`文字 N 字，图片 N 张` (plus documents when there are some)."""
    line = f"文字 {state.chars} 字，图片 {state.photos} 张"
    if state.documents:
        line += f"（含文档 {state.documents} 份）"
    return line


def lacking(state: MonthState) -> str:
    """What the month still lacks, in words."""
    parts = []
    if state.missing_chars:
        parts.append(f"文字还差 {state.missing_chars} 字（至少 {state.min_chars} 字）")
    if state.missing_photos:
        parts.append(f"图片还差 {state.missing_photos} 张（至少 {state.min_photos} 张）")
    return "，".join(parts)


def standing(state: MonthState, now: datetime) -> str:
    """Whether the month counts as on time, late, or is still incomplete, and why, with
    the office's review of it (returned, fixed, reviewed: bot/review_words.py)."""
    plain = plain_standing(state, now)
    return with_review(state, now, plain) if state.reviews else plain


def plain_standing(state: MonthState, now: datetime) -> str:
    """Whether the month counts as on time, late, or is still incomplete, and why."""
    due = f"截止 {deadline_text(state.deadline)} 前"
    s = state.status
    if s is MonthStatus.NOT_DUE:
        return "本月不单独报送小结，材料记入所在报送期"
    if s is MonthStatus.EXEMPT:
        return f"本月已免报（{state.excuse_reason}），材料照常留存"
    if s is MonthStatus.ON_TIME:
        return f"已齐全，按时报送（完成于 {clock_text(state.completed_at)}，{due}）"
    if s is MonthStatus.LATE:
        return f"已齐全，逾期报送（完成于 {clock_text(state.completed_at)}，{due}）"
    if s is MonthStatus.WAIVED:
        return f"已由中心办公室豁免（{state.excuse_reason}）"
    if s is MonthStatus.MISSING:
        return f"未齐全，已逾期：{lacking(state)}；补齐后按逾期报送计（{due}）"
    return f"未齐全：{lacking(state)}（{due}，还剩 {time_left(now, state.deadline)}）"


def month_lines(unit_name: str, state: MonthState, now: datetime, *,
                this_month: bool = True) -> MonthLines:
    """The lines every receipt and status answer carries (`this_month` False: the
    month is another one than the open month, e.g. during a 补交)."""
    word = ("本期" if this_month else "该期") if state.period else (
        "本月" if this_month else "该月")
    return MonthLines(unit_name, str(state.month), (
        f"单位：{unit_name}　{'报送期' if state.period else '月份'}：{state.label}",
        f"{word}累计：{totals_line(state)}",
        f"状态：{standing(state, now)}"))


def month_block(unit_name: str, state: MonthState, now: datetime, *,
                this_month: bool = True) -> list[str]:
    """`month_lines` as a list of lines."""
    return list(month_lines(unit_name, state, now, this_month=this_month).lines)


def month_word(month: Month, now: datetime) -> str:
    """How a liaison names an earlier month after 补交: `11月`, or `2025-12` when
    `12月` would mean a later month of that name."""
    current = month_of(now)
    short = Month(current.year if month.month <= current.month else current.year - 1,
                  month.month)
    return f"{month.month}月" if short == month else str(month)


def owed_line(owed: list[Month], now: datetime) -> str:
    """The receipt's last line while earlier months are still owed, with the way out."""
    if len(owed) == 1:
        word = month_word(owed[0], now)
        return (f"{OWED_PREFIX}{owed[0].label}小结尚未报齐（已逾期）。如果刚才发的是"
                f"{word}的材料，请回复「补交 {word}」，这条会一并移到{word}。")
    labels = "、".join(m.label for m in owed[-3:])
    if len(owed) > 3:
        labels = f"{labels}等 {len(owed)} 个月"
    word = month_word(owed[-1], now)
    return (f"{OWED_PREFIX}{labels}小结尚未报齐（已逾期）。如果刚才发的是其中某月的材料，"
            f"请回复「补交 月份」（例如「补交 {word}」），这条会一并移到该月。")
