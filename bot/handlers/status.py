"""状态: the open month's characters, photos, completeness, deadline and time left."""
from __future__ import annotations

from bot.handlers.context import Context
from bot.handlers.texts import clock_text, month_block
from bot.messages import Incoming, Reply
from scoring import Month


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer 状态 for the open month (and a pending 补交 month)."""
    month = ctx.open_month()
    lines = [f"截至 {clock_text(ctx.now)}：", *month_block(ctx.unit.name, ctx.state(month), ctx.now)]
    if ctx.liaison.backfill_month:
        back = Month.parse(ctx.liaison.backfill_month)
        lines += ["", f"正在补交 {back.label}：",
                  *month_block(ctx.unit.name, ctx.state(back), ctx.now)[1:]]
    return [Reply("\n".join(lines))]
