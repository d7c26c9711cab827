"""状态: earlier months still owed first, then the open month (and a pending 补交 month)."""
from __future__ import annotations

from bot.handlers.context import Context
from bot.handlers.texts import clock_text, month_block, month_word
from bot.messages import Incoming, Reply
from scoring import Month


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer 状态: owed earlier months, the open month, a pending 补交 month."""
    month = ctx.open_month()
    back = Month.parse(ctx.liaison.backfill_month) if ctx.liaison.backfill_month else None
    lines = [f"截至 {clock_text(ctx.now)}："]
    for owed in ctx.owed_before(month):
        head = (f"正在补交 {owed.label}（已逾期）：" if owed == back else
                f"{owed.label}尚未报齐（已逾期），发送「补交 {month_word(owed, ctx.now)}」补交：")
        lines += [head, *_block(ctx, owed)[1:], ""]
        if owed == back:
            back = None
    lines += month_block(ctx.unit.name, ctx.state(month), ctx.now)
    if back is not None:
        lines += ["", f"正在补交 {back.label}：", *_block(ctx, back)[1:]]
    return [Reply("\n".join(lines))]


def _block(ctx: Context, month: Month) -> list[str]:
    return month_block(ctx.unit.name, ctx.state(month), ctx.now, this_month=False)
