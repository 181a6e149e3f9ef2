# Two commands: `make test` and `make serve`. Both create .venv and install first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install test serve e2e index eval bench clean load

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

index: $(STAMP)
	$(BIN)/report-assistant index build

serve: $(STAMP) index
	$(BIN)/report-assistant serve --host $(HOST) --port $(PORT)

e2e: $(STAMP) index
	$(BIN)/python -m pytest -m e2e tests/test_e2e_browser.py

eval: $(STAMP) index
	$(BIN)/report-assistant eval retrieval
	$(BIN)/report-assistant eval answers

clean:
	rm -rf $(VENV) .index

# `make load`: serve with LOAD_WORKERS workers on LOAD_PORT, 16 clients × 10 s of distinct questions, stop.
# Against a server you started yourself: $(BIN)/python -m eval.load --url http://HOST:PORT
LOAD_PORT ?= 8765
LOAD_WORKERS ?= 2
load: $(STAMP) index
	@set -e; $(BIN)/report-assistant serve --workers $(LOAD_WORKERS) --port $(LOAD_PORT) --no-access-log \
	  --log-level warning & pid=$$!; trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT; \
	for i in $$(seq 1 240); do $(BIN)/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$(LOAD_PORT)/health', timeout=2)" \
	  2>/dev/null && break; sleep 0.5; done; \
	$(BIN)/python -m eval.load --url http://127.0.0.1:$(LOAD_PORT) --clients 16 --seconds 10 \
	  --label "$(LOAD_WORKERS) workers"
