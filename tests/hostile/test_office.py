"""The office console signed in, given odd addresses, parameters and forms: a Chinese page
with a 4xx (or the page itself), never a 500; and after the whole corpus has been sent,
every export still opens, with no cell that is a formula."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import requests
from sqlalchemy import select

from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import Unit
from tests.admin_support import PACK_LINK, TOKEN as CSRF
from tests.conftest import add_unit
from tests.hostile.conftest import CONSOLE_USER, UNIT, House
from tests.hostile.corpus import SURROGATE_TEXTS, TEXTS, UNIT_NAMES, has_chinese

HUGE = "99999999999999999999999999"
ODD_VALUES = ["-1", "0", HUGE, "abc", "%00", "%0d%0aX-Evil:%201", "<script>", "2026Q9",
              "2026-13", "9999Q4", "0000-00", "%E2%80%AE", "%F0%9F%91%8D", "1e400", "'", "NaN"]
PAGES = ["/admin/board?end={}", "/admin/board?span={}", "/admin/board?category={}",
         "/admin/scores?quarter={}", "/admin/scores/year?year={}", "/admin/charts?quarter={}",
         "/admin/evidence?quarter={}", "/admin/photo-flags?quarter={}", "/admin/audit?page={}",
         "/admin/audit?actor={}",
         "/admin/audit?unit={}", "/admin/audit?kind={}", "/admin/audit?first={}",
         "/admin/audit/export.xlsx?last={}",
         "/admin/units/{{unit}}?quarter={}", "/admin/units/{{unit}}/inputs?quarter={}",
         "/admin/scores/export.xlsx?quarter={}", "/admin/scores/export.csv?quarter={}"]
PATHS = ["/admin/files/9223372036854775808", "/admin/files/-1", "/admin/files/abc",
         f"/admin/files/{HUGE}/thumb", f"/admin/units/{HUGE}", "/admin/units/0",
         f"/admin/units/{HUGE}/inputs", "/admin/evidence/9223372036854775808.zip",
         "/admin/scores/export.exe", "/admin/scores/year/export.%00", "/admin/nothing-here",
         "/admin/units/%F0%9F%91%8D", "/admin/" + "a" * 5000, "/admin/../../etc/passwd",
         "/admin/board/%2e%2e/%2e%2e/etc/passwd", "/admin/evidence/packs/9223372036854775808.zip",
         "/admin/evidence/packs/-1.zip", "/admin/photo-flags?quarter=%00"]
FORMS = ["/admin/units/{unit}/facts", "/admin/units/{unit}/stories", "/admin/units/{unit}/bonus",
         "/admin/units/{unit}/deductions", "/admin/units/{unit}/excuses",
         "/admin/units/{unit}/liaisons", "/admin/units/{unit}/codes", "/admin/facts/import",
         "/admin/evidence/packs"]


def unit_id(house: House) -> int:
    with UnitOfWork(house.services.session_factory) as uow:
        return uow.session.scalar(select(Unit.id).where(Unit.name == UNIT))


def test_odd_addresses_and_parameters_get_the_chinese_page_and_never_a_500(house):
    unit, problems = unit_id(house), []
    addresses = [p.format(v).format(unit=unit) for p in PAGES for v in ODD_VALUES] + PATHS
    for address in addresses:
        resp = house.office.get(house.url + address, timeout=60, allow_redirects=False)
        ok = resp.status_code in (200, 302) or resp.status_code // 100 == 4
        readable = resp.status_code == 302 or "text/html" not in resp.headers.get(
            "Content-Type", "") or has_chinese(resp.text)
        if not (ok and readable):
            problems.append(f"{address[:80]}: HTTP {resp.status_code}")
    assert not problems, "\n".join(problems)
    assert house.office.get(f"{house.url}/admin/board", timeout=60).status_code == 200


def test_forms_without_their_token_or_with_odd_values_are_refused_in_chinese(house):
    unit, problems = unit_id(house), []
    odd = {"quarter": "2026Q9", "month": "2026-13", "points": "1e400", "reason": "\x00",
           "kind": "<script>", "level": "'", "staff_on_post": "-5", "channel": "\ufffe",
           "user": "u" * 5000, "story": "=1+1", "total": HUGE}
    for form in FORMS:
        address = house.url + form.format(unit=unit)
        for name, data in [("no token", odd), ("a forged token", {**odd, "csrf_token": "x"})]:
            resp = house.office.post(address, data=data, timeout=60, allow_redirects=False)
            if resp.status_code // 100 != 4 or not has_chinese(resp.text):
                problems.append(f"{form} with {name}: HTTP {resp.status_code}")
    assert not problems, "\n".join(problems)


def no_formula(book: openpyxl.Workbook, where: str, problems: list[str]) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{where} {sheet.title}!{cell.coordinate} is a formula")


def check_export(name: str, resp: requests.Response, problems: list[str]) -> None:
    if resp.status_code != 200:
        problems.append(f"{name}: HTTP {resp.status_code}")
        return
    data = resp.content
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        for row in rows:
            for value in row:
                if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    problems.append(f"{name}: a field starts with {value[:1]!r}")
    elif name.endswith(".xlsx"):
        no_formula(openpyxl.load_workbook(io.BytesIO(data)), name, problems)
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as pack:
            if pack.testzip() is not None:
                problems.append(f"{name}: a damaged member")
            for member in pack.namelist():
                if member.startswith("/") or ".." in member.split("/"):
                    problems.append(f"{name}: unsafe member name {member!r}")
                if member.endswith(".xlsx"):
                    no_formula(openpyxl.load_workbook(io.BytesIO(pack.read(member))),
                               f"{name}/{member}", problems)


def all_units_pack(house: House) -> str:
    """Every unit's pack, asked for through the page and built by a worker: its address."""
    page = f"{house.url}/admin/evidence?quarter=2026Q1"
    token = CSRF.search(house.office.get(page, timeout=60).text).group(1)
    resp = house.office.post(f"{house.url}/admin/evidence/packs", timeout=60,
                             data={"quarter": "2026Q1", "csrf_token": token})
    assert resp.status_code == 200 and "已提交生成" in resp.text
    worker = Worker(house.services)
    while worker.run_once(limit=100):
        pass
    return PACK_LINK.search(house.office.get(page, timeout=60).text).group(0)


def test_after_every_hostile_text_and_name_every_export_still_opens_without_formulas(house):
    units = [unit_id(house)]
    for i, (_, name) in enumerate(UNIT_NAMES):
        units.append(add_unit(house.services, name + f"（导出{i}）",
                              liaisons=[f"console:export-{i}"]))
    for i, (_, text) in enumerate(TEXTS + SURROGATE_TEXTS):
        for user in (CONSOLE_USER, f"export-{i % len(UNIT_NAMES)}"):
            resp = requests.post(f"{house.url}/console/api/messages", timeout=60,
                                 json={"user": user, "text": text})
            assert resp.status_code == 200, (i, resp.text[:200])
    exports = [f"/admin/evidence/{u}.zip?quarter=2026Q1" for u in units] + [
        all_units_pack(house), "/admin/scores/export.xlsx?quarter=2026Q1",
        "/admin/scores/export.csv?quarter=2026Q1", "/admin/scores/year/export.xlsx?year=2026",
        "/admin/scores/year/export.csv?year=2026", "/admin/facts/template.xlsx?quarter=2026Q1",
        "/admin/audit/export.xlsx"]
    problems: list[str] = []
    for address in exports:
        name = address.split("?")[0]
        check_export(name, house.office.get(house.url + address, timeout=300), problems)
    assert not problems, "\n".join(problems)
