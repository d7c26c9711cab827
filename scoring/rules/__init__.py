"""The rule kinds a rubric file's items may use, one module each (scoring.rules.kinds
lists them)."""
