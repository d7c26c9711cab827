"""The office's input fields, derived from a rubric's fact declarations: one per fact it
enters (the form, the facts spreadsheet and their import all read these), what each
field's header says, which facts count for a category, and one typed value read from
what was typed.

A field's typed value is None when it is not entered, else: yes/no a bool, a count an
int, a decimal or a percentage a Decimal (to 0.01), a grade its key, discretionary points
a tuple of (Decimal, reason); a stories fact's field says whether its stories are counted
(True), its key being `<fact>_entered`. Submissions are the bot's, never entered.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from scoring import Rubric
from scoring.numbers import fmt

YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "n", "no", "false", "0", "×", "✗"}
MAX_NUMBER = 10 ** 9   # beyond any real count; 12 digits with the 2 decimals kept
CENT = Decimal("0.01")
NUMBERS = frozenset(("count", "decimal", "percentage"))
ENTERED = "_entered"   # a stories fact's field: its stories are counted


@dataclass(frozen=True)
class Field:
    """One fact as the office enters it."""

    key: str          # the form's field and the stored name's key (`media_entered`)
    fact: str         # the fact's name in the rubric
    type: str         # the fact's type
    label: str
    header: str       # the spreadsheet's column, the form's label
    declaration: Any  # the rubric's Fact

    @property
    def choices(self) -> tuple[str, ...]:
        """The words a select offers (yes/no, a stories flag, a grade)."""
        if self.type in ("yes_no", "stories"):
            return ("是", "否")
        if self.type == "grade":
            return tuple(self.declaration.grades.values())
        return ()

    @property
    def low(self) -> Decimal:
        return Decimal(getattr(self.declaration, "min", 0))

    @property
    def high(self) -> Decimal | None:
        high = getattr(self.declaration, "max", None)
        return None if high is None else Decimal(high)


def _header(name: str, fact: Any) -> str:
    if fact.type == "yes_no":
        return f"{fact.label}（是/否）"
    if fact.type == "stories":
        return f"{fact.label}已统计（是/否）"
    if fact.type == "grade":
        return f"{fact.label}（{'/'.join(fact.grades.values())}）"
    if fact.type == "points":
        return f"{fact.label}（{fmt(fact.min)}–{fmt(fact.max)}分，写成 分值：原因）"
    if fact.type in ("decimal", "percentage") and fact.unit:
        return f"{fact.label}（{fact.unit}）"
    return fact.label


def fields(rubric: Rubric, source: str = "office") -> tuple[Field, ...]:
    """The fields of the facts entered through `source` (office: the console's form,
    import: the spreadsheet), in the file's order."""
    return tuple(Field(name + ENTERED if fact.type == "stories" else name, name, fact.type,
                       fact.label, _header(name, fact), fact)
                 for name, fact in rubric.facts.items()
                 if fact.type != "submissions" and source in fact.sources)


def counted_facts(rubric: Rubric, category: str) -> frozenset[str]:
    """The facts that the items applying to a category read."""
    return frozenset(name for item in rubric.applicable(category)
                     for name in rubric.item[item].rule.reads())


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _words(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else "、".join(words[:-1]) + "或" + words[-1]


def _number(field: Field, text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("应填数字") from None
    low, high = field.low, field.high
    if not number.is_finite() or (number < 0 and low == 0):
        raise ValueError("不能为负数")
    if high is None and number > MAX_NUMBER:
        raise ValueError(f"数字太大，不能超过 {MAX_NUMBER}")
    if field.type == "count" and number != number.to_integral_value():
        raise ValueError("应填整数")
    if number < low or (high is not None and number > high):
        if high is None:
            raise ValueError(f"应不小于{fmt(low)}")
        raise ValueError(f"应在{fmt(low)}到{fmt(high)}之间")
    return number


def points_entry(field: Field, points: Any, reason: Any) -> tuple[Decimal, str]:
    """One discretionary entry: points within the fact's range, with its reason."""
    try:
        number = Decimal(str(points).strip())
    except InvalidOperation:
        raise ValueError(f"分值应填数字，填的是「{points}」") from None
    if not number.is_finite() or not field.low <= number <= field.high:
        raise ValueError(f"分值应在{fmt(field.low)}到{fmt(field.high)}分之间，填的是「{points}」")
    reason = str(reason or "").strip()
    if not reason:
        raise ValueError("每个分值都要写明原因")
    return number.quantize(CENT), reason[:200]


def _entries(field: Field, text: str) -> tuple[tuple[Decimal, str], ...]:
    entries = []
    for part in filter(None, (p.strip() for p in text.replace("；", ";").split(";"))):
        points, colon, reason = part.replace("：", ":").partition(":")
        if not colon:
            raise ValueError(f"应写成 分值：原因，多条用；隔开，填的是「{part}」")
        entries.append(points_entry(field, points, reason))
    return tuple(entries)


def parse(field: Field, value: Any) -> Any:
    """What was typed (a form field, a spreadsheet cell) as the field's typed value; None
    for blank. Raises ValueError with the rule, in Chinese."""
    if blank(value):
        return None
    text = str(value).strip()
    if field.type in ("yes_no", "stories"):
        if isinstance(value, bool):
            return value
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError("应填“是”或“否”")
    if field.type == "grade":
        for key, word in field.declaration.grades.items():
            if text == word or text.lower() == key.lower():
                return key
        raise ValueError(f"应填{_words(field.choices)}")
    if field.type == "points":
        return _entries(field, text)
    number = _number(field, text)
    return int(number) if field.type == "count" else number.quantize(CENT)


def stored(field: Field, value: Any) -> Any:
    """A typed value as it is stored and given to the rubric (JSON); None: no value."""
    if value is None or (field.type == "stories" and not value):
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if field.type == "points":
        return [{"points": f"{p:f}", "reason": r} for p, r in value]
    return value


def loaded(field: Field, value: Any) -> Any:
    """A stored value as the field's typed value."""
    if value is None:
        return None
    if field.type in ("decimal", "percentage"):
        return Decimal(value)
    if field.type == "points":
        return tuple((Decimal(e["points"]), e["reason"]) for e in value)
    return value


def shown(field: Field, value: Any) -> str:
    """A typed value as the form and the spreadsheet write it."""
    if value is None:
        return ""
    if field.type in ("yes_no", "stories"):
        return "是" if value else "否"
    if field.type == "grade":
        return field.declaration.grades.get(value, value)
    if field.type == "points":
        return "；".join(f"{fmt(p)}：{r}" for p, r in value)
    return str(value)


def unit_fields(rubric: Rubric, category: str, source: str = "office") -> tuple[Field, ...]:
    """The fields of the facts that count for a category."""
    counted = counted_facts(rubric, category)
    return tuple(f for f in fields(rubric, source) if f.fact in counted)


def story_levels(rubric: Rubric) -> dict[str, str]:
    """The levels of the rubric's (first) stories fact, whose stories the office enters
    one by one (media_stories), by key."""
    return next((dict(f.levels) for f in rubric.facts.values() if f.type == "stories"), {})
