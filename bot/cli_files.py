"""`python -m bot files check [--repair]` and `files migrate [--dry-run]`: the file store
walked against the database, and a store written before issue 17 made single copies.

Reading every file is the slow part (a county's year of photos is some 15 GB): a
progress bar (rich) counts the bytes on a terminal, on stderr, and is gone when done.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import datetime, timezone

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                           TimeRemainingColumn, TransferSpeedColumn)

from bot.cli_office import migrated_services
from bot.rejected_files import earlier_refusals
from sqlalchemy import insert

from scoring import local
from storage import store_check, store_migration
from storage.db import UnitOfWork
from storage.models import RejectedFile

WHAT = {"original": "原件", "thumbnail": "缩略图", "received": "收到的文件",
        "rejected": "未记入的文件"}
TABLE = {"original": "files", "thumbnail": "files", "received": "inbound_messages",
         "rejected": "rejected_files"}
MIGRATE_HINT = ("文件库是旧的存放方式（已记入的照片和文档在 originals/、documents/ 另存了一份）："
                "请先运行 python -m bot files migrate --dry-run 查看，"
                "再运行 python -m bot files migrate 合并为单份")


def add_parsers(sub) -> None:
    """Register `files check` and `files migrate`."""
    p = sub.add_parser("files", help="文件库：核对、修复、合并旧的重复副本")
    fsub = p.add_subparsers(dest="files_command", required=True)
    c = fsub.add_parser("check", help="核对文件库与数据库：孤立文件、缺失的文件、内容与名称不符的文件")
    c.add_argument("--repair", action="store_true",
                   help="删除写入已超过一天的孤立文件，重新生成缺失的缩略图，并列出所做的事")
    m = fsub.add_parser("migrate", help="把旧方式存放的重复副本合并为单份（可重复运行）")
    m.add_argument("--dry-run", action="store_true", help="只列出将要做的事，不做任何改动")


def cmd_files(args, config, actor: str, clock=None) -> int:
    with migrated_services(config, clock) as services:
        print(f"文件库：{services.files.root}")
        if args.files_command == "check":
            return check(services, actor, repair=args.repair)
        return migrate(services, actor, dry_run=args.dry_run)


def check(services, actor: str, repair: bool) -> int:
    files = services.files
    found = store_check.on_disk(files)
    with UnitOfWork(services.session_factory) as uow, \
            progress_bar("校验", sum(found.values())) as advance:
        report = store_check.check(uow.session, files, advance, found)
    print(f"共 {report.files} 个文件，{megabytes(report.size)}。")
    print(f"孤立文件（数据库里没有记录）：{len(report.orphans)} 个")
    for rel in report.orphans:
        print(f"  {rel}（{megabytes(found[rel])}，写入于 {written(files, rel)}）")
    print(f"缺失的文件（数据库有记录，磁盘上没有）：{len(report.missing)} 个")
    for ref, rel in report.missing:
        print(f"  {row_label(ref)}：{rel}")
    print(f"内容与名称不符（SHA-256 校验不一致，可能已损坏）：{len(report.corrupt)} 个")
    for rel in report.corrupt:
        print(f"  {rel}")
    if not repair:
        if report.clean:
            print("文件库完好。")
            return 0
        print("发现问题。加 --repair 可删除写入已超过一天的孤立文件、重新生成缺失的缩略图。")
        return 1
    with UnitOfWork(services.session_factory) as uow:
        done = store_check.repair(uow.session, files, report, services.clock.now(), actor)
        uow.commit()
    print("修复：")
    print(f"  已删除孤立文件 {len(done.removed)} 个" + "".join(f"\n    {r}" for r in done.removed))
    if done.kept_young:
        print(f"  未删除写入不满一天的孤立文件 {len(done.kept_young)} 个（可能是正在保存的消息）"
              + "".join(f"\n    {r}" for r in done.kept_young))
    print(f"  已重新生成缩略图 {len(done.thumbnails)} 张"
          + "".join(f"\n    {r}" for r in done.thumbnails))
    left = [f"{row_label(ref)}：{rel}" for ref, rel in done.unrepairable] + report.corrupt
    if left:
        print(f"  无法自动修复 {len(left)} 处（缺失的原件和内容不符的文件请从备份恢复）："
              + "".join(f"\n    {line}" for line in left))
        return 1
    return 0 if not done.kept_young else 1


def migrate(services, actor: str, dry_run: bool) -> int:
    files = services.files
    with UnitOfWork(services.session_factory) as uow:
        found = store_migration.survey(uow.session, files)
        with progress_bar("校验", found.to_hash) as advance:
            todo = store_migration.plan(files, found, advance)
        linked = sum(1 for s in todo.steps if s.source is not None)
        will = "将" if dry_run else "已"
        if todo.steps:
            if not dry_run:
                store_migration.apply(uow.session, files, todo, services.clock.now(), actor)
            print(f"{will}合并 {len(todo.steps)} 份内容：删除重复副本 {todo.removed} 个，"
                  f"释放 {megabytes(todo.freed)}；{todo.rows} 条记录改指向保留的副本；"
                  f"{linked} 份从 originals/ 或 documents/ 移入 incoming/。")
        else:
            print("每份内容都只存了一份，无需处理。")
        if todo.corrupt:
            print(f"内容与名称不符、未处理的副本 {len(todo.corrupt)} 个（files check 会列出）："
                  + "".join(f"\n  {rel}" for rel in todo.corrupt))
        if todo.blocked:
            print(f"没有完好副本、未处理的内容 {len(todo.blocked)} 份："
                  + "".join(f"\n  {sha}" for sha in todo.blocked))
        refusals = earlier_refusals(uow.session, files)
        if refusals:
            if not dry_run:
                uow.session.execute(insert(RejectedFile), refusals)
                uow.commit()
            print(f"{will}登记此前未记入的文件 {len(refusals)} 个：在单位页面列出、可下载，"
                  "保留期满后由后台任务删除。")
        if dry_run:
            print("（--dry-run：没有做任何改动）")
    return 1 if todo.corrupt or todo.blocked else 0


@contextmanager
def progress_bar(label: str, total: int):
    """Yield `advance(n)` for a bar of `total` bytes, drawn only on a terminal."""
    with Progress(TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                  disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def row_label(ref: store_check.Reference) -> str:
    return f"{WHAT[ref.kind]}（{TABLE[ref.kind]} 表 id={ref.row_id}）"


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def written(files, rel: str) -> str:
    at = datetime.fromtimestamp(files.path(rel).stat().st_mtime, timezone.utc)
    return f"{local(at):%Y-%m-%d %H:%M}"


COMMANDS = {"files": cmd_files}
