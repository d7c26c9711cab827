"""Every rule kind an item may name with `kind = "..."`."""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from scoring.rules.base_minus import BaseMinus
from scoring.rules.discretionary import Discretionary
from scoring.rules.fact_holds import FactHolds
from scoring.rules.grade import Grade
from scoring.rules.shortfall import Shortfall
from scoring.rules.state import State
from scoring.rules.stories import Stories
from scoring.rules.submissions import Submissions
from scoring.rules.threshold import PerCapita, Rate

KINDS = (FactHolds, Shortfall, Rate, PerCapita, Grade, Stories, Submissions, Discretionary,
         BaseMinus, State)

AnyRule = Annotated[Union[FactHolds, Shortfall, Rate, PerCapita, Grade, Stories, Submissions,
                          Discretionary, BaseMinus, State], Field(discriminator="kind")]

# What `python -m scoring check` calls each kind.
KIND_TITLES = {
    "fact_holds": "符合即得分", "shortfall": "按差额扣分", "rate": "比率达标",
    "per_capita": "人均达标", "grade": "按等级得分", "stories": "按级别累计",
    "submissions": "逾期未报扣分", "discretionary": "酌情给分", "base_minus": "基础分减扣分",
    "state": "按状态折算",
}
