"""The README points only at files inside the repository, and the rules are among them."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_the_readme_names_is_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"\]\(([^)#]+)\)", readme) + re.findall(r"`(\.\./[^`]+)`", readme)
    local = [n for n in named if "://" not in n]
    assert "docs/rules.md" in local
    for name in local:
        path = (ROOT / name).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), name


def test_the_rules_as_implemented_include_the_decisions_where_the_rubric_is_silent():
    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "## Decided where the rules are silent" in rules and "refile_minutes" in rules
