# Two commands do all the set-up: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The suite runs on every core (at most 4), one test file per process at a time, so that a
# file's browser and fixtures are made once: `make test PYTEST_PARALLEL=` runs it in one.
PYTEST_PARALLEL ?= --numprocesses auto --maxprocesses 4 --dist loadfile
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(PY) -m bot init --units examples/units.csv
	@echo "控制台（扮演联络员）: http://127.0.0.1:$${PORT:-8000}/console"
	@echo "办公室控制台: http://127.0.0.1:$${PORT:-8000}/admin （演示账号和密码见上）"
	HOST=$${HOST:-127.0.0.1} PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -p $${PORT:-8000}

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	scripts/ensure-chromium
	$(PY) -m pytest $(PYTEST_PARALLEL)

bench: $(STAMP)
	$(PY) bench/photos.py

clean:
	rm -rf $(VENV) var
