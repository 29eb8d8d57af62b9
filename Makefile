# The few verbs a newcomer needs. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= $(or $(VKB_INDEX),.vkb-index)
PORT   ?= 8501

.PHONY: install system-packages run ingest test lint bench bench-scale clean

install: $(STAMP) system-packages

## Tesseract (Debian tesseract-ocr, tesseract-ocr-swe) reads scanned PDF pages; installed when missing and
## apt-get can run (as root or with sudo), else vkb says at ingest which packages scanned PDFs need.
system-packages:
	@if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx swe; then \
	  SUDO=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo -n"; fi; \
	  if [ "$$(id -u)" -eq 0 ] || [ -n "$$SUDO" ]; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	      tesseract-ocr tesseract-ocr-swe >/dev/null || echo "note: could not install Tesseract; scanned PDFs will not be read"; \
	  else echo "note: install tesseract-ocr and tesseract-ocr-swe to read scanned PDFs"; fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make run: install, ingest data/corpus into $(INDEX), start the app on http://127.0.0.1:$(PORT)
run: install
	$(BIN)/vkb ingest data/corpus --index $(INDEX) --prune
	$(BIN)/vkb app --index $(INDEX) --port $(PORT)

ingest: install
	$(BIN)/vkb ingest data/corpus --index $(INDEX) --prune

## make test: install, then the whole test suite (real model, real Chroma)
test: install
	$(BIN)/python -m pytest

## make lint: ruff (lint, format) and mypy --strict over every package ([tool.mypy]); .ci/run runs it too
lint: install
	$(BIN)/python -m ruff check kb ingest catalogue workspace app vkb_cli tests benchmarks
	$(BIN)/python -m ruff format --check kb ingest catalogue workspace app vkb_cli tests benchmarks
	$(BIN)/python -m mypy

## make bench: ingest and search benchmarks on ../shared/corpus (figures go in the README; ~10 min)
bench: install
	$(BIN)/python benchmarks/ingest_bench.py --corpus ../shared/corpus
	$(BIN)/python benchmarks/search_bench.py --corpus ../shared/corpus --chunks 100000
	$(BIN)/python benchmarks/pdf_bench.py --corpus ../shared/corpus --pages 500

## make bench-scale: 10k and 100k chunks, embedded and against a real Chroma server, with a 1M estimate (~20 min)
bench-scale: install
	$(BIN)/python benchmarks/scale_bench.py --corpus ../shared/corpus --sizes 10000 100000

clean:
	rm -rf $(VENV) .vkb-index .pytest_cache .ruff_cache .mypy_cache
