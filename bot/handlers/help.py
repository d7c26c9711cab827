"""帮助: the commands, and the answers for the unbound and the unknown."""
from __future__ import annotations

import difflib
import re

from bot.handlers.context import Context
from bot.messages import Incoming, Reply
from bot.rules import Rules


def command_list(rules: Rules) -> str:
    """Every command in one short list, with this deployment's numbers."""
    s = rules.completion
    day = rules.deadline.day
    return "\n".join([
        "可用命令：",
        "· 直接发文字、图片：记入本月活动小结",
        "· 发 .docx / .pdf / .txt 文档：作为小结文字",
        "· 状态：本月报送情况和截止时间（含尚未报齐的以前月份）",
        "· 查分、查分 2026Q1：季度考核得分；年度：全年得分",
        "· 撤回：撤回最近一条（截止前可用）",
        "· 补交 2026-03：接下来的材料记入该月（刚才误记入本月的一并移过去）",
        "· 申诉 11月 理由：对某月的判定或扣分提出申诉（不写月份：最近被扣分的月份）",
        "· 绑定 绑定码：绑定单位（绑定码向中心办公室索取）",
        "· 帮助：显示本说明",
        f"每月 {day} 日前报送当月小结，至少 {s.min_chars} 字文字和 {s.min_photos} 张图片。",
    ])


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer 帮助."""
    head = f"您好，您已绑定「{ctx.unit.name}」。" if ctx.unit else "您好，您还没有绑定单位。"
    return [Reply(head + "\n" + command_list(ctx.rules))]


def unbound(msg: Incoming, ctx: Context) -> list[Reply]:
    """Tell an unbound user how to bind; what they sent is kept but not counted."""
    return [Reply("您还没有绑定单位，发送的内容暂不计入小结。\n"
                  "请向县新时代文明实践中心办公室索取绑定码，然后发送「绑定 绑定码」，"
                  "例如：绑定 K7P2QX9M。\n发送「帮助」查看全部命令。")]


# The command words a liaison types, for "did you mean" (the routes in handlers/__init__).
# The usual word first: it wins a tie (撤会 → 撤回, not 撤销).
COMMANDS = ("状态", "撤回", "补交", "查分", "年度", "帮助", "绑定", "申诉", "进度", "撤销",
            "菜单", "命令")
CLOSE_ENOUGH = 0.5  # difflib's ratio: one character of two in common


def nearest_command(text: str) -> str | None:
    """The command a short text was most likely meant to be (查份 2026Q1 → 查分 2026Q1)."""
    m = re.match(r"\s*/?\s*([^\d\s]+)\s*(.*)", text)
    if not m:
        return None
    word, rest = m.group(1).lower(), m.group(2).strip()
    def closeness(command: str) -> float:
        return difflib.SequenceMatcher(None, word, command).ratio()
    best = max(COMMANDS, key=closeness)  # the first of equals
    return f"{best} {rest}".strip() if closeness(best) >= CLOSE_ENOUGH else None


def unknown(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer text that looks like a command we don't know, in one line."""
    shown = msg.text.strip()[:20]
    near = nearest_command(msg.text)
    guess = f"您是想发「{near}」吗？" if near else "小结内容请发送完整的一段话。"
    return [Reply(f"没有看懂「{shown}」，未记入小结。{guess}发送「帮助」查看全部命令。")]


def no_text(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer an empty, emoji-only or punctuation-only text."""
    return [Reply("没有识别到文字内容，未记入小结。请发送小结的文字、图片或文档；"
                  "发送「帮助」查看命令。")]


def unsupported(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer a kind of message we can't take (voice, video, location, ...)."""
    what = {"voice": "语音", "video": "视频", "location": "位置", "link": "链接"}.get(
        msg.payload.get("type", ""), "这类消息")
    return [Reply(f"暂不支持{what}，未记入小结。请发送文字、图片（JPG/PNG）"
                  "或文档（.docx、.pdf、.txt）。")]
