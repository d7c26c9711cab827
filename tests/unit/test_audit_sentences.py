"""Every kind of audit entry reads as one Chinese sentence: when in Shanghai time, who, what,
on which unit and period, the old and the new value in words."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import audit
from bot.office.audit_sentences import WORDINGS, line, sentence
from bot.office.audit_words import Names
from bot.office.rubric_words import RubricWords
from scoring import default_rubrics, load_rubrics
from storage.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)          # 10:00 in Shanghai
NAMES = Names(units={3: "团县委", 5: "县委党校"}, liaisons={"wecom:ZhangSan": "张三"},
              liaison_ids={"7": "wecom:ZhangSan", "8": "dingtalk:0123"},
              accounts={"2": "demo"}, items={"9": ("photo", "2026-03"), "10": ("text", "2026-02")},
              rubric=RubricWords.of(default_rubrics()))
WAIVED, EXEMPT = audit.EXCUSES["waived"], audit.EXCUSES["exempt"]
STORY = {"story": "志愿服务进社区", "level": "province", "published_on": "2026-03-01",
         "outlet": "学习强国", "link": "", "unit": "团县委", "quarter": "2026Q1"}
DAYS = {"holidays": [{"name": "春节", "first": "2027-02-05", "last": "2027-02-13"}],
        "workdays": ["2027-02-20"]}

# change: (actor, entity id, old, new, unit id, the sentence after "2026-03-20 10:00:00，")
EXAMPLES = {
    audit.UNIT_CREATED: ("cli:root", "3", None, {"name": "团县委", "category": "key"}, 3,
                         "命令行用户 root 新增单位「团县委」（重点考核单位）"),
    audit.UNIT_UPDATED: ("cli:root", "3", {"category": "department"}, {"category": "key"}, 3,
                         "命令行用户 root 修改单位「团县委」：类别 县直部门 → 重点考核单位"),
    audit.LIAISON_BOUND: ("admin:chief", "wecom:ZhangSan", {"unit_id": 5, "display_name": None},
                          {"unit_id": 3, "display_name": "张三"}, 3,
                          "后台用户 chief 将联络员张三绑定到「团县委」（原属「县委党校」），姓名记为「张三」"),
    audit.LIAISON_UPDATED: ("cli:root", "wecom:ZhangSan", {"display_name": "", "phone": ""},
                            {"display_name": "张三", "phone": "0916-6212345"}, 3,
                            "命令行用户 root 更新联络员张三（团县委）的信息，姓名记为「张三」，"
                            "电话记为「0916-6212345」"),
    audit.LIAISON_MOVED: ("admin:chief", "dingtalk:0123", {"unit_id": 5}, {"unit_id": 3}, 3,
                          "后台用户 chief 将联络员 0123（钉钉）从「县委党校」转到「团县委」"),
    audit.LIAISON_UNBOUND: ("admin:chief", "wecom:ZhangSan", {"unit_id": 5}, {"unit_id": None},
                            5, "后台用户 chief 解除联络员张三与「县委党校」的绑定"),
    audit.CODE_ISSUED: ("admin:chief", "12", None,
                        {"unit_id": 3, "expires_at": "2026-03-27T02:00:00+00:00"}, 3,
                        "后台用户 chief 为「团县委」生成绑定码，有效至 2026-03-27 10:00:00"),
    WAIVED: ("admin:chief", "3:2026-11", {"kind": "exempt", "reason": "停电"},
             {"kind": "waived", "reason": "停电两周"}, 3,
             "后台用户 chief 将「团县委」2026年11月设为豁免，原因：停电两周（原为免报，原因：停电）"),
    EXEMPT: ("demo", "5:2026-03", None, {"kind": "exempt", "reason": "机构改革"}, 5,
             "演示程序将「县委党校」2026年3月设为免报，原因：机构改革"),
    audit.EXCUSE_REMOVED: ("admin:chief", "3:2026-01", {"kind": "waived", "reason": "停电"},
                           None, 3, "后台用户 chief 撤销「团县委」2026年1月的豁免（原因：停电）"),
    audit.FACTS_SET: ("admin:chief", "3:2026Q1",
                      {"services": None, "team_flag": False, "volunteer_hours": "150.5"},
                      {"services": 8, "team_flag": True, "volunteer_hours": "150.5"}, 3,
                      "后台用户 chief 修改「团县委」2026年第一季度的考核事实："
                      "本季度服务次数 未填 → 8；志愿服务队队旗 否 → 是"),
    audit.STORIES_IMPORTED: ("cli:root", "3:2026Q1", None,
                             {"stories": [STORY, {**STORY, "story": "文明实践", "level": "county",
                                                  "published_on": "", "outlet": ""}]}, 3,
                             "命令行用户 root 导入「团县委」2026年第一季度的媒体宣传 2 条："
                             "「志愿服务进社区」（省级，2026-03-01，学习强国）、「文明实践」（县级）"),
    audit.STORY_ADDED: ("admin:chief", "4", None, STORY, 3,
                        "后台用户 chief 为「团县委」2026年第一季度添加媒体宣传"
                        "「志愿服务进社区」（省级，2026-03-01，学习强国）"),
    audit.STORY_DELETED: ("admin:chief", "4", {"story": "文明实践", "level": "city",
                                                "quarter": "2026Q1"}, None, 3,
                          "后台用户 chief 删除「团县委」2026年第一季度的媒体宣传「文明实践」（市级）"),
    audit.BONUS_ADDED: ("admin:chief", "6", None, {"unit": "团县委", "year": 2026,
                                                    "kind": "research_visit",
                                                    "level": "provincial", "note": "省委调研"}, 3,
                        "后台用户 chief 为「团县委」2026年度加分：承接实地调研（省级），备注：省委调研"),
    audit.BONUS_DELETED: ("admin:chief", "6", {"year": 2026, "kind": "host_event", "level": None,
                                                "note": ""}, None, 3,
                          "后台用户 chief 删除「团县委」2026年度的加分：承办县中心会议或活动"),
    audit.DEDUCTION_ADDED: ("admin:chief", "2", None, {"unit": "团县委", "year": 2026,
                                                        "points": "1", "kind": "perfunctory",
                                                        "reason": "照片不符"}, 3,
                            "后台用户 chief 为「团县委」2026年度扣 1 分：服务敷衍、搞形式主义，原因：照片不符"),
    audit.DEDUCTION_DELETED: ("admin:chief", "2", {"year": 2026, "points": "0.5",
                                                    "kind": "materials", "reason": "迟报"}, None, 3,
                              "后台用户 chief 删除「团县委」2026年度的扣分 0.5 分：未按要求报送材料（原因：迟报）"),
    audit.TOTAL_SET: ("admin:chief", "3:2025Q4", None, {"unit": "团县委", "total": "86.50",
                                                         "reason": "纸质考核"}, 3,
                      "后台用户 chief 手工录入「团县委」2025年第四季度的总分 86.50，原因：纸质考核"),
    audit.TOTAL_UPDATED: ("admin:chief", "3:2025Q4", {"total": "86.50", "reason": "纸质考核"},
                          {"unit": "团县委", "total": "88", "reason": "纸质考核"}, 3,
                          "后台用户 chief 修改「团县委」2025年第四季度的手工录入：总分 86.50 → 88"),
    audit.TOTAL_DELETED: ("admin:chief", "3:2025Q4", {"unit": "团县委", "total": "88",
                                                       "reason": "纸质考核"}, None, 3,
                          "后台用户 chief 删除「团县委」2025年第四季度手工录入的总分 88（原因：纸质考核），改回按考核事实计分"),
    audit.ITEM_WITHDRAWN: ("liaison:wecom:ZhangSan", "9", {"withdrawn_at": None},
                           {"withdrawn_at": "2026-03-20T02:00:00+00:00"}, 3,
                           "联络员张三撤回「团县委」2026年3月的一条图片"),
    audit.ITEM_REFILED: ("liaison:console:x", "10", {"month": "2026-03"}, {"month": "2026-02"}, 3,
                         "联络员 x（网页控制台）将「团县委」的一条文字从2026年3月改记入2026年2月"),
    audit.REJECTED_FILE_EXPIRED: ("worker", "4", {"path": "incoming/ab/abcd.jpg",
                                                   "size_bytes": 11, "kind": "photo",
                                                   "month": "2026-03", "filename": None,
                                                   "rejected_at": "2026-03-01T02:00:00+00:00"},
                                  {"removed_at": "2026-08-28T02:00:00+00:00",
                                   "file_removed": True}, 3,
                                  "后台任务删除「团县委」2026年3月被退回的一份图片"
                                  "（2026-03-01 10:00:00 退回，保留期已过）"),
    audit.ARRANGEMENT_CREATED: ("admin:chief", "2027", None, DAYS, None,
                                "后台用户 chief 录入2027年放假调休安排：春节 2027-02-05至2027-02-13；"
                                "调休上班 2027-02-20"),
    audit.ARRANGEMENT_UPDATED: ("admin:chief", "2027", DAYS, {"holidays": [], "workdays": []},
                                None, "后台用户 chief 修改2027年放假调休安排：无放假；调休上班 无"
                                "（原为：春节 2027-02-05至2027-02-13；调休上班 2027-02-20）"),
    audit.ARRANGEMENT_DELETED: ("admin:chief", "2027", DAYS, None, None,
                                "后台用户 chief 删除2027年放假调休安排（原为：春节 2027-02-05至2027-02-13；"
                                "调休上班 2027-02-20），改按法定日历和配置文件判断"),
    audit.ACCOUNT_CREATED: ("cli:root", "1", None, {"name": "张三", "role": "viewer"}, None,
                            "命令行用户 root 新建后台账号「张三」（只读）"),
    audit.ACCOUNT_PASSWORD: ("cli:root", "1", None, {"name": "张三"}, None,
                             "命令行用户 root 修改后台账号「张三」的密码"),
    audit.ACCOUNT_DEACTIVATED: ("cli:root", "2", {"active": True}, {"active": False}, None,
                                "命令行用户 root 停用后台账号「demo」"),
    audit.MANUAL_REMINDER: ("cli:root", "2026-03", None,
                            {"outcome": "sent", "units": 3, "liaisons": 4, "forced": True,
                             "next_allowed": "2026-03-23T01:00:00+00:00"}, None,
                            "命令行用户 root 手动发送2026年3月小结提醒：3 个单位、4 名联络员（在提醒时段外发送）"),
    audit.PACK_REQUESTED: ("admin:chief", "4", None, {"quarter": "2026Q1"}, None,
                           "后台用户 chief 申请生成2026年第一季度全部单位台账（证据包 #4）"),
    audit.PACK_DOWNLOADED: ("admin:chief", "4", None,
                            {"quarter": "2026Q1", "size_bytes": 3_865_470_566}, None,
                            "后台用户 chief 下载2026年第一季度全部单位台账（证据包 #4，3.60 GB）"),
    audit.PACK_EXPIRED: ("worker", "4", {"quarter": "2026Q1", "size_bytes": 1_572_864,
                                         "path": "packs/4.zip",
                                         "finished_at": "2026-03-20T02:00:00+00:00"},
                         {"removed_at": "2026-03-27T19:00:00+00:00"}, None,
                         "后台任务删除2026年第一季度全部单位台账（证据包 #4，1.5 MB，"
                         "2026-03-20 10:00:00 生成，保留期已过）"),
    audit.UNIT_PACK_DOWNLOADED: ("admin:chief", "3:2026Q1", None, {"quarter": "2026Q1"}, 3,
                                 "后台用户 chief 下载「团县委」2026年第一季度的台账"),
    audit.MONTH_RETURNED: ("admin:chief", "3:2026-11", None,
                           {"reasons": ["unrelated_photos"], "reason": "照片与活动无关；请换成活动现场照片",
                            "last_day": "2026-12-04"}, 3,
                           "后台用户 chief 退回「团县委」2026年11月的小结，原因：照片与活动无关；"
                           "请换成活动现场照片；2026-12-04（含当日）前补交的按原完成时间计"),
    audit.MONTH_REVIEWED: ("admin:chief", "3:2026-11", None, {}, 3,
                           "后台用户 chief 将「团县委」2026年11月的小结标记为已审核"),
    audit.APPEAL_FILED: ("liaison:wecom:ZhangSan", "4", None,
                         {"month": "2026-11", "text": "当月停电，材料晚交一天"}, 3,
                         "联络员张三就「团县委」2026年11月提出申诉（#4）：当月停电，材料晚交一天"),
    audit.APPEAL_DECIDED["waived"]: ("admin:chief", "4", {"state": "open"},
                                     {"month": "2026-11", "state": "waived",
                                      "reason": "停电属实"}, 3,
                                     "后台用户 chief 处理「团县委」2026年11月的申诉（#4）："
                                     "豁免该月，原因：停电属实"),
    audit.APPEAL_DECIDED["kept"]: ("admin:chief", "4", {"state": "open"},
                                   {"month": "2026-11", "state": "kept", "reason": "无证明材料"},
                                   3, "后台用户 chief 处理「团县委」2026年11月的申诉（#4）："
                                   "维持原判定，原因：无证明材料"),
}


def entry(change, actor="admin:chief", key=None, old=None, new=None, unit=None) -> AuditEntry:
    return AuditEntry(at=AT, actor=actor, action=change.action, entity=change.entity,
                      entity_id=key, old=old, new=new, unit_id=unit)


def test_every_change_a_writer_can_record_has_its_wording_and_an_example_here():
    assert set(WORDINGS) == set(audit.CHANGES.values())
    assert set(EXAMPLES) == set(audit.CHANGES.values())


@pytest.mark.parametrize("change", list(EXAMPLES), ids=lambda c: f"{c.action}-{c.entity}")
def test_each_change_reads_as_one_sentence(change):
    actor, key, old, new, unit, words = EXAMPLES[change]
    assert sentence(entry(change, actor, key, old, new, unit), NAMES) == \
        f"2026-03-20 10:00:00，{words}。"


def test_no_writer_records_around_the_registry():
    """Every audit entry goes through bot.audit.record with a registered change."""
    around = re.compile(r"queries\.audit\(|AuditEntry\(|\baudit\(\s*[\"']|\bChange\(")
    callers = [str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
               if around.search(path.read_text("utf-8")) and path != ROOT / "bot" / "audit.py"]
    assert callers == []
    with pytest.raises(ValueError, match="not a registered change"):
        audit.record(None, AT, "test", audit.Change("archive", "photo", audit.MATERIALS))


def test_a_utc_time_in_the_values_is_shown_in_shanghai_time():
    text = sentence(entry(audit.UNIT_UPDATED, "demo", "5", {"created_at": "2025-12-31T16:00:00+00:00"},
                          {"created_at": "2025-06-30T16:00:00+00:00"}, 5), NAMES)
    assert "登记时间 2026-01-01 00:00:00 → 2025-07-01 00:00:00" in text and "+00:00" not in text


def test_a_liaison_is_named_when_the_database_knows_the_name_and_by_account_when_not():
    bound = entry(audit.LIAISON_BOUND, "liaison:wecom:ZhangSan", "7", {"unit_id": None},
                  {"unit_id": 3, "code": "ABCD2345"}, 3)
    assert sentence(bound, NAMES) == "2026-03-20 10:00:00，联络员张三用绑定码 ABCD2345 绑定到「团县委」。"
    assert sentence(bound, Names(units=NAMES.units)).startswith(
        "2026-03-20 10:00:00，联络员 ZhangSan（企业微信）用绑定码")


def test_a_unit_the_database_no_longer_knows_shows_its_stored_name_or_number():
    deduction = entry(audit.DEDUCTION_ADDED, new={"unit": "县人社局", "year": 2026, "points": "1",
                                                 "kind": "materials", "reason": "迟报"}, unit=99)
    assert "为「县人社局」2026年度扣 1 分" in sentence(deduction, NAMES)
    waived = entry(WAIVED, key="99:2026-02", new={"kind": "waived", "reason": "停电"})
    assert "将「单位#99」2026年2月设为豁免" in sentence(waived, NAMES)


def test_values_of_another_shape_still_read_field_by_field():
    odd = entry(WAIVED, key="3:2026-01", new={"why": "停电"}, unit=3)
    assert sentence(odd, NAMES) == ("2026-03-20 10:00:00，后台用户 chief 记录了一项变更"
                                    "（waived month_excuse 「团县委」）：why 停电。")
    unknown = AuditEntry(at=AT, actor="test", action="archive", entity="photo", entity_id="4",
                         old=None, new=None, unit_id=None)
    assert sentence(unknown, NAMES) == ("2026-03-20 10:00:00，test 记录了一项变更"
                                        "（archive photo 4）：没有记录改动的内容。")


def test_the_demo_s_bonus_entries_without_a_unit_name_read_from_the_unit_column():
    demo = entry(audit.BONUS_ADDED, "demo", "1", None,
                 {"unit_id": 5, "year": 2026, "kind": "endorsement", "level": "county"}, 5)
    assert sentence(demo, NAMES) == ("2026-03-20 10:00:00，演示程序为「县委党校」2026年度加分："
                                     "领导批示（县级主要领导）。")


def test_a_line_carries_time_person_unit_and_kind_for_the_export():
    found = line(entry(WAIVED, key="3:2026-11", new={"kind": "waived", "reason": "停电"}, unit=3),
                 NAMES)
    assert (found.at, found.who, found.unit, found.kind) == (
        "2026-03-20 10:00:00", "后台用户 chief", "团县委", "豁免与免报")


def test_facts_kinds_and_categories_read_in_the_configured_rubric_s_words():
    words = RubricWords.of(load_rubrics("example-district"))
    names = Names(units=NAMES.units, rubric=words)
    facts = entry(audit.FACTS_SET, key="3:2027Q1", old={"has_sign": True},
                  new={"has_sign": False, "service_state": "B"}, unit=3)
    assert sentence(facts, names).endswith(
        "修改「团县委」2027年第一季度的考核事实：统一标识 是 → 否；全国志愿服务信息系统状态 B。")
    bonus = entry(audit.BONUS_ADDED, new={"year": 2027, "kind": "model", "level": "city"}, unit=3)
    assert sentence(bonus, names).endswith("为「团县委」2027年度加分：获评先进典型（市级）。")
    deduction = entry(audit.DEDUCTION_ADDED, new={"year": 2027, "points": "1",
                                                 "kind": "falsified", "reason": "台账不实"}, unit=3)
    assert "扣 1 分：弄虚作假，原因：台账不实" in sentence(deduction, names)
    moved = entry(audit.UNIT_UPDATED, "cli:root", "3", {"category": "station"},
                  {"category": "sub_centre"}, 3)
    assert sentence(moved, names).endswith("修改单位「团县委」：类别 实践所站 → 分中心。")
    assert "经核实服务造假" not in sentence(deduction, names)   # the default's words


def test_without_rubric_words_a_key_reads_as_stored():
    bonus = entry(audit.BONUS_ADDED, new={"year": 2027, "kind": "model", "level": "city"}, unit=3)
    assert sentence(bonus, Names(units=NAMES.units)).endswith("2027年度加分：model（city）。")
