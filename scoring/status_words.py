"""The month statuses' Chinese words (by MonthStatus value)."""
from __future__ import annotations

from typing import Mapping

STATUS_LABELS: Mapping[str, str] = {
    "on_time": "按时", "late": "逾期", "missing": "未报", "pending": "未到期",
    "waived": "已豁免", "exempt": "免报", "not_due": "非报送月"}
