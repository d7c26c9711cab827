"""Which earlier months a unit still owes: what a receipt reminds the liaison of."""
from __future__ import annotations

from datetime import datetime

from scoring.calendar import (CompletionRules, DeadlineRules, MonthStatus, deadline, is_due,
                              meets, month_judged, month_status)
from scoring.periods import Month


def still_owed(month: Month, chars: int, photos: int, now: datetime, registered_at: datetime,
               drules: DeadlineRules, crules: CompletionRules, *, waived: bool = False,
               exempt: bool = False, category: str = "") -> bool:
    """Tell whether a unit still owes a month at `now`.

    Owed: judged for the unit, its deadline passed, its items in effect (`chars`,
    `photos`) short of the completion rules, and neither waived nor exempt. The items'
    totals suffice: running sums only grow, so a month is complete exactly when its
    totals meet the rules.
    """
    return (not meets(chars, photos, crules)
            and month_judged(deadline(month, drules), registered_at)
            and month_status(month, None, now, drules, waived=waived, exempt=exempt,
                             due=is_due(month, category, drules))
            is MonthStatus.MISSING)
