# Two commands: `make run` and `make test`. Both set up .venv on first use.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=
JS     := tests/js
APT    := env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

.PHONY: setup js browser run test lint unit bench soak clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The JS SDK the flow tests run under node (tests/js), installed exactly as locked, again only
# when the lock changes. Without npm the JS flow tests skip, except in CI where they fail.
js: $(JS)/node_modules/.installed

$(JS)/node_modules/.installed: $(JS)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(JS) --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ -n "$$CI" ]; then echo "npm is required in CI (tests/js)" >&2; exit 1; \
	else echo "npm not found: the JS SDK flow tests will skip" >&2; fi

# Debian's chromium for the console's browser tests (Playwright drives it; it never downloads a
# browser of its own). Installed with apt-get as root, or through sudo; without either the
# browser tests skip, except in CI where they fail.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then $(APT) || (apt-get update -qq && $(APT)); \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		sudo $(APT) || (sudo apt-get update -qq && sudo $(APT)); \
	elif [ -n "$$CI" ]; then echo "chromium is required in CI (console browser tests)" >&2; exit 1; \
	else echo "chromium not installed: the console browser tests will skip" >&2; fi

run: setup
	$(VENV)/bin/tidewater serve

lint: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: setup js browser
	$(VENV)/bin/pytest -q -n 2 $(PYTEST_ARGS)
	TIDEWATER_TEST_BACKEND=postgresql $(VENV)/bin/pytest -q -n 2 $(PYTEST_ARGS)

test: lint unit

# Requests, activities and two nodes against moto_server and the bare stack (bench/compare.py,
# installs wrk from Debian's packages when missing), then 10,000 groups / 100,000 instances per
# cloud (bench/scale.py, about ten minutes; BENCH_SCALE="--groups 200 --instances 2000" for less).
BENCH_SCALE ?= --groups 10000 --instances 100000
bench: setup
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev,bench]'
	$(PY) bench/compare.py
	$(PY) bench/scale.py $(BENCH_SCALE) --record

# Two nodes on a fresh PostgreSQL database under mixed AWS/ESS traffic (docs/soak.md).
# Options: make soak SOAK_ARGS="--seconds 60 --clients 8"
soak: setup
	$(PY) bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) $(JS)/node_modules .tidewater .pytest_cache .mypy_cache .ruff_cache .hypothesis
