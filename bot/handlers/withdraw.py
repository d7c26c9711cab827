"""撤回: remove the last item this liaison added, only before that month's deadline."""
from __future__ import annotations

from bot import audit
from bot.handlers.context import Context
from bot.handlers.texts import deadline_text, month_block
from bot.messages import KIND_WORDS, Incoming, Reply
from scoring import Month, deadline
from storage import queries


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Withdraw the newest item; materials of a month past its deadline stay (evidence)."""
    item = queries.last_item_by(ctx.session, ctx.liaison.id)
    if item is None or item.unit_id != ctx.unit.id:
        return [Reply("没有可以撤回的内容。")]
    month = Month.parse(item.month)
    due = deadline(month, ctx.deadline_rules)
    if ctx.now >= due:
        return [Reply(f"{month.label}的截止时间（{deadline_text(due)}）已过，已报送的材料"
                      "作为考核依据，不能撤回。如确有错误，请联系中心办公室。")]
    item.withdrawn_at = ctx.now
    ctx.audit(audit.ITEM_WITHDRAWN, item.id, {"withdrawn_at": None},
              {"withdrawn_at": ctx.now.isoformat()})
    ctx.session.flush()
    ctx.forget(month)
    what = KIND_WORDS.get(item.kind, "内容")
    if item.kind != "photo":
        what += f" {item.chars} 字"
    return [Reply("\n".join([f"已撤回最近一条：{what}",
                             *month_block(ctx.unit.name, ctx.state(month), ctx.now,
                                          this_month=month == ctx.open_month())]))]
