"""No item id or fact name of the default rubric is written in the engine's code: scoring/
reads them from the rubric file. (The bot's modules follow in the next phase.)"""
from __future__ import annotations

import ast
from pathlib import Path

from scoring import default_rubrics

SCORING = Path(__file__).resolve().parents[2] / "scoring"


def names_in_the_default_file() -> set[str]:
    rubric = default_rubrics().latest
    return {i.id for i in rubric.items} | set(rubric.facts)


def strings_in(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_the_engine_names_no_item_or_fact_of_the_default_rubric():
    names = names_in_the_default_file()
    found = [f"{path.relative_to(SCORING.parent)}:{line}: {text!r}"
             for path in sorted(SCORING.rglob("*.py")) for line, text in strings_in(path)
             if text in names]
    assert found == []


def test_the_scan_would_find_a_name_written_in_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docstring naming staff_on_post is fine."""\nFACT = "staff_on_post"\n',
                      encoding="utf-8")
    assert [text for _, text in strings_in(sample) if text in names_in_the_default_file()] == [
        "staff_on_post"]
