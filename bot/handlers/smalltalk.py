"""Pleasantries (好的, 收到, 谢谢, 👍, 辛苦了 …): a one-line friendly answer, not the help."""
from __future__ import annotations

import re
import unicodedata

from bot.handlers.context import Context
from bot.messages import Incoming, Reply

# Each kind of pleasantry and its answer; a text mixing kinds gets the first kind's.
KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("谢谢你", "谢谢您", "谢谢", "谢啦", "谢了", "多谢", "非常感谢", "感谢", "thankyou",
      "thanks", "thank", "thx", "🙏"),
     "不客气！有需要随时发消息给我。"),
    (("您辛苦了", "你辛苦了", "辛苦了", "辛苦啦", "辛苦"),
     "您也辛苦了！材料直接发给我就行。"),
    (("您好", "你好", "早上好", "上午好", "中午好", "下午好", "晚上好", "在吗", "在不在",
      "hello", "hi"),
     "您好！直接发送本月小结的文字和图片即可，发送「帮助」查看命令。"),
    (("好的", "好滴", "好嘞", "好哒", "好", "收到了", "已收到", "收到", "知道了", "明白了",
      "明白", "了解", "嗯", "行", "可以", "没问题", "okay", "ok", "👍", "👌", "🤝", "👏",
      "💪", "🙂", "😊", "😄", "🌹"),
     "好的！有需要随时发消息给我，发送「帮助」查看命令。"),
)
_WORDS = sorted((w for words, _ in KINDS for w in words), key=len, reverse=True)
_ONLY_PLEASANTRIES = re.compile("(?:" + "|".join(map(re.escape, _WORDS)) + ")+")
# Variation selectors, skin tones and the zero-width joiner change no emoji's meaning.
_MODIFIERS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
_MAX_CHARS = 12


def _bare(text: str) -> str:
    text = _MODIFIERS.sub("", unicodedata.normalize("NFKC", text or "")).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZC"
                   and not ch.isspace() and ch not in "~～^")


def is_pleasantry(msg: Incoming) -> bool:
    """A short text made only of pleasantries, whatever the punctuation around them."""
    if msg.kind != "text":
        return False
    bare = _bare(msg.text)
    return 0 < len(bare) <= _MAX_CHARS and bool(_ONLY_PLEASANTRIES.fullmatch(bare))


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer a pleasantry in one friendly line; nothing is recorded."""
    bare = _bare(msg.text)
    for words, answer in KINDS:
        if any(w in bare for w in words):
            return [Reply(answer)]
    return [Reply(KINDS[-1][1])]
