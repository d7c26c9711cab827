"""Channel adapters: each translates its platform to Incoming and replies back.

What every platform's checks raise lives here, free of Flask, so that the crypto and the
signature code import no web framework: a refused callback (`callbacks.py` answers it).
"""


class CallbackRefused(Exception):
    """A callback we do not take; `status` is the HTTP answer, `words` what it says."""

    status = 400
    words = "请求被拒绝，未处理。"
