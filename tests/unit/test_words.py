"""The rubric's and the office's words are defined once and name everything they must."""
from __future__ import annotations

from scoring import MonthStatus
from scoring.params import DEFAULT, ITEM_IDS
from scoring.words import (CATEGORY_TITLES, ITEM_TITLES, MEDIA_LEVEL_TITLES, SATISFACTION_TITLES,
                           STATUS_LABELS)


def test_every_category_item_and_status_of_the_rubric_has_its_word():
    assert set(CATEGORY_TITLES) == set(DEFAULT.categories)
    assert tuple(ITEM_TITLES) == ITEM_IDS
    assert {s.value: s.label for s in MonthStatus} == dict(STATUS_LABELS)
    assert set(MEDIA_LEVEL_TITLES) == set(DEFAULT.media_points)
    assert set(SATISFACTION_TITLES) == set(DEFAULT.satisfaction_points)
