"""The rubric's words, defined once: unit categories, items, month statuses, media levels
and satisfaction ratings. The engine's reasons, the liaisons' replies, the office console
and the exports all read them from here."""
from __future__ import annotations

from typing import Mapping

CATEGORY_TITLES: Mapping[str, str] = {
    "key": "重点考核单位", "department": "县直部门", "stationed": "驻县单位"}

ITEM_TITLES: Mapping[str, str] = {
    "1.1": "年度活动计划一览表",
    "1.2": "年度工作总结",
    "1.3": "资料上传（报送）",
    "2.1": "志愿服务队队旗",
    "2.2": "服装满足需要",
    "2.3": "着装参与",
    "2.4": "注册率",
    "2.5": "培训",
    "3.1": "服务次数",
    "3.2": "参与率",
    "3.3": "知晓率",
    "4.1": "品牌活动实施方案",
    "4.2": "创新做法在全县推广",
    "5": "媒体宣传",
    "6.1": "月度小结",
    "6.2": "满意率",
}

# by MonthStatus value
STATUS_LABELS: Mapping[str, str] = {
    "on_time": "按时", "late": "逾期", "missing": "未报", "pending": "未到期",
    "waived": "已豁免", "exempt": "免报"}

MEDIA_LEVEL_TITLES: Mapping[str, str] = {
    "county": "县级", "city": "市级", "province": "省级", "national": "国家级"}

SATISFACTION_TITLES: Mapping[str, str] = {"excellent": "优秀", "good": "良好", "fair": "一般"}
