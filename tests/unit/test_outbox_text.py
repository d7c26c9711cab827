"""Texts within WeCom's 2048 bytes: split at lines, and a burst of receipts coalesced."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.outbox import coalesce
from bot.channels.sending import split_text, utf8_len
from bot.messages import MonthLines, Receipt, Reply


def receipt(n: int, photos: int, totals: str = "本月累计", owed: str | None = None) -> Reply:
    return Reply(receipt=Receipt(
        recorded=f"已记录：图片 1 张（拍摄于 2026-03-1{n % 10} 09:30）",
        at=f"时间：2026-03-20 10:00:{n:02d}",
        month=MonthLines("县委党校", "2026-03", (
            "单位：县委党校　月份：2026年3月", f"{totals}：文字 120 字，图片 {photos} 张",
            "状态：已齐全，按时报送（完成于 2026-03-20 10:00:00，截止 2026-03-25 00:00 前）")),
        owed=owed))


def texts(*values: str) -> list[Reply]:
    return [Reply(v) for v in values]


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_a_short_text_is_one_part_as_it_is():
    assert split_text("状态：已齐全") == ["状态：已齐全"]


def test_a_long_text_splits_at_line_boundaries_within_2048_bytes():
    lines = [f"第 {i} 项：本项得分 0.5 分，依据中心办公室录入的材料。" for i in range(80)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1 and all(utf8_len(p) <= 2048 for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines


def test_one_line_longer_than_the_limit_is_cut_between_characters():
    parts = split_text("字" * 1000)
    assert [len(p) for p in parts] == [682, 318] and all(utf8_len(p) <= 2048 for p in parts)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab字😀\n "), max_size=3000),
       st.integers(min_value=8, max_value=300))
def test_split_parts_fit_and_lose_nothing_but_edge_newlines(text, limit):
    parts = split_text(text, limit)
    assert all(0 < utf8_len(p) <= limit for p in parts)
    assert squeeze("".join(parts)) == squeeze(text)


def test_one_receipt_is_sent_exactly_as_the_handler_wrote_it():
    assert coalesce([receipt(1, 1)]) == [receipt(1, 1).text]


def test_nine_photo_receipts_become_one_message_with_nine_results_and_the_latest_totals():
    [message] = coalesce([receipt(n, n) for n in range(1, 10)])
    assert utf8_len(message) <= 2048
    assert message.startswith("处理结果（共 9 条）：")
    assert [line[:3] for line in message.split("\n") if line[:1].isdigit()] == \
        [f"{n}. " for n in range(1, 10)]
    assert message.count("单位：县委党校　月份：2026年3月") == 1
    assert "本月累计：文字 120 字，图片 9 张" in message and "图片 8 张" not in message
    assert all(f"时间：2026-03-20 10:00:{n:02d}" in message for n in range(1, 10))


def test_a_burst_too_big_for_one_message_is_split_and_keeps_every_result():
    messages = coalesce([receipt(n, n) for n in range(1, 41)])
    assert 1 < len(messages) <= 3 and all(utf8_len(m) <= 2048 for m in messages)
    joined = "\n".join(messages)
    assert all(f"10:00:{n:02d}" in joined for n in range(1, 41))
    assert "图片 40 张" in messages[-1]


def test_a_refusal_between_receipts_is_listed_in_order():
    replies = [receipt(1, 1), Reply("这张图片没有记入：文件不是图片。"), receipt(2, 2)]
    [message] = coalesce(replies)
    assert "2. 这张图片没有记入：文件不是图片。" in message


def test_texts_that_are_not_receipts_are_joined_unchanged():
    assert coalesce(texts("第一段", "第二段")) == ["第一段\n\n第二段"]


def test_nothing_pending_sends_nothing():
    assert coalesce([]) == [] and coalesce(texts("", "\n")) == []


def test_a_burst_of_receipts_naming_a_month_still_owed_names_it_once_at_the_end():
    owed = "提醒：2026年2月小结尚未报齐（已逾期）。如果刚才发的是2月的材料，请回复「补交 2月」，这条会一并移到2月。"
    [message] = coalesce([receipt(n, n, owed=owed) for n in range(1, 4)])
    assert message.count("提醒：") == 1 and message.endswith(owed)


def test_backfill_receipts_saying_that_month_are_coalesced_like_the_others():
    [message] = coalesce([receipt(n, n, totals="该月累计") for n in range(1, 4)])
    assert message.count("该月累计：") == 1 and "图片 3 张" in message


def test_receipts_are_merged_on_their_fields_whatever_their_labels_say():
    reworded = [Reply(receipt=Receipt(
        recorded=f"收到照片 {n}", at=f"于 10:00:{n:02d}",
        month=MonthLines("县委党校", "2026-03", ("县委党校 3 月", f"共 {n} 张", "尚缺文字"))))
        for n in range(1, 4)]
    [message] = coalesce(reworded)
    assert message.startswith("处理结果（共 3 条）：")
    assert message.count("县委党校 3 月") == 1 and "共 3 张" in message and "共 2 张" not in message
    assert "1. 收到照片 1　于 10:00:01" in message


def test_receipts_of_two_months_keep_the_newest_lines_of_each():
    march, april = receipt(1, 1), Reply(receipt=Receipt(
        recorded="已记录：图片 1 张", at="时间：2026-04-02 09:00:00",
        month=MonthLines("县委党校", "2026-04", ("单位：县委党校　月份：2026年4月",
                                                  "本月累计：文字 0 字，图片 1 张", "状态：未齐全"))))
    [message] = coalesce([march, april, receipt(2, 2)])
    assert message.count("月份：2026年3月") == 1 and message.count("月份：2026年4月") == 1
    assert message.index("月份：2026年4月") < message.index("月份：2026年3月")
    assert "图片 2 张" in message


def test_a_receipt_stored_as_json_reads_back_the_same():
    original = receipt(3, 3, owed="提醒：2026年2月小结尚未报齐（已逾期）。").receipt
    assert Receipt.from_stored(original.stored()) == original
