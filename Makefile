# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` installs the app alone; `make test` adds the test tools (Playwright, Schemathesis…).
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench browser clean screenshots

$(APP_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(APP_STAMP)

$(TEST_STAMP): $(APP_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

run: $(APP_STAMP)
	$(BIN)/peilian serve --host 127.0.0.1 --port 8000

# Debian's Chromium drives the page tests; install it when missing (never a browser download).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; }

# pytest exits 5 when it collected nothing: report it rather than fail the build. The tests run
# in two workers per core (pytest-xdist): most of their time is spent waiting on real servers,
# processes and browsers, so a core holds two (on 2 cores: 6 minutes instead of 11).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
test: $(TEST_STAMP) browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

# Refresh the README's pictures (docs/screenshots/) from the page tests that take them.
screenshots: $(TEST_STAMP) browser
	PEILIAN_SCREENSHOTS=1 $(BIN)/python -m pytest -q -n $(TEST_WORKERS) tests/app/pages/test_chat_page.py \
	  tests/app/pages/test_review_pages.py tests/app/pages/test_certification_pages.py

bench: $(TEST_STAMP)
	$(BIN)/python bench/grade.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/variety.py
	$(BIN)/python bench/pacing.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache
