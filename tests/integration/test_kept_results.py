"""The office's pages keep what they computed (bot/memo.py), each result under what it was
computed from: a changed fact, a new message, a waiver, a withdrawal, a document's text read
later, a deadline passing, each shows in the very next page, on both databases."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import event

from bot import scores
from bot.app import create_app
from bot.rules import rules
from bot.worker import Worker
from scoring import Quarter
from scoring.numbers import fmt
from storage.db import UnitOfWork
from tests.admin_support import make_users, post, sign_in, small_history
from tests.conftest import SUMMARY, jpeg_bytes, shanghai
from tests.documents import word

FACTS = {"annual_plan": "是", "annual_summary": "否", "materials_uploaded": "是",
         "team_flag": "是", "uniforms_sufficient": "是", "uniforms_worn": "否",
         "staff_on_post": "50", "registered_volunteers": "39", "trainings": "1",
         "service_items": "4", "services": "8", "volunteer_hours": "150.5",
         "awareness_rate": "76.5", "brand_plan": "是", "brand_promoted": "否",
         "satisfaction": "良好", "media_entered": "是", "quarter": "2026Q1"}


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def totals(client, path: str) -> dict[str, str]:
    """Each unit's total in a table's csv export."""
    text = client.get(path).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    column = "总分" if "总分" in rows[0] else "年度得分"
    return {row["单位"]: row[column] for row in rows}


def status(client, unit: str, month: str, span: int = 3, end: str = "2026-03") -> str:
    """A board cell's status."""
    html = client.get(f"/admin/board?end={end}&span={span}").get_data(as_text=True)
    found = re.search(rf'class="cell st-(\w+)" data-unit="{unit}" data-month="{month}"', html)
    assert found, (unit, month)
    return found.group(1)


def test_the_pages_keep_what_they_computed(services, client):
    client.get("/admin/board?end=2026-03&span=3")
    client.get("/admin/scores?quarter=2026Q1")
    assert len(services.memo) > 0


def test_a_table_without_a_memo_reads_no_marks_and_scores_as_the_kept_one(services, client):
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_):
        counted.append(statement)

    def marks() -> list[str]:
        return [s for s in counted if "GROUP BY summary_items.month" in s
                or "max(quarter_fact_values.id)" in s or "GROUP BY month_reviews.month" in s]

    event.listen(services.engine, "before_cursor_execute", count)
    try:
        kept = totals(client, "/admin/scores/export.csv?quarter=2026Q1")
        assert marks()   # the page's memo keys its results by them
        counted.clear()
        assert fresh(services, "2026Q1") == kept
        assert counted and not marks()
    finally:
        event.remove(services.engine, "before_cursor_execute", count)


def fresh(services, quarter: str) -> dict[str, str]:
    """Each unit's quarter total computed now, keeping nothing (as the CLI computes it)."""
    with UnitOfWork(services.session_factory) as uow:
        rows = scores.quarter_table(uow.session, Quarter.parse(quarter), services.clock.now(),
                                    rules(services.config))
    return {row.unit_name: fmt(row.total) for row in rows}


def test_a_changed_fact_shows_in_the_next_table_unit_page_and_year(services, client, units,
                                                                  clock):
    clock.set(shanghai(2026, 4, 10, 9, 0, 0))  # the first quarter has ended: the year counts it
    unit, table = units["党校"], "/admin/scores/export.csv?quarter=2026Q1"
    before = totals(client, table)["县委党校"]
    assert totals(client, "/admin/scores/year/export.csv?year=2026")["县委党校"] == before
    page = f"/admin/units/{unit}?quarter=2026Q1"
    client.get(page)
    inputs = f"/admin/units/{unit}/inputs?quarter=2026Q1"
    assert post(client, f"/admin/units/{unit}/facts", FACTS, page=inputs).status_code == 302
    after = totals(client, table)["县委党校"]
    assert after != before and after == fresh(services, "2026Q1")["县委党校"]
    assert totals(client, "/admin/scores/year/export.csv?year=2026")["县委党校"] == after
    assert f'<strong class="total">{after}</strong>' in client.get(page).get_data(as_text=True)
    post(client, f"/admin/units/{unit}/facts", dict(FACTS, services="1"), page=inputs)
    again = totals(client, table)["县委党校"]   # the same fact changed again: updated in place
    assert (again, fresh(services, "2026Q1")["县委党校"]) == (again, again) and again != after


def test_a_new_message_changes_the_next_board_and_charts(services, client, dialogue):
    assert status(client, "县人社局", "2026-03") == "pending"
    charts = client.get("/admin/charts").get_data(as_text=True)
    dialogue.say("console:renshe", SUMMARY)
    assert status(client, "县人社局", "2026-03") == "pending"   # no photo yet
    dialogue.photo("console:renshe", jpeg_bytes(seed=5))
    assert status(client, "县人社局", "2026-03") == "on_time"
    assert client.get("/admin/charts").get_data(as_text=True) != charts


def test_a_waiver_changes_the_next_table_and_board(services, client, units):
    assert status(client, "团县委", "2026-01") == "missing"
    before = totals(client, "/admin/scores/export.csv?quarter=2026Q1")["团县委"]
    resp = post(client, f"/admin/units/{units['团委']}/excuses",
                {"month": "2026-01", "kind": "waived", "reason": "承担防汛任务"},
                page=f"/admin/units/{units['团委']}/inputs")
    assert resp.status_code == 302
    assert status(client, "团县委", "2026-01") == "waived"
    after = totals(client, "/admin/scores/export.csv?quarter=2026Q1")["团县委"]
    assert float(after) == float(before) + 0.5
    post(client, f"/admin/units/{units['团委']}/excuses",   # replaced in place: same row
         {"month": "2026-01", "kind": "exempt", "reason": "改为免报"},
         page=f"/admin/units/{units['团委']}/inputs")
    assert status(client, "团县委", "2026-01") == "exempt"


def test_a_withdrawal_changes_the_next_board(services, client, dialogue):
    dialogue.say("console:renshe", SUMMARY)
    dialogue.photo("console:renshe", jpeg_bytes(seed=6))
    assert status(client, "县人社局", "2026-03") == "on_time"
    dialogue.say("console:renshe", "撤回")   # the photo
    assert status(client, "县人社局", "2026-03") == "pending"


def test_a_document_read_later_changes_the_next_board(services, client, dialogue):
    dialogue.photo("console:renshe", jpeg_bytes(seed=7))
    dialogue.document("console:renshe", word([SUMMARY]), "三月小结.docx")
    assert status(client, "县人社局", "2026-03") == "pending"   # its text not read yet
    Worker(services).run_once()
    assert status(client, "县人社局", "2026-03") == "on_time"


def test_a_month_turns_missing_on_the_next_board_once_its_deadline_passes(services, client,
                                                                        clock):
    assert status(client, "县人社局", "2026-03") == "pending"
    clock.set(shanghai(2026, 3, 25, 0, 0, 1))
    assert status(client, "县人社局", "2026-03") == "missing"


def test_a_unit_page_ranks_the_unit_anew_when_another_unit_changes(services, client, units):
    page = f"/admin/units/{units['党校']}?quarter=2026Q1"
    assert "第 1 名" in client.get(page).get_data(as_text=True)   # tied with 团县委
    post(client, f"/admin/units/{units['团委']}/excuses",
         {"month": "2026-01", "kind": "waived", "reason": "承担防汛任务"},
         page=f"/admin/units/{units['团委']}/inputs")
    assert "第 2 名" in client.get(page).get_data(as_text=True)


def test_a_return_changes_the_next_board(services, client, dialogue, units):
    dialogue.say("console:renshe", SUMMARY)
    dialogue.photo("console:renshe", jpeg_bytes(seed=7))
    assert status(client, "县人社局", "2026-03") == "on_time"
    resp = post(client, f"/admin/units/{units['人社']}/months/2026-03/return",
                {"reasons": "unrelated_photos", "note": "请补充现场照片"},
                page=f"/admin/units/{units['人社']}")
    assert resp.status_code == 302
    assert status(client, "县人社局", "2026-03") == "pending"   # returned: incomplete again
