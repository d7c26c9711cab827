"""The database's month totals agree with the scoring engine's rule, item by item: the
database sums, scoring.judge_month says whether and when the month became complete."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.handlers.texts import clock_text
from bot.summaries import MonthTotals, material, month_state, months_totals, sender_months
from scoring import CompletionRules, DeadlineRules, Month, completed_at
from storage import queries
from storage.db import UnitOfWork
from storage.models import Liaison, MonthExcuse, SummaryItem
from storage.queries import LiaisonRef
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

MARCH = Month(2026, 3)
APRIL = Month(2026, 4)


def _store(services, unit_id: int, items, withdrawn=(), month=MARCH):
    with UnitOfWork(services.session_factory) as uow:
        for i, (kind, chars, at) in enumerate(items):
            uow.session.add(SummaryItem(unit_id=unit_id, month=str(month), kind=kind,
                                        chars=chars, sent_at=at, received_at=at,
                                        withdrawn_at=at if i in withdrawn else None))
        uow.commit()


def _random_items(rng, base):
    items = [(rng.choice(["text", "photo", "document"]), rng.choice([0, 40, 90, 150]),
              base + timedelta(minutes=rng.randrange(0, 40)))  # ties happen
             for _ in range(rng.randrange(0, 12))]
    return [(k, 0 if k == "photo" else c, at) for k, c, at in items]


def _state(services, unit_id, month, rules):
    with UnitOfWork(services.session_factory) as uow:
        return month_state(uow.session, unit_id, month, services.clock.now(), DeadlineRules(),
                           rules)


def test_random_months_total_and_complete_as_the_engine_says(services):
    rng = random.Random(20261128)
    rules = CompletionRules(min_chars=300, min_photos=2)
    for trial in range(25):
        unit_id = add_unit(services, f"单位{trial}")
        expected = {}
        for month in (MARCH, APRIL):
            items = _random_items(rng, shanghai(month.year, month.month, 1, 8, 0, 0))
            withdrawn = {i for i in range(len(items)) if rng.random() < 0.2}
            _store(services, unit_id, items, withdrawn, month)
            expected[month] = [item for i, item in enumerate(items) if i not in withdrawn]
        with UnitOfWork(services.session_factory) as uow:
            both = months_totals(uow.session.connection(), unit_id, MARCH, APRIL)
            alone = months_totals(uow.session.connection(), unit_id, APRIL, APRIL)[APRIL]
        assert both[APRIL] == alone, trial
        for month in (MARCH, APRIL):
            totals, excuse = both[month]
            assert excuse is None
            assert totals == MonthTotals.of((k, c) for k, c, _ in expected[month]), \
                (trial, month)
            assert _state(services, unit_id, month, rules).completed_at == completed_at(
                [material(*item) for item in expected[month]], rules), (trial, month)


def test_an_excuse_comes_back_with_the_totals(services):
    unit_id = add_unit(services, "有豁免的单位")
    at = shanghai(2026, 3, 5, 9, 0, 0)
    _store(services, unit_id, [("text", 120, at)])
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(MonthExcuse(unit_id=unit_id, month=str(MARCH), kind="exempt",
                                    reason="机构改革", created_by="office", created_at=at))
        uow.commit()
    rules = CompletionRules(min_chars=300, min_photos=2)
    with UnitOfWork(services.session_factory) as uow:
        totals, excuse = months_totals(uow.session.connection(), unit_id, MARCH, MARCH)[MARCH]
    assert excuse == ("exempt", "机构改革")
    assert (totals.chars, _state(services, unit_id, MARCH, rules).completed_at) == (120, None)


def test_adding_an_item_counts_like_loading_again():
    t = shanghai(2026, 3, 5, 9, 0, 0)
    items = [("text", 60, t), ("photo", 0, t + timedelta(hours=1))]
    totals = MonthTotals.of((k, c) for k, c, _ in items)
    for added in [("text", 50, t + timedelta(hours=2)), ("photo", 0, t + timedelta(hours=1)),
                  ("text", 50, t - timedelta(minutes=1))]:  # older ones too: no reload
        assert totals.plus(*added[:2]) == MonthTotals.of((k, c) for k, c, _ in items + [added])


def test_a_late_arriving_older_photo_completes_the_month_when_the_text_came(
        services, dialogue, clock):
    unit_id = add_unit(services, "乱序单位", liaisons=["console:u1"])
    text_at = clock.now()
    dialogue.say("console:u1", SUMMARY, sent_at=text_at)
    # Delivered after the text although sent two hours before it.
    reply = dialogue.photo("console:u1", jpeg_bytes(), sent_at=text_at - timedelta(hours=2))
    assert f"完成于 {clock_text(text_at)}" in reply[0]
    with UnitOfWork(services.session_factory) as uow:
        rules = services.conversation.rules
        state = month_state(uow.session, unit_id, MARCH, clock.now(), rules.deadline,
                            rules.completion)
    assert (state.photos, state.completed_at) == (1, text_at)


def test_the_sender_and_its_months_come_in_one_statement_as_they_do_apart(services):
    rules = CompletionRules(min_chars=100, min_photos=1)
    unit_id = add_unit(services, "发送单位", liaisons=["wecom:zhang"])
    at = shanghai(2026, 3, 5, 9, 0, 0)
    _store(services, unit_id, [("text", 120, at), ("photo", 0, at + timedelta(hours=1))])
    _store(services, unit_id, [("text", 30, at + timedelta(days=30))], month=APRIL)
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(MonthExcuse(unit_id=unit_id, month=str(APRIL), kind="waived",
                                    reason="抗洪抢险", created_by="office", created_at=at))
        uow.commit()
    with UnitOfWork(services.session_factory) as uow:
        conn = uow.session.connection()
        liaison, months = sender_months(conn, "wecom", "zhang", MARCH, APRIL)
        loaded = queries.liaison(uow.session, "wecom", "zhang")  # through the ORM
        assert liaison == LiaisonRef.of(loaded, loaded.unit)
        assert liaison.unit.name == "发送单位"
        assert months == months_totals(conn, unit_id, MARCH, APRIL)
        assert months[APRIL] == (MonthTotals(chars=30), ("waived", "抗洪抢险"))
        assert sender_months(conn, "wecom", "nobody", MARCH, MARCH) == (None, {})
    assert _state(services, unit_id, MARCH, rules).completed_at == at + timedelta(hours=1)


def test_an_unbound_sender_comes_without_months(services):
    add_unit(services, "别的单位", liaisons=["wecom:other"])
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(Liaison(channel="wecom", platform_user_id="li", unit_id=None,
                                created_at=services.clock.now()))
        uow.commit()
    with UnitOfWork(services.session_factory) as uow:
        liaison, months = sender_months(uow.session.connection(), "wecom", "li", MARCH,
                                        MARCH)
    assert (liaison.platform_user_id, liaison.unit, months) == ("li", None, {})


def test_a_sender_with_nothing_sent_has_every_month_empty(services):
    add_unit(services, "新单位", liaisons=["wecom:new"])
    with UnitOfWork(services.session_factory) as uow:
        liaison, months = sender_months(uow.session.connection(), "wecom", "new", MARCH,
                                        APRIL)
    assert liaison.unit.name == "新单位"
    assert months == {MARCH: (MonthTotals(), None), APRIL: (MonthTotals(), None)}


def test_only_the_months_asked_for_are_counted(services):
    unit_id = add_unit(services, "多月单位")
    at = shanghai(2026, 2, 5, 9, 0, 0)
    for month, chars in ((Month(2026, 2), 10), (MARCH, 20), (APRIL, 40), (Month(2026, 5), 80)):
        _store(services, unit_id, [("text", chars, at)], month=month)
    with UnitOfWork(services.session_factory) as uow:
        conn = uow.session.connection()
        both = months_totals(conn, unit_id, MARCH, APRIL)
        assert list(both) == [MARCH, APRIL]
        assert (both[MARCH][0].chars, both[APRIL][0].chars) == (20, 40)
        assert months_totals(conn, unit_id, APRIL, APRIL)[APRIL][0].chars == 40
        assert [t.chars for t, _ in months_totals(conn, unit_id, Month(2026, 6),
                                                  Month(2026, 7)).values()] == [0, 0]
        with pytest.raises(ValueError):
            months_totals(conn, unit_id, APRIL, MARCH)
