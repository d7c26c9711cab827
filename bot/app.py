"""The Flask app factory: nothing runs at import; one blueprint per feature."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from bot.admin import init_app as init_admin
from bot.admin.web import bp as admin_bp
from bot.admin.web import missing as admin_missing
from bot.bootstrap import Services, build_services
from bot.channels import console
from bot.channels.dingtalk import callback as dingtalk
from bot.channels.wecom import callback as wecom
from bot.config import load_config
from bot.config_sections import Config

MAX_ID = 2 ** 63 - 1   # the largest id any database column holds (a signed 64-bit integer)


class DatabaseId(IntegerConverter):
    """Every `<int:...>` URL part: an id beyond any database's reach is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: Config | None = None, services: Services | None = None) -> Flask:
    """Build the web app on the given config (or the one BOT_CONFIG names)."""
    if services is None:
        services = build_services(config or load_config())
    config = services.config
    app = Flask(__name__)
    app.url_map.converters["int"] = DatabaseId   # before any route is added
    app.config["MAX_CONTENT_LENGTH"] = config.server.max_upload_mb * 1024 * 1024
    app.json.ensure_ascii = False
    app.extensions["bot"] = services
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    @app.get("/healthz")
    def healthz():
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return jsonify(ok=True)

    @app.errorhandler(413)
    def too_large(_exc):
        mb = config.server.max_upload_mb
        return jsonify(error=f"文件太大，单个文件不能超过 {mb}MB，请压缩后重新发送。"), 413

    @app.errorhandler(404)
    def not_found(exc):
        if request.path.startswith(admin_bp.url_prefix + "/"):
            return admin_missing(exc)   # no route matched (an id out of range): the office's page
        return jsonify(error="没有这个页面。"), 404

    @app.errorhandler(405)
    def bad_method(_exc):
        return jsonify(error="不支持这种请求方法。"), 405

    if config.console.enabled:
        app.register_blueprint(console.blueprint)
    wecom.init_app(app, services)  # only when [wecom] sets token and encoding_aes_key
    dingtalk.init_app(app, services)  # only when [dingtalk] mode = "http" and the app is set
    init_admin(app, services)  # /admin: secret key, cookies, CSRF, and the console guard
    return app
