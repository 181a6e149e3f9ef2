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

load: $(STAMP)
	$(BIN)/python -m eval.load --url http://$(HOST):$(PORT) --clients 16 --seconds 10
