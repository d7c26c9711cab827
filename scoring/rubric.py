"""Score one quarter by the rubric's items (RUBRIC.md "Items of one quarter")."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping

from scoring.calendar import MonthStatus
from scoring.numbers import ZERO, floor_zero, fmt, fmt_rate, round_cent
from scoring.params import DEFAULT, RubricParams
from scoring.periods import Month
from scoring.results import ItemResult, QuarterScore
from scoring.validate import MediaStory, QuarterFacts, parse_quarter_input
from scoring.words import ITEM_TITLES, MEDIA_LEVEL_TITLES, SATISFACTION_TITLES

__all__ = ["DEFAULT", "ItemScore", "RubricParams", "quarter_score", "score_items", "score_quarter"]

# item id: (fact, sentence when it holds, sentence when it does not)
FLAG_ITEMS = {
    "1.1": ("annual_plan", "已按时提交年度活动计划一览表", "未按时提交年度活动计划一览表"),
    "1.2": ("annual_summary", "已提交年度工作总结", "未提交年度工作总结"),
    "1.3": ("materials_uploaded", "已按要求上传报送资料", "未按要求上传报送资料"),
    "2.1": ("team_flag", "志愿服务队有队旗", "志愿服务队没有队旗"),
    "2.2": ("uniforms_sufficient", "志愿服务服装满足需要", "志愿服务服装不能满足需要"),
    "2.3": ("uniforms_worn", "志愿者统一着装参与活动", "志愿者未统一着装参与活动"),
    "4.1": ("brand_plan", "已制定品牌活动实施方案", "未制定品牌活动实施方案"),
    "4.2": ("brand_promoted", "创新做法已在全县推广", "本季度没有在全县推广的创新做法"),
}


@dataclass(frozen=True)
class ItemScore:
    """One item's score (rounded to 0.01), whether its facts are still missing, and why."""

    score: Decimal
    pending: bool
    why: str


def _pending(why: str) -> ItemScore:
    return ItemScore(ZERO, True, why)


def _full(points: Decimal, sentence: str, after: str = "") -> ItemScore:
    return ItemScore(round_cent(points), False, f"{sentence}，得{fmt(points)}分{after}")


def _deducted(top: Decimal, score: Decimal, sentence: str) -> ItemScore:
    score = round_cent(floor_zero(score))
    return ItemScore(score, False, f"{sentence}，扣{fmt(top - score)}分")


def flag_item(item_id: str, holds: bool | None, p: RubricParams) -> ItemScore:
    """Score a yes/no item: its full points when the fact holds, else 0."""
    _, yes, no = FLAG_ITEMS[item_id]
    if holds is None:
        return _pending(f"尚未录入“{ITEM_TITLES[item_id]}”情况")
    if holds:
        return _full(p.item_max(item_id), yes)
    return ItemScore(ZERO, False, f"{no}，不得分")


def _threshold(label: str, value: Decimal, unit: str, threshold: Decimal, top: Decimal,
               cost: Decimal) -> ItemScore:
    shown = f"{label}{fmt_rate(value)}{unit}"
    if value >= threshold:
        return _full(top, f"{shown}，达到{fmt(threshold)}{unit}")
    return _deducted(top, top - cost * (threshold - value),
                     f"{shown}，低于{fmt(threshold)}{unit}")


def registration(staff: int | None, registered: int | None, p: RubricParams) -> ItemScore:
    """Score 2.4: r = registered / staff × 100; full from the threshold, else cost per point."""
    if not staff:
        return _pending("尚未录入在岗职工人数")
    if registered is None:
        return _pending("尚未录入注册志愿者人数")
    rate = Decimal(registered) * 100 / staff
    return _threshold("注册率", rate, "%", p.registration_threshold, p.registration_max,
                      p.registration_cost)


def training(trainings: int | None, p: RubricParams) -> ItemScore:
    """Score 2.5: full points for enough volunteer-team trainings this quarter, else 0."""
    if trainings is None:
        return _pending("尚未录入志愿服务队培训次数")
    if trainings >= p.training_min:
        return _full(p.training_points, f"本季度开展志愿服务队培训{trainings}次")
    if trainings == 0:
        return ItemScore(ZERO, False, "本季度未开展志愿服务队培训，不得分")
    return ItemScore(ZERO, False, f"本季度开展培训{trainings}次，少于{p.training_min}次，不得分")


def services(items: int | None, delivered: int | None, p: RubricParams) -> ItemScore:
    """Score 3.1: the maximum less a cost per service short of the required number."""
    if items is None:
        return _pending("尚未录入点单服务项目数")
    if delivered is None:
        return _pending("尚未录入服务次数")
    few = items <= p.service_items_boundary
    required = p.services_required_few if few else p.services_required_many
    short = max(0, required - delivered)
    sentence = f"点单服务项目{items}项，应服务{required}次，实际{delivered}次"
    if not short:
        return _full(p.services_max, sentence)
    return _deducted(p.services_max, p.services_max - p.services_cost * short, sentence)


def participation(hours: Decimal | None, registered: int | None,
                  p: RubricParams) -> ItemScore:
    """Score 3.2: h = hours / registered volunteers; full from the threshold, else cost."""
    if registered is None:
        return _pending("尚未录入注册志愿者人数")
    if registered == 0:
        return ItemScore(ZERO, False, "没有注册志愿者，不得分")
    if hours is None:
        return _pending("尚未录入志愿服务时长")
    return _threshold("人均志愿服务时长", hours / registered, "小时", p.participation_hours,
                      p.participation_max, p.participation_cost)


def awareness(rate: Decimal | None, p: RubricParams) -> ItemScore:
    """Score 3.3: the phone-survey rate; full from the threshold, else cost per point."""
    if rate is None:
        return _pending("尚未录入电话抽查知晓率")
    return _threshold("电话抽查知晓率", rate, "%", p.awareness_threshold, p.awareness_max,
                      p.awareness_cost)


def media(stories: tuple[MediaStory, ...] | None, p: RubricParams) -> ItemScore:
    """Score 5: each story once at its highest level, summed without a cap."""
    if stories is None:
        return _pending("尚未录入媒体宣传情况")
    best: dict[str, str] = {}
    for s in stories:
        if s.story not in best or p.media_points[s.level] > p.media_points[best[s.story]]:
            best[s.story] = s.level
    if not best:
        return ItemScore(ZERO, False, "本季度没有媒体宣传报道，不得分")
    total = sum((p.media_points[level] for level in best.values()), ZERO)
    levels = sorted(p.media_points, key=p.media_points.__getitem__, reverse=True)
    counts = [f"{MEDIA_LEVEL_TITLES[lv]}{n}项" for lv in levels
              if (n := sum(1 for v in best.values() if v == lv))]
    same = "，同一项目取最高级别" if len(stories) > len(best) else ""
    beyond = "，超出标准分以实际得分为准" if total > p.media_standard else ""
    return _full(total, f"宣传报道{len(best)}项（{'、'.join(counts)}{same}）", beyond)


def monthly_summaries(months: Mapping[Month, MonthStatus] | None,
                      p: RubricParams) -> ItemScore:
    """Score 6.1: the maximum less a cost per late or missing month."""
    if months is None:
        return _pending("尚未录入月度小结情况")
    missed = [(m, s) for m, s in sorted(months.items())
              if s in (MonthStatus.LATE, MonthStatus.MISSING)]
    if missed:
        sentence = "、".join(f"{m.month}月小结{'逾期提交' if s is MonthStatus.LATE else '未报'}"
                            for m, s in missed)
        return _deducted(p.month_max, p.month_max - p.month_miss_cost * len(missed), sentence)
    settled = len(months) == 3 and MonthStatus.PENDING not in months.values()
    return _full(p.month_max, "本季度月度小结无逾期、未报" if settled else "月度小结暂无逾期、未报")


def satisfaction(rating: str | None, p: RubricParams) -> ItemScore:
    """Score 6.2: the platform's rating, or pending while not rated."""
    if rating is None:
        return _pending("平台尚未评价满意率")
    return _full(p.satisfaction_points[rating], f"满意率评价为{SATISFACTION_TITLES[rating]}")


_RULES: dict[str, Callable[[QuarterFacts, RubricParams], ItemScore]] = {
    **{item: (lambda f, p, item=item: flag_item(item, f.flags[FLAG_ITEMS[item][0]], p))
       for item in FLAG_ITEMS},
    "2.4": lambda f, p: registration(f.counts["staff_on_post"],
                                     f.counts["registered_volunteers"], p),
    "2.5": lambda f, p: training(f.counts["trainings"], p),
    "3.1": lambda f, p: services(f.counts["service_items"], f.counts["services"], p),
    "3.2": lambda f, p: participation(f.volunteer_hours, f.counts["registered_volunteers"], p),
    "3.3": lambda f, p: awareness(f.awareness_rate, p),
    "5": lambda f, p: media(f.media, p),
    "6.1": lambda f, p: monthly_summaries(f.months, p),
    "6.2": lambda f, p: satisfaction(f.satisfaction, p),
}


def score_items(facts: QuarterFacts, params: RubricParams = DEFAULT) -> dict[str, ItemScore]:
    """Score the items that apply to the unit's category, in rubric order."""
    return {item: _RULES[item](facts, params) for item in params.applicable(facts.category)}


def quarter_score(data: Mapping[str, Any], params: RubricParams = DEFAULT) -> QuarterScore:
    """Score one unit's quarter from RUBRIC.md's quarter input; raise InputError on bad input."""
    facts = parse_quarter_input(data, params)
    scores = score_items(facts, params)
    total = sum((s.score for s in scores.values()), ZERO)
    standard = params.standard(facts.category)
    percent = round_cent(total * 100 / standard) if standard else ZERO
    items = {item: ItemResult(ITEM_TITLES[item], s.score, round_cent(params.item_max(item)),
                              s.pending, s.why)
             for item, s in scores.items()}
    return QuarterScore(facts.quarter, facts.category, total, standard, percent, items)


def score_quarter(data: Mapping[str, Any], params: RubricParams = DEFAULT) -> dict[str, Any]:
    """Score one unit's quarter as RUBRIC.md's quarter output (decimal strings), for JSON."""
    return quarter_score(data, params).as_dict()
