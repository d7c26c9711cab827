"""The rubric and the deadline calendar as pure functions: no clock, no I/O."""
from scoring.calendar import (LOCAL_TZ, CompletionRules, DeadlineRules, Material,
                              MonthStatus, completed_at, count_chars, deadline, is_workday,
                              local, month_of, month_status, open_month, time_left)
from scoring.params import RubricParams
from scoring.periods import Month, Quarter
from scoring.rubric import score_quarter
from scoring.validate import InputError
from scoring.year import score_year

__all__ = [
    "LOCAL_TZ", "CompletionRules", "DeadlineRules", "InputError", "Material", "Month",
    "MonthStatus", "Quarter", "RubricParams", "completed_at", "count_chars", "deadline",
    "is_workday", "local", "month_of", "month_status", "open_month", "score_quarter",
    "score_year", "time_left",
]
