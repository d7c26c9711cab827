"""The score writers (bot.tables) take any unit name, even one no database would store."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook

from bot import score_sheets, tables
from bot.office.results import QuarterResult, ScoreRow, YearResult
from scoring import QuarterAssessment, quarter_score, year_score
from scoring.params import DEFAULT
from tests.unit.test_rubric import EXAMPLE

NAMES = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "-1+2", "@SUM(1)", "\t=1", "\r=1",
         "前\x00\x07\x0b后", "孤\udc80代理", "前\ufffe\uffff后", "123", "nan", "清屏\x1b[2J"]


def rows() -> tuple[list[ScoreRow], list[ScoreRow]]:
    score = quarter_score(EXAMPLE)
    quarter = QuarterResult(score.quarter, "key", score.standard, QuarterAssessment(True), score)
    totals = {score.quarter: score.total}
    year = YearResult(year_score({"year": 2026, "quarters": totals}), "2026年", totals, (), {})
    return ([ScoreRow(n, name, "key", quarter, n, len(NAMES)) for n, name in enumerate(NAMES, 1)],
            [ScoreRow(n, name, "key", year, n, len(NAMES)) for n, name in enumerate(NAMES, 1)])


def names_in_xlsx(path) -> list:
    with zipfile.ZipFile(path) as raw:
        assert not re.search(rb"<(\w+:)?f[ >]", raw.read("xl/worksheets/sheet1.xml"))
    book = load_workbook(path)
    sheet = book["重点考核单位"]
    first = 5 if sheet.cell(4, 3).value is None else 4   # under the header row(s)
    names = [sheet.cell(r, 3) for r in range(first, sheet.max_row + 1)]
    assert all(c.data_type == "s" for c in names)
    book.close()
    return [c.value for c in names]


@pytest.mark.parametrize("period", ["quarter", "year"])
def test_every_score_file_is_written_whatever_the_names(period, tmp_path):
    quarter, year = rows()
    table = quarter if period == "quarter" else year
    path = tmp_path / "scores.xlsx"
    if period == "quarter":
        score_sheets.quarter_xlsx(quarter, DEFAULT.rubric, "标题", path)
        header, body = tables.quarter_rows(quarter, DEFAULT.rubric)
    else:
        score_sheets.year_xlsx(year, DEFAULT.rubric, "标题", path)
        header, body = tables.year_rows(year, DEFAULT.rubric)
    shown = names_in_xlsx(path)
    assert shown[0] == NAMES[0] and shown[5] == "前␀␇\n后" and shown[6] == "孤\ufffd代理"
    assert shown[8:10] == ["123", "nan"]     # a name stays text even when it reads as a number
    text = tables.to_csv(header, body)
    text.encode("utf-8")
    names = [r[2] for r in list(csv.reader(io.StringIO(text, newline="")))[1:]]
    assert names[:5] == ["'" + n for n in NAMES[:5]] and names[6] == "孤\ufffd代理"
    assert [d["unit"] for d in json.loads(tables.to_json(table).encode("utf-8"))][6] == "孤\ufffd代理"
    lines = tables.terminal(header, body).encode("utf-8").decode().splitlines()
    assert len(lines) == 1 + len(NAMES) and "\x1b" not in "".join(lines)
