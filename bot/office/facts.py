"""The office's quarter facts: their columns and words, one cell read as a fact, and an
import applied all at once (the spreadsheet itself: bot/office/facts_sheet.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import audit
from bot.office.quarter_totals import apply_totals
from scoring import Quarter
from storage.models import MediaStory, QuarterFact, Unit

YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "n", "no", "false", "0", "×", "✗"}
SATISFACTION = {"优秀": "excellent", "良好": "good", "一般": "fair",
                "excellent": "excellent", "good": "good", "fair": "fair"}
LEVELS = {"县级": "county", "市级": "city", "省级": "province", "国家级": "national",
          "county": "county", "city": "city", "province": "province", "national": "national"}
CATEGORY_WORDS = {"key": "重点", "department": "部门", "stationed": "驻县"}

# (field, header, kind): the facts sheet's columns after 单位, 类别, 季度.
FACT_COLUMNS = (
    ("annual_plan", "年度活动计划一览表（是/否）", "flag"),
    ("annual_summary", "年度工作总结（是/否）", "flag"),
    ("materials_uploaded", "资料上传报送（是/否）", "flag"),
    ("team_flag", "志愿服务队队旗（是/否）", "flag"),
    ("uniforms_sufficient", "志愿者服装满足需要（是/否）", "flag"),
    ("uniforms_worn", "着装参与志愿活动（是/否）", "flag"),
    ("staff_on_post", "在编在岗人数", "count"),
    ("registered_volunteers", "注册志愿者人数", "count"),
    ("trainings", "本季度培训次数", "count"),
    ("service_items", "点单服务项目数", "count"),
    ("services", "本季度服务次数", "count"),
    ("volunteer_hours", "本季度志愿服务总时长（小时）", "hours"),
    ("awareness_rate", "知晓率（%）", "rate"),
    ("brand_plan", "品牌活动实施方案（是/否）", "flag"),
    ("brand_promoted", "创新做法全县推广（是/否）", "flag"),
    ("satisfaction", "满意率（优秀/良好/一般）", "satisfaction"),
    ("media_entered", "媒体宣传已统计（是/否）", "flag"),
)
MAX_NUMBER = 10 ** 9   # beyond any real count; what the columns hold (32-bit, 12 digits)
class FactsFileError(Exception):
    """The file can't be imported; every bad cell is listed by sheet, row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class FactsImport:
    facts: list[tuple[Unit, Quarter, dict[str, Any]]] = field(default_factory=list)
    media: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    has_media_sheet: bool = False
    totals: list[tuple[Unit, Quarter, tuple[Decimal, str] | None]] = field(default_factory=list)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_cell(value: Any, kind: str) -> Any:
    """One cell to its stored value; None for blank. Raises ValueError with the rule."""
    if blank(value):
        return None
    text = str(value).strip()
    if kind == "flag":
        if isinstance(value, bool):
            return value
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError("应填“是”或“否”")
    if kind == "satisfaction":
        if text.lower() not in SATISFACTION:
            raise ValueError("应填优秀、良好或一般")
        return SATISFACTION[text.lower()]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("应填数字") from None
    if not number.is_finite() or number < 0:
        raise ValueError("不能为负数")
    if number > MAX_NUMBER:
        raise ValueError(f"数字太大，不能超过 {MAX_NUMBER}")
    if kind == "count":
        if number != number.to_integral_value():
            raise ValueError("应填整数")
        return int(number)
    if kind == "rate" and number > 100:
        raise ValueError("应在0到100之间")
    return number.quantize(Decimal("0.01"))


def apply_facts(session: Session, data: FactsImport, now: datetime, actor: str) -> int:
    """Store what was read (facts, hand-entered totals, media), with an audit entry per
    change; return the number of unit-quarters whose facts or total changed."""
    changed: set[tuple[int, str]] = set()
    for unit, quarter, values in data.facts:
        fact = session.scalars(select(QuarterFact).where(
            QuarterFact.unit_id == unit.id, QuarterFact.quarter == str(quarter))).first()
        old = {k: _plain(getattr(fact, k)) for k in values} if fact else {}
        if fact is None and all(v is None for v in values.values()):
            continue  # an untouched template row
        if fact is None:
            fact = QuarterFact(unit_id=unit.id, quarter=str(quarter), media_entered=False,
                               updated_at=now, updated_by=actor)
            session.add(fact)
        values = {**values, "media_entered": bool(values.get("media_entered"))}
        new = {k: _plain(v) for k, v in values.items()}
        if new != {k: old.get(k) for k in new}:
            for key, value in values.items():
                setattr(fact, key, value)
            fact.updated_at, fact.updated_by = now, actor
            audit.record(session, now, actor, audit.FACTS_SET, f"{unit.id}:{quarter}",
                         old or None, new, unit_id=unit.id)
            changed.add((unit.id, str(quarter)))
    changed |= apply_totals(session, data.totals, now, actor)
    replaced = set(data.media)
    if data.has_media_sheet:  # the sheet is the whole truth for the quarters it covers
        replaced |= {(unit.id, str(quarter)) for unit, quarter, _ in data.facts}
    for unit_id, quarter in sorted(replaced):
        stories = data.media.get((unit_id, quarter), [])
        session.execute(delete(MediaStory).where(MediaStory.unit_id == unit_id,
                                                 MediaStory.quarter == quarter))
        for story in stories:
            session.add(MediaStory(unit_id=unit_id, quarter=quarter, created_at=now,
                                   created_by=actor, **story))
        audit.record(session, now, actor, audit.STORIES_IMPORTED, f"{unit_id}:{quarter}",
                     None, {"stories": [{**s, "published_on": str(s["published_on"] or "")}
                                        for s in stories]}, unit_id=unit_id)
    session.flush()
    return len(changed)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
