"""python -m bot: init, serve, worker, dingtalk-stream, import-units, bind-code, and the
office's commands."""
from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from datetime import timedelta
from pathlib import Path

from bot import cli_office, cli_totals
from bot.admin import commands as admin_commands
from bot.config import ConfigError, load_config
from bot.services import build_services
from scoring import local
from storage import queries
from storage.db import UnitOfWork, migrate


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 2 on bad input or config."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="月度小结机器人")
    parser.add_argument("--config", help="config file (default: env BOT_CONFIG, else built-in defaults)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create or migrate the database")
    p.add_argument("--units", type=Path, help="import this unit list if the database has no units")
    p = sub.add_parser("serve", help="run the web server (gunicorn)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    sub.add_parser("worker", help="run the worker (durable work items)")
    sub.add_parser("dingtalk-stream",
                   help="receive DingTalk robot messages in Stream mode (no public URL needed)")
    p = sub.add_parser("import-units", help="import units from CSV or XLSX (name,category,liaisons)")
    p.add_argument("file", type=Path)
    p = sub.add_parser("bind-code", help="print a fresh binding code for a unit")
    p.add_argument("unit", help="the unit's exact name")
    cli_office.add_parsers(sub)
    cli_totals.add_parsers(sub)
    admin_commands.add_parsers(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    office = {**cli_office.COMMANDS, **cli_totals.COMMANDS}
    if args.command in office or args.command == "admin":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2
    if args.command in office:
        return office[args.command](args, config, actor())
    if args.command == "admin":
        return admin_commands.cmd_admin(args, config, actor())
    return COMMANDS[args.command](args, config)


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def cmd_init(args, config) -> int:
    with build_services(config) as services:
        fresh = migrate(services.engine)
        print("数据库已创建" if fresh else "数据库已是最新结构", config.database.url)
        if args.units:
            with UnitOfWork(services.session_factory) as uow:
                empty = not queries.units(uow.session)
            if empty:
                status = import_units(args.units, services)
                if status:
                    return status
        from bot.demo import init_demo
        init_demo(services, fresh)  # [admin] demo: history and account; off: account retired
    return 0


def cmd_import_units(args, config) -> int:
    with build_services(config) as services:
        return import_units(args.file, services)


def import_units(path: Path, services) -> int:
    from bot.units import UnitFileError, apply_units, parse_units, read_rows
    try:
        rows = parse_units(read_rows(path))
    except (UnitFileError, OSError) as exc:
        print(f"导入失败，没有导入任何内容：\n{exc}", file=sys.stderr)
        return 2
    with UnitOfWork(services.session_factory) as uow:
        counts = apply_units(uow.session, rows, services.clock.now(), actor())
        uow.commit()
    print(f"导入完成：新增单位 {counts['created']} 个，更新 {counts['updated']} 个，"
          f"绑定联络员 {counts['liaisons']} 人（共 {len(rows)} 行）")
    return 0


def cmd_bind_code(args, config) -> int:
    from bot.units import new_binding_code
    with build_services(config) as services, UnitOfWork(services.session_factory) as uow:
        unit = queries.unit_by_name(uow.session, args.unit)
        if unit is None:
            print(f"没有名为「{args.unit}」的单位", file=sys.stderr)
            return 2
        code = new_binding_code(uow.session, unit, services.clock.now(),
                                timedelta(hours=config.binding.code_ttl_hours), actor())
        uow.commit()
    until = local(code.expires_at).strftime("%Y-%m-%d %H:%M")
    print(code.code)
    print(f"「{unit.name}」的绑定码，单次有效，{until} 前使用：发送「绑定 {code.code}」",
          file=sys.stderr)
    return 0


def cmd_serve(args, config) -> int:
    from bot.server import serve
    serve(config, host=args.host or config.server.host, port=args.port or config.server.port)
    return 0


def cmd_worker(args, config) -> int:
    from bot.worker import Worker
    with build_services(config) as services:
        migrate(services.engine)
        from bot.scheduler import Scheduler
        worker = Worker(services)
        scheduler = Scheduler(services)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: worker.stopping.set())
        scheduler.start()
        try:
            worker.run_forever()
        finally:
            scheduler.stop()
    return 0


def cmd_dingtalk_stream(args, config) -> int:
    from bot.channels.dingtalk_streaming import run_stream
    try:
        return run_stream(config)
    except ConfigError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2


COMMANDS = {"init": cmd_init, "serve": cmd_serve, "worker": cmd_worker,
            "import-units": cmd_import_units, "bind-code": cmd_bind_code,
            "dingtalk-stream": cmd_dingtalk_stream}
