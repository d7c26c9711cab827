"""Which months and quarters are assessed for a unit, and which quarters a year's mean runs
over (RUBRIC.md "Which quarters are assessed", "The year")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable

from scoring.calendar import DeadlineRules, deadline, local, month_judged, month_of
from scoring.periods import Quarter
from scoring.results import QuarterScore
from scoring.versions import version_for

QUARTER_NAMES = "一二三四"
BY_HAND = "手工录入"
NOT_ASSESSED = "未纳入"


@dataclass(frozen=True)
class QuarterAssessment:
    """Whether a unit's quarter is assessed, how, and if not, why (a few Chinese words)."""

    assessed: bool
    by_hand: bool = False
    reason: str = ""

    @property
    def note(self) -> str:
        """What a reader sees beside the total: 未纳入：…, 手工录入, or nothing."""
        if not self.assessed:
            return f"{NOT_ASSESSED}：{self.reason}"
        return BY_HAND if self.by_hand else ""


def month_not_judged_reason(registered_at: datetime) -> str:
    """Why a month is not judged: the unit came to the bot after the month's deadline."""
    joined = local(registered_at)
    return f"单位于{joined.year}年{joined.month}月{joined.day}日登记，晚于本月小结截止"


def not_assessed_reason(quarter: Quarter, registered_at: datetime) -> str:
    """Why no month of the quarter is judged: the unit came to the bot after its deadlines."""
    joined = local(registered_at)
    if month_of(registered_at) > quarter.months()[-1]:
        return f"单位于{joined.year}年{joined.month}月登记"
    return f"单位于{joined.year}年{joined.month}月{joined.day}日登记，晚于本季度各月小结截止"


def assess_quarter(quarter: Quarter, registered_at: datetime, rules: DeadlineRules, *,
                   facts_entered: bool, total_by_hand: bool) -> QuarterAssessment:
    """Decide whether a unit's quarter is assessed.

    It is when one of its months is judged for the unit, when the office entered facts
    for it, or when the office entered its total by hand (which then stands for the
    quarter's total).
    """
    if total_by_hand:
        return QuarterAssessment(True, by_hand=True)
    if facts_entered or any(month_judged(deadline(m, rules), registered_at)
                            for m in quarter.months()):
        return QuarterAssessment(True)
    return QuarterAssessment(False, reason=not_assessed_reason(quarter, registered_at))


def score_by_hand(quarter: Quarter, category: str, total: Decimal,
                  rubric: Any = None) -> QuarterScore:
    """A quarter's score for a total the office entered by hand: no item breakdown, nothing
    pending (`rubric` as for `quarter_score`)."""
    version = version_for(rubric, quarter)
    standard = version.standard(category)
    total = version.round(total)
    percent = version.round(total * 100 / standard) if standard else Decimal(0)
    return QuarterScore(quarter, category, total, standard, percent, {}, version.version)


def year_quarters(assessments: dict[Quarter, QuarterAssessment],
                  ended: Iterable[Quarter]) -> list[Quarter]:
    """The quarters a year's mean runs over: the assessed ones that have ended."""
    return sorted(q for q in ended if q in assessments and assessments[q].assessed)


def year_label(year: int, quarters: Iterable[Quarter], provisional: bool) -> str:
    """Name what a year's score is the mean of: 2026年（按第三、四季度平均，暂定）."""
    names = "、".join(QUARTER_NAMES[q.q - 1] for q in sorted(quarters))
    return f"{year}年（按第{names}季度平均{'，暂定' if provisional else ''}）"
