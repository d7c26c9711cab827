"""Every unit's evidence pack is built by the worker: the office asks, the page shows it
queued, the worker writes it (photos and office files stored, texts deflated, every entry
in Shanghai time, flags and liaison names in each 回执清单), the office downloads it,
and once its keeping has passed the worker removes it. Every step is audited."""
from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import audit
from bot.app import create_app
from bot.office.evidence import write_unit_pack
from bot.office.pack_builds import BUILD, EXPIRE
from bot.worker import Worker
from bot.worker.scheduler import queue_daily
from scoring import Quarter, local
from storage.db import UnitOfWork
from storage.models import AuditEntry, EvidencePack, SummaryItem, WorkItem
from tests.admin_support import make_users, post, sign_in, small_history
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai
from tests.documents import word

PAGE = "/admin/evidence?quarter=2026Q1"


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def ask(client) -> None:
    resp = post(client, "/admin/evidence/packs", {"quarter": "2026Q1"}, page=PAGE)
    assert resp.status_code == 302 and "quarter=2026Q1" in resp.headers["Location"]


def packs(services) -> list[EvidencePack]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(select(EvidencePack).order_by(EvidencePack.id)))


def run_worker(services) -> None:
    worker = Worker(services)
    while worker.run_once():
        pass


def built(services, client) -> zipfile.ZipFile:
    ask(client)
    run_worker(services)
    [pack] = packs(services)
    with client.get(f"/admin/evidence/packs/{pack.id}.zip") as resp:
        assert resp.status_code == 200
        assert "attachment" in resp.headers["Content-Disposition"]
        return zipfile.ZipFile(BytesIO(resp.data))


def actions(services) -> list[tuple[str, str, str]]:
    with UnitOfWork(services.session_factory) as uow:
        return [(e.actor, e.action, e.entity) for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity.in_(("evidence_pack", "unit_pack")))
            .order_by(AuditEntry.id))]


def test_a_requested_pack_is_queued_for_the_worker_not_built_in_the_request(services, client):
    ask(client)
    [pack] = packs(services)
    assert (pack.status, pack.quarter, pack.requested_by) == ("queued", "2026Q1", "admin:chief")
    with UnitOfWork(services.session_factory) as uow:
        [item] = uow.session.scalars(select(WorkItem).where(WorkItem.kind == BUILD)).all()
    assert item.payload == {"pack_id": pack.id} and item.state == "queued"
    html = client.get(PAGE).get_data(as_text=True)
    assert "排队中" in html and 'data-pending="1"' in html and "下载</a>" not in html
    assert not (services.files.root / "packs").exists()
    ask(client)   # a second click while it waits queues nothing more
    assert len(packs(services)) == 1
    assert actions(services) == [("admin:chief", "request", "evidence_pack")]


def test_the_worker_builds_the_pack_with_every_unit_and_the_office_downloads_it(services,
                                                                               client):
    with built(services, client) as pack:
        names = pack.namelist()
        assert "2026Q1报送汇总.xlsx" in names
        assert {n.split("/")[0] for n in names if "/" in n} == {"县委党校", "团县委", "县人社局"}
        book = load_workbook(BytesIO(pack.read("2026Q1报送汇总.xlsx")))
        rows = {r[0]: r[1:] for r in book.active.iter_rows(min_row=2, values_only=True)}
        assert rows["团县委"][0] == "未报" and rows["县委党校"][2] == "逾期"
    [row] = packs(services)
    assert (row.status, row.units_done, row.units_total) == ("ready", 3, 3)
    assert row.finished_at == services.clock.now() and row.error is None
    stored = services.files.path(row.path)
    assert row.path.startswith("packs/") and stored.stat().st_size == row.size_bytes
    assert not list(stored.parent.glob("*.partial"))
    html = client.get(PAGE).get_data(as_text=True)
    assert "已完成" in html and f"/admin/evidence/packs/{row.id}.zip" in html
    assert "保留至 2026-03-27 10:00:00" in html and "data-pending" not in html
    assert actions(services) == [("admin:chief", "request", "evidence_pack"),
                                 ("admin:chief", "download", "evidence_pack")]


def test_photos_and_office_files_are_stored_and_texts_and_sheets_of_text_deflated(
        services, client, dialogue, clock, units):
    clock.set(shanghai(2026, 3, 20, 9, 30, 0))
    dialogue.document("console:dangxiao", word(["本月小结", SUMMARY]), "小结.docx")
    dialogue.document("console:dangxiao", ("纯文本小结 " * 400).encode(), "小结.txt")
    clock.set(shanghai(2026, 3, 20, 10, 0, 0))
    with built(services, client) as pack:
        kinds = {i.filename.rsplit(".", 1)[1]: i.compress_type for i in pack.infolist()
                 if "/照片/" in i.filename or "/文档/" in i.filename or i.filename.endswith(
                     (".txt", ".xlsx"))}
        assert kinds == {"jpg": zipfile.ZIP_STORED, "docx": zipfile.ZIP_STORED,
                         "xlsx": zipfile.ZIP_STORED, "txt": zipfile.ZIP_DEFLATED}
        texts = [i for i in pack.infolist() if i.filename.endswith("小结.txt")]
        assert texts and all(i.compress_size < i.file_size / 4 for i in texts)
        assert pack.testzip() is None


def test_every_entry_is_stamped_in_shanghai_time(services, client, units):
    with UnitOfWork(services.session_factory) as uow:
        received = {(i.month, i.kind): i.received_at for i in uow.session.scalars(
            select(SummaryItem).where(SummaryItem.unit_id == units["党校"]))}
    with built(services, client) as pack:
        stamps = {i.filename: i.date_time for i in pack.infolist()}
    photo = received[("2026-01", "photo")]
    assert stamps["县委党校/2026-01/照片/01_20260110-090000.jpg"] == (2026, 1, 10, 9, 0, 0)
    assert local(photo).timetuple()[:6] == (2026, 1, 10, 9, 0, 0) and photo.hour == 1  # UTC 01:00
    assert stamps["县委党校/2026-02/小结文字.txt"] == (2026, 2, 26, 9, 0, 0)
    assert stamps["县委党校/回执清单.xlsx"] == stamps["2026Q1报送汇总.xlsx"] == (2026, 3, 20, 10, 0, 0)


def test_each_receipt_list_carries_the_photos_flags_and_names_its_liaisons(services, client,
                                                                           dialogue, units):
    page = f"/admin/units/{units['党校']}"
    post(client, f"{page}/liaisons", {"channel": "wecom", "user_id": "ZhangSan",
                                      "display_name": "张三"}, page=page)
    dialogue.say("wecom:ZhangSan", SUMMARY)
    with built(services, client) as pack:
        dangxiao = load_workbook(BytesIO(pack.read("县委党校/回执清单.xlsx")))
        tuanwei = load_workbook(BytesIO(pack.read("团县委/回执清单.xlsx")))
        march = pack.read("县委党校/2026-03/小结文字.txt").decode("utf-8-sig")
    header, *items = list(dangxiao["回执清单"].iter_rows(values_only=True))
    assert header[6] == "联络员" and header[9] == "标记"
    assert {i[6] for i in items} == {"dangxiao（网页控制台）", "张三（企业微信）"}
    flagged = {i[0]: i[9] for i in items if i[1] == "图片"}
    assert flagged["2026年2月"] == "拍摄时间 2025年12月，不在 2026年2月"
    assert flagged["2026年1月"].startswith("与「团县委」2026年2月的照片（")
    months = {m[0]: m[8] for m in dangxiao["月度情况"].iter_rows(min_row=2, values_only=True)}
    assert months == {"2026年1月": 1, "2026年2月": 1, "2026年3月": 0}
    [(_, photo_flag)] = [(i[0], i[9]) for i in tuanwei["回执清单"].iter_rows(min_row=2,
                                                                        values_only=True)
                         if i[1] == "图片"]
    assert photo_flag.startswith("与「县委党校」2026年1月的照片（") and photo_flag.endswith("相似")
    assert "发送，张三（企业微信）】" in march


def test_a_pack_in_progress_shows_how_many_units_are_written(services, client):
    ask(client)
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(EvidencePack)).one()
        row.status, row.units_done, row.units_total = "building", 2, 3
        uow.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert "生成中 2/3 个单位" in html and 'data-pending="1"' in html


def test_a_pack_that_cannot_be_written_fails_with_its_reason_and_is_not_retried(services,
                                                                              client):
    (services.files.root / "packs").write_text("not a folder")
    ask(client)
    run_worker(services)
    [row] = packs(services)
    assert row.status == "failed" and row.error.startswith("生成时出错（FileExistsError")
    with UnitOfWork(services.session_factory) as uow:
        item = uow.session.scalars(select(WorkItem).where(WorkItem.kind == BUILD)).one()
    assert item.state == "failed" and item.last_error == row.error   # given up at once
    html = client.get(PAGE).get_data(as_text=True)
    assert "失败：生成时出错（FileExistsError" in html
    assert client.get(f"/admin/evidence/packs/{row.id}.zip").status_code == 404
    ask(client)   # the office may ask again
    assert len(packs(services)) == 2


def test_a_pack_past_its_keeping_is_removed_by_the_worker_and_audited(services, client,
                                                                      clock):
    built(services, client).close()
    [row] = packs(services)
    stored = services.files.path(row.path)
    clock.set(shanghai(2026, 3, 27, 9, 0, 0))       # within its 7 days: kept
    assert queue_daily(services, EXPIRE, clock.now())
    run_worker(services)
    assert stored.exists() and packs(services)[0].status == "ready"
    clock.set(shanghai(2026, 3, 28, 3, 30, 0))
    assert queue_daily(services, EXPIRE, clock.now())
    run_worker(services)
    [row] = packs(services)
    assert not stored.exists() and row.status == "removed"
    assert row.removed_at == clock.now() and row.path   # the row stays, saying what it was
    assert client.get(f"/admin/evidence/packs/{row.id}.zip").status_code == 404
    assert "已过期删除" in client.get(PAGE).get_data(as_text=True)
    assert actions(services)[-1] == ("worker", "expire", "evidence_pack")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "后台任务删除2026年第一季度全部单位台账（证据包 #" in html


def test_a_ready_pack_past_its_keeping_is_not_offered_before_the_worker_removes_it(
        services, client, clock):
    built(services, client).close()
    [row] = packs(services)
    clock.set(clock.now() + timedelta(days=7))
    assert client.get(f"/admin/evidence/packs/{row.id}.zip").status_code == 404
    html = client.get(PAGE).get_data(as_text=True)
    assert "已过期" in html and f"/admin/evidence/packs/{row.id}.zip" not in html


def test_a_viewer_sees_the_packs_but_cannot_ask_for_one(services, units):
    from tests.admin_support import VIEWER
    client = create_app(services=services).test_client()
    sign_in(client, VIEWER)
    assert "生成证据包" not in client.get(PAGE).get_data(as_text=True)
    assert post(client, "/admin/evidence/packs", {"quarter": "2026Q1"}, page=PAGE).status_code == 403
    assert packs(services) == []


def test_a_units_own_pack_download_is_audited(services, client, units):
    with client.get(f"/admin/evidence/{units['团委']}.zip?quarter=2026Q1") as resp:
        assert resp.status_code == 200
    with UnitOfWork(services.session_factory) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == audit.UNIT_PACK_DOWNLOADED.action)).one()
    assert (entry.entity_id, entry.unit_id) == (f"{units['团委']}:2026Q1", units["团委"])


def test_the_quarters_flagged_photos_are_listed_with_their_thumbnails(client, units):
    html = client.get(PAGE).get_data(as_text=True)
    assert "/admin/photo-flags?quarter=2026Q1" in html
    flags = client.get("/admin/photo-flags?quarter=2026Q1").get_data(as_text=True)
    rows = flags.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 3
    assert "拍摄时间 2025年12月，不在 2026年2月" in flags
    assert "与「县委党校」2026年1月的照片（" in flags and "与「团县委」2026年2月的照片（" in flags
    assert flags.count("/thumb\"") == 3 and "2026-02-26 09:00:00" in flags
    empty = client.get("/admin/photo-flags?quarter=2025Q4").get_data(as_text=True)
    assert "本季度没有被标记的照片" in empty


def test_a_photo_missing_from_the_store_is_listed_as_missing_and_the_pack_still_builds(
        services, client, units):
    with UnitOfWork(services.session_factory) as uow:
        [item] = uow.session.scalars(select(SummaryItem).where(
            SummaryItem.unit_id == units["党校"], SummaryItem.month == "2026-01",
            SummaryItem.kind == "photo")).all()
        services.files.path(item.file.path).unlink()
    with built(services, client) as pack:
        assert not [n for n in pack.namelist() if n.startswith("县委党校/2026-01/照片/")]
        assert [n for n in pack.namelist() if n.startswith("县委党校/2026-02/照片/")]
        book = load_workbook(BytesIO(pack.read("县委党校/回执清单.xlsx")))
    places = {(r[0], r[1]): r[8] for r in book["回执清单"].iter_rows(min_row=2, values_only=True)}
    assert places[("2026年1月", "图片")] == "（文件缺失，未能打包）"
    assert places[("2026年2月", "图片")] == "2026-02/照片/01_20260226-090000.jpg"


def test_a_photo_sent_before_1980_still_goes_into_its_pack(services, dialogue):
    unit = add_unit(services, "县委党校", liaisons=["console:dx"])
    dialogue.photo("console:dx", jpeg_bytes(), sent_at=shanghai(1970, 1, 1, 8, 0, 0))
    with UnitOfWork(services.session_factory) as uow:
        [month] = uow.session.scalars(select(SummaryItem.month)).all()
        out = BytesIO()
        write_unit_pack(uow.session, services.files, unit, Quarter.parse(month[:4] + "Q1"),
                        services.clock.now(), services.conversation.rules, out)
    with zipfile.ZipFile(BytesIO(out.getvalue())) as pack:
        assert pack.testzip() is None
        [photo] = [i for i in pack.infolist() if "/照片/" in i.filename]
    assert photo.filename.endswith("19700101-080000.jpg")
    assert photo.date_time == (2026, 3, 20, 10, 0, 0)   # stamped with its receipt, in Shanghai
