"""The rubric's and the office's words are defined once and name everything they must."""
from __future__ import annotations

from bot.office.entries import (BONUS_KINDS, BONUS_LEVEL_WORDS, BONUS_WORDS, DEDUCTION_KINDS,
                                DEDUCTION_WORDS)
from scoring import MonthStatus
from scoring.params import DEFAULT, ITEM_IDS
from scoring.validate import BONUS_KINDS as SCORED_BONUS_KINDS
from scoring.words import (CATEGORY_TITLES, ITEM_TITLES, MEDIA_LEVEL_TITLES, SATISFACTION_TITLES,
                           STATUS_LABELS)


def test_every_category_item_and_status_of_the_rubric_has_its_word():
    assert set(CATEGORY_TITLES) == set(DEFAULT.categories)
    assert tuple(ITEM_TITLES) == ITEM_IDS
    assert {s.value: s.label for s in MonthStatus} == dict(STATUS_LABELS)
    assert set(MEDIA_LEVEL_TITLES) == set(DEFAULT.media_points)
    assert set(SATISFACTION_TITLES) == set(DEFAULT.satisfaction_points)


def test_the_office_enters_the_bonus_kinds_and_levels_the_rubric_scores():
    assert tuple(BONUS_KINDS) == SCORED_BONUS_KINDS == tuple(BONUS_WORDS)
    assert BONUS_KINDS["research_visit"] == tuple(DEFAULT.research_visit_bonus)
    assert BONUS_KINDS["endorsement"] == tuple(DEFAULT.endorsement_bonus)
    assert {level for levels in BONUS_KINDS.values() if levels for level in levels} \
        == set(BONUS_LEVEL_WORDS)
    assert DEDUCTION_KINDS == tuple(DEDUCTION_WORDS) == ("materials", "perfunctory", "falsified")
