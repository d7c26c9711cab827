"""The undelivered page: who a notice or a receipt did not reach, and the platform's reason."""
from __future__ import annotations

import re

from flask import render_template, request

from bot.admin.web import bp, unit_of_work
from bot.messages import CHANNEL_WORDS
from bot.worker.undelivered import misses

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])|\d{4}Q[1-4]")


@bp.get("/undelivered")
def undelivered():
    """Every recipient not reached, newest first; optionally of one month or quarter."""
    period = (request.args.get("period") or "").strip()
    period = period if PERIOD.fullmatch(period) else ""
    with unit_of_work() as uow:
        found = misses(uow.session, period or None)
    return render_template("admin/undelivered.html", misses=found, period=period,
                           channel_words=CHANNEL_WORDS)
