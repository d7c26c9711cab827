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

from bot import cli_admin as admin_commands
from bot import cli_calendar, cli_files, cli_notices, cli_office, cli_totals
from bot.bootstrap import build_services
from bot.channels.dingtalk.streaming import run_stream
from bot.cli_parser import ChineseParser
from bot.config import ConfigError, load_config
from bot.demo import init_demo
from bot.office.rubric_versions import rubric_problems
from bot.office.units import UnitFileError, apply_units, new_binding_code, parse_units, read_rows
from bot.rules import rubric_versions
from bot.server import serve
from bot.worker import Worker
from bot.worker.scheduler import Scheduler
from scoring import local
from storage import queries
from storage.db import UnitOfWork, make_engine, make_session_factory, migrate
from storage.store_migration import legacy_rows


def parser() -> argparse.ArgumentParser:
    """Every command, with its help in Chinese (flags and config keys stay English)."""
    top = ChineseParser(prog="python -m bot", description="月度小结机器人：办公室的命令")
    top.add_argument("--config", help="配置文件（默认：环境变量 BOT_CONFIG，否则用内置默认值）")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="创建数据库或升级到最新结构")
    p.add_argument("--units", type=Path, help="数据库里还没有单位时，导入这份单位名单")
    p = sub.add_parser("serve", help="运行网页服务（gunicorn）")
    p.add_argument("--host", help="监听地址（默认 [server] host）")
    p.add_argument("--port", type=int, help="端口（默认 [server] port）")
    sub.add_parser("worker", help="运行后台任务（下载图片、发送提醒和通知）")
    sub.add_parser("dingtalk-stream", help="以 Stream 模式接收钉钉机器人消息（不需要公网地址）")
    p = sub.add_parser("import-units", help="从 CSV 或 XLSX 导入单位（name,category,liaisons）")
    p.add_argument("file", type=Path, help="单位名单文件")
    p = sub.add_parser("bind-code", help="为单位生成一个新的绑定码")
    p.add_argument("unit", help="单位全称")
    cli_office.add_parsers(sub)
    cli_totals.add_parsers(sub)
    cli_notices.add_parsers(sub)
    cli_calendar.add_parsers(sub)
    cli_files.add_parsers(sub)
    admin_commands.add_parsers(sub)
    return top


def main(argv: list[str] | None = None, clock=None) -> int:
    """Run one command; exit status 2 on bad input or config. `clock`: a test's clock."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    office = {**cli_office.COMMANDS, **cli_totals.COMMANDS}
    timed = {**cli_notices.COMMANDS, **cli_calendar.COMMANDS,  # commands that take a clock
             **cli_files.COMMANDS}
    if args.command in office or args.command in timed or args.command == "admin":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2
    if args.command in office:
        return office[args.command](args, config, actor())
    if args.command in timed:
        return timed[args.command](args, config, actor(), clock)
    if args.command == "admin":
        return admin_commands.cmd_admin(args, config, actor())
    return COMMANDS[args.command](args, config)


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def versions_fit(config) -> bool:
    """Tell whether the rubric's versions keep every fact the office entered; if not, say
    which on standard error (start-up stops). One version: nothing to compare."""
    rubric = rubric_versions(config)
    if len(rubric.versions) < 2:
        return True
    engine = make_engine(config.database.url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            problems = rubric_problems(uow.session, rubric)
    finally:
        engine.dispose()
    for problem in problems:
        print(f"配置错误: {problem}", file=sys.stderr)
    return not problems


def cmd_init(args, config) -> int:
    with build_services(config) as services:
        fresh = migrate(services.engine)
        print("数据库已创建" if fresh else "数据库已是最新结构", config.database.url)
        if not versions_fit(config):
            return 2
        if args.units:
            with UnitOfWork(services.session_factory) as uow:
                empty = not queries.units(uow.session)
            if empty:
                status = import_units(args.units, services)
                if status:
                    return status
        init_demo(services, fresh)  # [admin] demo: history and account; off: account retired
        with UnitOfWork(services.session_factory) as uow:
            if legacy_rows(uow.session):
                print(cli_files.MIGRATE_HINT)
    return 0


def cmd_import_units(args, config) -> int:
    with build_services(config) as services:
        return import_units(args.file, services)


def import_units(path: Path, services) -> int:
    try:
        rows = parse_units(read_rows(path), rubric_versions(services.config).latest.categories)
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
    if not versions_fit(config):
        return 2
    serve(config, host=args.host or config.server.host, port=args.port or config.server.port)
    return 0


def cmd_worker(args, config) -> int:
    with build_services(config) as services:
        migrate(services.engine)
        if not versions_fit(config):
            return 2
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
    try:
        with build_services(config) as services:
            return run_stream(services)
    except ConfigError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2


COMMANDS = {"init": cmd_init, "serve": cmd_serve, "worker": cmd_worker,
            "import-units": cmd_import_units, "bind-code": cmd_bind_code,
            "dingtalk-stream": cmd_dingtalk_stream}
