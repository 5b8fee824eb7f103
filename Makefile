# Two commands set everything up on a fresh machine:
#   make demo   - installs callcheck in .venv, assembles the model, analyses samples/
#   make test   - the same set-up, then the test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
OUT ?= out

.PHONY: setup demo test samples clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/callcheck models install
	touch $@

demo: setup
	@mkdir -p $(OUT)
	@for call in samples/*.wav; do \
		name=$$(basename $$call .wav); \
		$(BIN)/callcheck analyze $$call --format json,md,html -o $(OUT) || exit 1; \
		cat $(OUT)/$$name.md; echo; \
	done
	@echo "Reports written to $(OUT)/"

test: setup
	$(BIN)/ruff check src tests scripts
	$(BIN)/python -m pytest

samples: setup
	$(BIN)/python scripts/make_samples.py --out samples

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
