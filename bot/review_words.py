"""How a month's review reads in Chinese, wherever a liaison or the office reads it: the
receipt's and 状态's status line, the unit page, the evidence pack. The judgement is
scoring's (`MonthState.fix`, from scoring.judge_month); these are only its words."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.reviews import RETURNED, REVIEWED, latest
from bot.summaries import MonthState
from scoring import Fix, MonthStatus, local

# The office's pick list of reasons for a return (退回); "其他" needs the free text.
RETURN_REASONS = {
    "unrelated_photos": "照片与活动无关",
    "padded_text": "文字凑字数、内容空泛",
    "wrong_month": "材料不是本月的",
    "copied": "与以前或其他单位的材料重复",
    "unclear_photos": "照片模糊或无法辨认",
}


def last_day(fix: Fix) -> str:
    """The last day a fix keeps the completion time: 12月4日."""
    day = local(fix.fix_by - timedelta(microseconds=1)).date()
    return f"{day.month}月{day.day}日"


def reason_text(keys: list[str], note: str) -> str:
    """A return's reason as the liaison reads it: the picked reasons, then the note."""
    parts = [RETURN_REASONS[k] for k in keys if k in RETURN_REASONS]
    if note.strip():
        parts.append(note.strip())
    return "；".join(parts)


def fix_words(fix: Fix, now: datetime) -> str:
    """What the latest return means now: by when to fix it, or how its fix counted."""
    if fix.fixed:
        if fix.in_time:
            return "已补交，按原完成时间计"
        return f"已补交（超过{last_day(fix)}的补交期限），按补交时间计"
    if now < fix.fix_by:
        return f"请在{last_day(fix)}（含当日）前补交，补交后按原完成时间计"
    return f"补交期限（{last_day(fix)}）已过，补交后按补交时间计"


def with_review(state: MonthState, now: datetime, standing: str) -> str:
    """The month's status line (`standing`) with the office's latest word on it: a return
    not yet fixed replaces it (nothing else counts until the fix); a fixed one, and the
    已审核 mark, come before it."""
    fix, returned = state.fix, latest(state.reviews, RETURNED)
    reviewed = latest(state.reviews, REVIEWED)
    if fix is not None and returned is not None and not fix.fixed:
        text = f"已退回：{returned.reason}；{fix_words(fix, now)}"
        if state.status is MonthStatus.MISSING:
            text += "（该月已过截止时间，目前按未报送计）"
        return text
    if fix is not None:
        standing = f"{fix_words(fix, now)}；{standing}"
    if reviewed is not None and (returned is None or reviewed.at > returned.at):
        standing = f"中心办公室已审核；{standing}"
    return standing
