"""A liaison is called by the office's name, else the platform's, else the account id."""
from __future__ import annotations

from bot.people import liaison_words, with_channel


def test_the_office_s_name_comes_before_the_platform_s():
    assert liaison_words("张三", "张老三", "zhangsan") == "张三"


def test_the_platform_s_name_stands_in_when_the_office_gave_none():
    assert liaison_words("", "张老三", "zhangsan") == "张老三"
    assert liaison_words(None, " 张老三 ", "zhangsan") == "张老三"


def test_the_account_id_stands_in_when_nobody_gave_a_name():
    assert liaison_words("  ", "", "zhangsan") == "zhangsan"
    assert liaison_words(None, None, "0123") == "0123"


def test_the_platform_follows_in_words():
    assert with_channel("张三", "dingtalk") == "张三（钉钉）"
