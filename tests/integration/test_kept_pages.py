"""What the office's pages keep besides results (bot/memo.py): a table row's cells, a unit's
year, the quarter's facts, every photo's hash. Each is kept under what it was computed from,
so a changed fact, a waiver or a new photo shows in the very next page, on both databases."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.app import create_app
from bot.demo_history import photo_bytes
from bot.office.facts_sheet import sheet_fields
from bot.rules import rules
from scoring import Quarter
from tests.admin_support import make_users, near_copy, post, sign_in, small_history
from tests.conftest import shanghai
from tests.integration.test_kept_results import FACTS, fresh, totals


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def row_of(client, path: str, unit: str) -> str:
    """A unit's row of a score table's page."""
    html = client.get(path).get_data(as_text=True)
    found = re.search(rf'<tr(?: data-unit="{unit}")?>\s*<td>\d+</td>\s*<td>[^<]*</td>\s*'
                      rf'<th scope="row"><a [^>]*>{unit}</a></th>(.*?)</tr>', html, re.S)
    assert found, unit
    return found.group(1)


def total_in(row: str) -> str:
    return re.search(r'<strong class="total">([^<]*)</strong>', row).group(1)


def test_a_changed_fact_shows_in_the_next_quarter_table_s_cells(services, client, units):
    table = "/admin/scores?quarter=2026Q1"
    before = row_of(client, table, "县委党校")
    untouched = row_of(client, table, "团县委")
    inputs = f"/admin/units/{units['党校']}/inputs?quarter=2026Q1"
    assert post(client, f"/admin/units/{units['党校']}/facts", FACTS, page=inputs).status_code == 302
    after = row_of(client, table, "县委党校")
    assert after != before and total_in(after) == fresh(services, "2026Q1")["县委党校"]
    assert "实际8次" in after and "实际8次" not in before
    assert row_of(client, table, "团县委") == untouched
    post(client, f"/admin/units/{units['党校']}/facts", dict(FACTS, services="1"), page=inputs)
    again = row_of(client, table, "县委党校")   # changed in place, at the same time
    assert total_in(again) == fresh(services, "2026Q1")["县委党校"] != total_in(after)
    assert "实际1次" in again


def test_a_waiver_shows_in_the_next_year_table_s_cells(services, client, units, clock):
    clock.set(shanghai(2026, 4, 10, 9, 0, 0))  # the first quarter has ended: the year counts it
    year = "/admin/scores/year?year=2026"
    before = row_of(client, year, "团县委")
    waived = post(client, f"/admin/units/{units['团委']}/excuses",
                  {"month": "2026-01", "kind": "waived", "reason": "承担防汛任务"},
                  page=f"/admin/units/{units['团委']}/inputs")
    assert waived.status_code == 302
    after = row_of(client, year, "团县委")
    shown = totals(client, "/admin/scores/year/export.csv?year=2026")["团县委"]
    assert after != before and f"<strong>{shown}</strong>" in after
    assert f"<strong>{shown}</strong>" not in before


def test_a_fact_changed_in_place_shows_in_the_next_facts_template(services, client, units):
    header = next(f.header for f in sheet_fields(rules(services.config).rubric
                                                  .for_quarter(Quarter(2026, 1)))
                  if f.fact == "services")

    def services_of_dangxiao() -> object:
        data = client.get("/admin/facts/template.xlsx?quarter=2026Q1").data
        sheet = load_workbook(BytesIO(data)).active
        rows = list(sheet.iter_rows(values_only=True))
        column = rows[0].index(header)
        return next(r[column] for r in rows[1:] if r[0] == "县委党校")

    assert services_of_dangxiao() is None
    inputs = f"/admin/units/{units['党校']}/inputs?quarter=2026Q1"
    post(client, f"/admin/units/{units['党校']}/facts", FACTS, page=inputs)
    assert services_of_dangxiao() == 8
    post(client, f"/admin/units/{units['党校']}/facts", dict(FACTS, services="1"), page=inputs)
    assert services_of_dangxiao() == 1


def test_a_new_near_copy_shows_on_the_next_unit_page(services, client, units, dialogue):
    page = f"/admin/units/{units['人社']}?quarter=2026Q1"
    assert "的照片（" not in client.get(page).get_data(as_text=True)
    dialogue.photo("console:renshe", near_copy(photo_bytes(1, shanghai(2026, 1, 9, 15, 0, 0))))
    assert "与「县委党校」2026年1月的照片" in client.get(page).get_data(as_text=True)
    dialogue.say("console:renshe", "撤回")   # the photo
    assert "与「县委党校」2026年1月的照片" not in client.get(page).get_data(as_text=True)
