"""`python -m bot files check [--repair]`: the store walked against the database."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from storage.db import UnitOfWork
from storage.models import AuditEntry, StoredFile
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.stores import age, stored, write_config

ME = "console:dangxiao"


@pytest.fixture
def cfg(config, tmp_path):
    return write_config(config, tmp_path)


@pytest.fixture
def store(services, dialogue):
    """Three photos and a document through the conversation; their rows by kind."""
    add_unit(services, "县委党校", liaisons=[ME])
    for seed in (1, 2, 3):
        dialogue.photo(ME, jpeg_bytes(seed=seed))
    dialogue.document(ME, SUMMARY.encode(), "小结.txt")
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(StoredFile).order_by(StoredFile.id)).all()


def files_check(cfg, capsys, *flags) -> tuple[int, str]:
    status = main(["--config", cfg, "files", "check", *flags])
    return status, capsys.readouterr().out


def test_a_well_kept_store_is_found_whole(cfg, store, capsys):
    status, out = files_check(cfg, capsys)
    assert status == 0
    assert "共 7 个文件" in out and "文件库完好" in out


def test_an_orphan_a_deleted_original_and_a_corrupted_file_are_found(services, cfg, store,
                                                                     capsys):
    first, second, third, _ = store
    orphan = services.files.put_blob(b"nobody knows me", ".jpg")
    services.files.path(second.path).unlink()
    services.files.path(third.path).write_bytes(jpeg_bytes(seed=9))
    status, out = files_check(cfg, capsys)
    assert status == 1
    assert f"孤立文件（数据库里没有记录）：1 个\n  {orphan}" in out
    assert f"原件（files 表 id={second.id}）：{second.path}" in out
    assert "收到的文件（inbound_messages 表 id=" in out   # the same file, named twice
    assert f"内容与名称不符（SHA-256 校验不一致，可能已损坏）：1 个\n  {third.path}" in out
    assert first.path not in out


def test_repair_removes_old_orphans_and_makes_missing_thumbnails_again(services, cfg, store,
                                                                      capsys):
    first, second, third, _ = store
    old, young = (services.files.put_blob(data, ".jpg") for data in (b"old", b"young"))
    age(services, old, 2)
    thumb = services.files.path(first.thumb_path)
    thumb_bytes = thumb.read_bytes()
    thumb.unlink()
    services.files.path(second.path).unlink()
    services.files.path(third.path).write_bytes(b"changed")
    status, out = files_check(cfg, capsys, "--repair")
    assert status == 1   # the lost original and the changed file need the backup
    assert f"已删除孤立文件 1 个\n    {old}" in out
    assert f"未删除写入不满一天的孤立文件 1 个（可能是正在保存的消息）\n    {young}" in out
    assert f"已重新生成缩略图 1 张\n    {first.thumb_path}" in out
    assert "无法自动修复 3 处" in out and second.path in out and third.path in out
    assert thumb.read_bytes() == thumb_bytes
    assert old not in stored(services) and young in stored(services)
    with UnitOfWork(services.session_factory) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "file_store")).one()
    assert entry.action == "repair" and entry.actor.startswith("cli:")
    assert entry.new == {"orphans_removed": [old], "thumbnails_made": [first.thumb_path]}
    status, out = files_check(cfg, capsys)
    assert "孤立文件（数据库里没有记录）：1 个" in out and "缺失的文件（数据库有记录，磁盘上没有）：2 个" in out


def test_a_file_outside_the_stores_folders_is_left_alone(services, cfg, store, capsys):
    secret = services.files.root / "admin_secret_key"
    secret.write_text("kept by the admin console")
    age(services, "admin_secret_key", 2)
    status, out = files_check(cfg, capsys, "--repair")
    assert status == 0 and "admin_secret_key" not in out and secret.exists()


def test_the_commands_help_is_chinese(cfg, capsys):
    with pytest.raises(SystemExit):
        main(["--config", cfg, "files", "check", "--help"])
    out = capsys.readouterr().out
    assert "孤立文件" in out and "--repair" in out and "缩略图" in out
