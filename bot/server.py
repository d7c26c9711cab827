"""Run the app under gunicorn, the production WSGI server."""
from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config_sections import Config
from storage.db import migrate


class _Gunicorn(BaseApplication):
    def __init__(self, config: Config, options: dict):
        self.bot_config = config
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.bot_config)
        # What start-up built lives as long as the worker: leave it out of every later
        # garbage collection, which then only walks what requests allocate.
        gc.collect()
        gc.freeze()
        return app


def serve(config: Config, host: str, port: int) -> None:
    """Serve until stopped: several worker processes, threads in each."""
    services = build_services(config)
    migrate(services.engine)
    services.close()
    _Gunicorn(config, {
        "bind": f"{host}:{port}", "workers": config.server.workers,
        "threads": config.server.threads, "worker_class": "gthread",
        "timeout": 30, "graceful_timeout": 10, "accesslog": "-",
        "limit_request_line": 8190,
        "max_requests": config.server.max_requests,
        "max_requests_jitter": config.server.max_requests_jitter,
    }).run()
