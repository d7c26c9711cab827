"""The rubric and the deadline calendar as pure functions: no clock, no I/O but reading a
rubric file.

A rubric is data (a TOML file, docs/rubric-file.md) read into typed objects (`Rubric`,
one version; `RubricVersions`, each from its quarter). `quarter_score` and `year_score`
give typed results (`QuarterScore`, `YearScore`); `score_quarter` and `score_year` give the
same as RUBRIC.md's JSON-shaped dicts."""
from scoring.assessment import (QuarterAssessment, assess_quarter, score_by_hand, year_label,
                                year_quarters)
from scoring.calendar import (LOCAL_TZ, CompletionRules, DeadlineRules, Material,
                              MonthJudgement, MonthStatus, SendTimeWindow, completed_at,
                              count_chars, counted_send_time, deadline, filing_month, is_due,
                              is_workday, judge_month, period_label,
                              local, meets, month_judged, month_of, month_status, open_month,
                              time_left)
from scoring.holidays import (Arrangement, DayJudgement, Holiday, Source, WorkCalendar,
                              arrangement_problems, missing_arrangements, package_knows)
from scoring.returns import Fix, fix_deadline
from scoring.owed import still_owed
from scoring.params import RubricParams
from scoring.periods import Month, Quarter
from scoring.results import ItemResult, QuarterScore, YearScore
from scoring.rubric import quarter_score, score_quarter
from scoring.schema.errors import RubricError
from scoring.schema.facts import fact_warnings
from scoring.schema.load import read_rubric
from scoring.schema.rubric import Rubric
from scoring.validate import InputError
from scoring.versions import (RubricVersions, default_rubrics, load_rubrics, rubric_path,
                              version_problems)
from scoring.year import score_year, year_score

__all__ = [
    "Arrangement", "CompletionRules", "DayJudgement", "DeadlineRules", "Fix", "Holiday",
    "InputError",
    "ItemResult", "LOCAL_TZ", "Material", "Month", "MonthJudgement", "MonthStatus", "Quarter",
    "QuarterAssessment", "QuarterScore", "Rubric", "RubricError", "RubricParams",
    "RubricVersions", "SendTimeWindow", "Source", "WorkCalendar", "YearScore",
    "arrangement_problems", "assess_quarter", "completed_at", "count_chars",
    "counted_send_time", "deadline", "default_rubrics", "fact_warnings", "filing_month", "fix_deadline",
    "is_due", "is_workday", "judge_month", "load_rubrics", "local", "meets",
    "missing_arrangements", "month_judged", "month_of", "month_status", "open_month",
    "package_knows", "period_label", "quarter_score", "read_rubric", "rubric_path",
    "score_by_hand", "score_quarter", "score_year", "still_owed", "time_left",
    "version_problems", "year_label", "year_quarters", "year_score"
]
