"""The office's web console at /admin: sign-in, the month board, units, inputs, scores,
charts, evidence packs, undelivered notices and the audit log. `init_app` wires it into
the Flask app."""
from __future__ import annotations

from datetime import timedelta

from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.admin import (audit_log, auth, board, calendar_page, deliveries,  # noqa: F401
                       entries, files, hand_totals, inputs, liaisons, owe_list, packs,
                       reviews_page, score_views, stats, unit_page)
from bot.admin.web import bp
from bot.office.keys import secret_key

SESSION_HOURS = 12


def init_app(app, services) -> None:
    """Register the console: secret key, cookie settings, CSRF, the blueprint, the guard."""
    config = services.config
    app.secret_key = secret_key(config)
    app.config.update(
        SESSION_COOKIE_NAME="admin_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.admin.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,   # only /admin's forms carry tokens; the guard checks them
        WTF_CSRF_TIME_LIMIT=None,       # a token lives as long as the signed-in session
    )
    if config.admin.proxy_hops:
        hops = config.admin.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    CSRFProtect(app)
    app.register_blueprint(bp)
    if config.console.enabled and not config.admin.demo:
        app.before_request(auth.console_guard)
