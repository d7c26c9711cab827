"""`python -m bot files migrate [--dry-run]`: a store written the old way (a second copy of
every accepted file) made single copies, every file still reachable, not a byte lost."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.cli import main
from storage.db import UnitOfWork
from storage.models import AuditEntry, InboundMessage, RejectedFile, StoredFile
from tests.admin_support import make_users, sign_in
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.stores import (content_bytes, received_again_with_another_suffix, stored,
                          write_config, write_the_old_way)

ME = "console:dangxiao"


@pytest.fixture
def cfg(config, tmp_path):
    return write_config(config, tmp_path)


@pytest.fixture
def old_store(services, dialogue):
    """Photos, documents and a refused file, kept as the code before issue 17 kept them."""
    make_users(services)
    add_unit(services, "县委党校", liaisons=[ME])
    for seed in range(4):
        dialogue.photo(ME, jpeg_bytes(seed=seed), msg_id=f"photo-{seed}")
    dialogue.photo(ME, jpeg_bytes(seed=0), msg_id="photo-again")   # a duplicate photo
    dialogue.document(ME, SUMMARY.encode(), "三月小结.TXT", msg_id="doc")
    dialogue.photo(ME, REFUSED, msg_id="refused")
    write_the_old_way(services)


REFUSED = b"not a photo"


@pytest.fixture
def unit_page_of(services):
    client = create_app(services=services).test_client()
    sign_in(client)
    return lambda unit_id: client.get(f"/admin/units/{unit_id}").get_data(as_text=True)


def rows(services):
    with UnitOfWork(services.session_factory) as uow:
        files = {r.id: (r.path, r.sha256, r.thumb_path) for r in uow.session.scalars(
            select(StoredFile))}
        blobs = {r.id: r.blob_path for r in uow.session.scalars(select(InboundMessage))
                 if r.blob_path}
        refused = {r.id: r.path for r in uow.session.scalars(select(RejectedFile))}
    return files, blobs, refused


def files_migrate(cfg, capsys, *flags) -> tuple[int, str]:
    status = main(["--config", cfg, "files", "migrate", *flags])
    return status, capsys.readouterr().out


def sha(services, rel: str) -> str:
    return hashlib.sha256(services.files.read(rel)).hexdigest()


def test_the_migration_keeps_every_file_reachable_and_halves_the_store(services, old_store,
                                                                       cfg, capsys):
    before = content_bytes(services)
    contents = {sha(services, rel) for rel in stored(services) if not rel.startswith("thumbs/")}
    assert stored(services, "originals") and stored(services, "documents")
    status, out = files_migrate(cfg, capsys)
    assert status == 0
    assert "已合并 5 份内容：删除重复副本 5 个" in out and "5 条记录改指向保留的副本" in out
    # The accepted files took twice their size; the refused one was kept once already.
    assert (content_bytes(services) - len(REFUSED)) * 2 == before - len(REFUSED)
    assert stored(services, "originals") == stored(services, "documents") == []
    assert not (services.files.root / "originals").exists()
    files, blobs, refused = rows(services)
    for path, digest, thumb in files.values():
        assert path.startswith("incoming/") and sha(services, path) == digest
        assert services.files.path(thumb or path).is_file()
    for path in [*blobs.values(), *refused.values()]:
        assert services.files.path(path).is_file()
    assert {sha(services, rel) for rel in stored(services, "incoming")} == contents
    assert len(stored(services, "incoming")) == len(contents)   # one file per content
    assert set(blobs.values()) == set(stored(services, "incoming"))
    with UnitOfWork(services.session_factory) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "file_store")).one()
    assert entry.action == "migrate"
    assert entry.new["bytes_freed"] == before - content_bytes(services)


def test_a_refusal_of_before_is_listed_and_will_expire_after_the_migration(
        services, old_store, cfg, capsys, unit_page_of):
    _, blobs, refused = rows(services)
    assert refused == {}
    status, out = files_migrate(cfg, capsys)
    assert "已登记此前未记入的文件 1 个" in out
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(RejectedFile)).one()
        message = uow.session.get(InboundMessage, row.inbound_id)
    assert message.platform_msg_id == "refused" and row.path == message.blob_path
    assert (row.month, row.kind, row.size_bytes) == ("2026-03", "photo", len(REFUSED))
    assert row.reason.startswith("这不是图片文件")
    assert f"/admin/rejected/{row.id}" in unit_page_of(row.unit_id)
    status, out = files_migrate(cfg, capsys)
    assert "登记" not in out


def test_the_same_bytes_received_under_two_suffixes_become_one_file(services, old_store, cfg,
                                                                    capsys):
    second = received_again_with_another_suffix(services, "photo-again", ".jpeg")
    first = second.removesuffix(".jpeg") + ".jpg"
    assert services.files.path(first).exists()
    files_migrate(cfg, capsys)
    _, blobs, _ = rows(services)
    [kept] = [rel for rel in (first, second) if services.files.path(rel).exists()]
    assert [path for path in blobs.values() if path in (first, second)] == [kept, kept]


def test_every_file_still_opens_in_the_office_console_after_the_migration(services, old_store,
                                                                          cfg, capsys):
    files_migrate(cfg, capsys)
    client = create_app(services=services).test_client()
    sign_in(client)
    files, _, _ = rows(services)
    for file_id, (path, _, _) in files.items():
        with client.get(f"/admin/files/{file_id}") as response:
            assert response.status_code == 200
            assert response.data == services.files.read(path)


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(services, old_store, cfg, capsys):
    listing, before = stored(services), rows(services)
    status, out = files_migrate(cfg, capsys, "--dry-run")
    assert status == 0
    assert "将合并 5 份内容：删除重复副本 5 个" in out and "没有做任何改动" in out
    assert stored(services) == listing and rows(services) == before


def test_the_migration_run_twice_finds_nothing_the_second_time(services, old_store, cfg,
                                                               capsys):
    files_migrate(cfg, capsys)
    listing, after = stored(services), rows(services)
    status, out = files_migrate(cfg, capsys)
    assert status == 0 and "每份内容都只存了一份，无需处理" in out
    assert stored(services) == listing and rows(services) == after
    status, out = main(["--config", cfg, "files", "check"]), capsys.readouterr().out
    assert status == 0 and "文件库完好" in out


def test_an_original_whose_received_copy_is_gone_moves_into_incoming(services, old_store, cfg,
                                                                     capsys):
    files, blobs, _ = rows(services)
    first = min(files)
    path, digest, _ = files[first]
    received = next(b for b in blobs.values() if digest in b)
    services.files.path(received).unlink()
    files_migrate(cfg, capsys)
    files, blobs, _ = rows(services)
    assert files[first][0] == received and sha(services, received) == digest
    assert not services.files.path(path).exists()


def test_a_corrupted_copy_is_left_alone_and_reported(services, old_store, cfg, capsys):
    files, _, _ = rows(services)
    second = sorted(files)[1]
    path = files[second][0]
    services.files.path(path).write_bytes(b"changed")
    status, out = files_migrate(cfg, capsys)
    assert status == 1 and f"内容与名称不符、未处理的副本 1 个（files check 会列出）：\n  {path}" in out
    assert services.files.read(path) == b"changed"
    files, _, _ = rows(services)
    assert files[second][0].startswith("incoming/")   # pointed at the intact received copy


def test_init_says_when_the_store_wants_the_migration(services, old_store, cfg, capsys):
    assert main(["--config", cfg, "init"]) == 0
    assert "python -m bot files migrate --dry-run" in capsys.readouterr().out
    files_migrate(cfg, capsys)
    assert main(["--config", cfg, "init"]) == 0
    assert "files migrate" not in capsys.readouterr().out
