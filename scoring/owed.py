"""Which earlier months a unit still owes: what a receipt reminds the liaison of."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from scoring.calendar import (CompletionRules, DeadlineRules, Material, MonthStatus, deadline,
                              judge_month, meets, month_judged)
from scoring.periods import Month


def still_owed(month: Month, chars: int, photos: int, now: datetime, registered_at: datetime,
               drules: DeadlineRules, crules: CompletionRules, *, waived: bool = False,
               exempt: bool = False, category: str = "", returns: Sequence[datetime] = (),
               materials: Iterable[Material] = ()) -> bool:
    """Tell whether a unit still owes a month at `now`.

    Owed: judged for the unit, its deadline passed, incomplete (scoring.judge_month), and
    neither waived nor exempt. The items' totals suffice unless the office returned the
    month: running sums only grow, so a month never returned is complete exactly when its
    totals meet the rules. A returned month's items (`materials`, read only then, so it
    may be lazy) tell whether a fix came after the return.
    """
    if (meets(chars, photos, crules) and not returns) or not month_judged(
            deadline(month, drules), registered_at):
        return False
    return judge_month(month, materials, now, drules, crules, waived=waived, exempt=exempt,
                       totals=(chars, photos), category=category,
                       returns=returns).status is MonthStatus.MISSING
