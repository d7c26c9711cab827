"""No item id or fact name of the default rubric is written in the code: bot/, storage/
and scoring/ read them from the rubric file (its facts, items and categories), so that
another rubric needs no code. The rubric files and the migrations (which move the data
stored under the old names) are not code of this kind. A string that happens to read like
a name but means something else says so on its line: `# rubric-scan: <what it is>`."""
from __future__ import annotations

import ast
from pathlib import Path

from scoring import default_rubrics

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "storage", "scoring")
MARK = "# rubric-scan:"


def names_in_the_default_file() -> set[str]:
    rubric = default_rubrics().latest
    return {i.id for i in rubric.items} | set(rubric.facts)


def strings_in(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant but docstrings and marked lines."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and MARK not in lines[node.lineno - 1]]


def scanned_files() -> list[Path]:
    return [path for folder in SCANNED for path in sorted((ROOT / folder).rglob("*.py"))
            if "migrations" not in path.relative_to(ROOT).parts]


def test_no_code_names_an_item_or_a_fact_of_the_default_rubric():
    names = names_in_the_default_file()
    found = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
             for path in scanned_files() for line, text in strings_in(path) if text in names]
    assert found == []


def test_the_scan_covers_the_bot_the_storage_and_the_engine_but_not_migrations():
    parts = {path.relative_to(ROOT).parts[0] for path in scanned_files()}
    assert parts == set(SCANNED)
    assert ROOT / "bot" / "office" / "fact_fields.py" in scanned_files()
    assert not any("versions" in p.parts and "storage" in p.parts for p in scanned_files())


def test_the_scan_would_find_a_name_written_in_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docstring naming staff_on_post is fine."""\nFACT = "staff_on_post"\n'
                      'ITEM = "3.1"\nOTHER = "media"  # rubric-scan: an audit action\n',
                      encoding="utf-8")
    assert [(line, text) for line, text in strings_in(sample)
            if text in names_in_the_default_file()] == [(2, "staff_on_post"), (3, "3.1")]
