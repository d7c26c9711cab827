"""What both platforms' callback URLs share: a refusal is a 4xx in plain Chinese, and a
body is read only up to 64 KB (a robot message or an encrypted XML is a few KB)."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request

from bot.channels import CallbackRefused

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


def refuse_in_chinese(blueprint: Blueprint, platform: str) -> None:
    """Answer a CallbackRefused, and a body over the limit, as plain Chinese text."""

    @blueprint.errorhandler(CallbackRefused)
    def refused(exc: CallbackRefused):
        log.warning("refused a %s callback from %s: %s (%s)", platform, request.remote_addr,
                    type(exc).__name__, exc)
        return Response(f"{exc.words}（{type(exc).__name__}）\n", status=exc.status,
                        mimetype="text/plain")

    @blueprint.errorhandler(413)
    def too_large(_exc):
        return Response(f"请求体超过 {MAX_BODY // 1024} KB 的上限，未处理。\n", status=413,
                        mimetype="text/plain")


def read_body(empty: type[CallbackRefused]) -> bytes:
    """The request body, at most MAX_BODY bytes (else a 413); an empty one raises `empty`."""
    length = request.content_length
    if length is not None and length > MAX_BODY:
        abort(413)
    data = request.stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        abort(413)
    if not data:
        raise empty("empty body")
    return data
