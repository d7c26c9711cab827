"""Fixtures of the end-to-end tests: the browser (tests/browser.py)."""
from tests.browser import browser  # noqa: F401  (a fixture for the browser tests)
