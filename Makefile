# 287(g) Ledger. `make site` builds the site (installing what it needs first); `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The real archive lives in data/ once you import or fetch into it; until then `make site`
# builds the project's own sample archive (not ICE data) in data/sample/.
DATA   ?= $(if $(wildcard data/raw/manifest.csv),data,data/sample)

.PHONY: setup python-deps node-deps browser site test test-fast bench clean

setup: python-deps node-deps

python-deps: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium for the browser tests: Playwright drives it, never a browser download.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (apt)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

site: setup
	@if [ "$(DATA)" = "data/sample" ] && [ ! -f data/sample/raw/manifest.csv ]; then \
	  $(BIN)/ledger --data-dir data/sample sample; fi
	$(BIN)/ledger --data-dir $(DATA) build

test: setup browser
	$(BIN)/pytest -q -ra

test-fast: setup
	$(BIN)/pytest -q -m "not archive and not browser"

bench: setup
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf site data/build data/sample .bench
