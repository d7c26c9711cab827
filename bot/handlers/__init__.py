"""The conversation's routing table: every command in one place, first match wins."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

from bot.handlers import (appeal, backfill, bind, help, score, smalltalk, status, submit,
                          withdraw)
from bot.handlers.context import Context
from bot.messages import Incoming, Reply

Handler = Callable[[Incoming, Context], list[Reply]]


def normalize(text: str) -> str:
    """Full-width to half-width, trimmed, a leading slash dropped: how commands compare."""
    text = nfkc(text or "").strip()
    return text[1:].strip() if text.startswith("/") else text


@lru_cache(maxsize=32)
def nfkc(text: str) -> str:
    """NFKC form; each route asks for the same message's text again, so it is kept."""
    return unicodedata.normalize("NFKC", text)


def command(pattern: str) -> Callable[[Incoming], bool]:
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda msg: msg.kind == "text" and bool(regex.match(normalize(msg.text)))


def kind(name: str) -> Callable[[Incoming], bool]:
    return lambda msg: msg.kind == name


def looks_like_command(msg: Incoming) -> bool:
    """A slash command we don't know, or a word too short to be summary text."""
    raw = nfkc(msg.text or "").strip()
    return msg.kind == "text" and submit.has_words(raw) and (
        raw.startswith("/") or len("".join(raw.split())) <= 4)


def wordless(msg: Incoming) -> bool:
    return msg.kind == "text" and not submit.has_words(msg.text or "")


@dataclass(frozen=True)
class Route:
    name: str
    applies: Callable[[Incoming], bool]
    handle: Handler
    needs_unit: bool = True


def _with_normalized_text(handler: Handler) -> Handler:
    def run(msg: Incoming, ctx: Context) -> list[Reply]:
        return handler(replace(msg, text=normalize(msg.text)), ctx)
    return run


ROUTES: list[Route] = [
    Route("bind", command(r"^绑定"), _with_normalized_text(bind.handle), needs_unit=False),
    Route("help", command(r"^(帮助|help|\?|菜单|命令)$"), help.handle, needs_unit=False),
    Route("status", command(r"^(状态|进度)$"), status.handle),
    Route("withdraw", command(r"^(撤回|撤销)$"), withdraw.handle),
    Route("backfill", command(r"^补交"), _with_normalized_text(backfill.handle)),
    Route("score", command(r"^查分"), _with_normalized_text(score.handle_quarter)),
    Route("year", command(r"^年度\s*(\d{4}\s*年?)?$"), _with_normalized_text(score.handle_year)),
    Route("appeal", command(r"^申诉"), appeal.handle),
    Route("pleasantry", smalltalk.is_pleasantry, smalltalk.handle),
    Route("unsupported", kind("unsupported"), help.unsupported, needs_unit=False),
    Route("wordless", wordless, help.no_text, needs_unit=False),
    Route("photo", kind("photo"), submit.handle_photo),
    Route("document", kind("document"), submit.handle_document),
    Route("unknown", looks_like_command, help.unknown),
    Route("text", kind("text"), submit.handle_text),
]


def dispatch(msg: Incoming, ctx: Context) -> tuple[str, list[Reply]]:
    """Run the first route that applies; unbound users only reach the open routes."""
    for route in ROUTES:
        if route.applies(msg):
            if route.needs_unit and ctx.unit is None:
                return "unbound", help.unbound(msg, ctx)
            return route.name, route.handle(msg, ctx)
    return "unbound" if ctx.unit is None else "unknown", (
        help.unbound(msg, ctx) if ctx.unit is None else help.unknown(msg, ctx))
