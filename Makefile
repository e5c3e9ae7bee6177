# The two commands a newcomer needs: `make run` and `make test`.
# Each creates the virtual environment on first use and installs into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch first, pinned, so pip takes the CPU build rather than a multi-GB CUDA one.
# Elsewhere than this machine, point it at PyTorch's CPU wheels, e.g.
#   make install TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
TORCH_VERSION := 2.13.0
TORCH_INDEX_URL ?=
STAMP := $(VENV)/.installed

.PHONY: help install run chat index test lint eval bench bench-bot bench-scale clean

help:
	@echo "make run     build/update the index, then start the bot (Telegram if TELEGRAM_BOT_TOKEN is set, else a terminal chat)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff check"
	@echo "make eval    retrieval/answer quality on ../shared/eval (or EVAL=path)"
	@echo "make bench   performance benchmark (BENCH_ARGS=--quick for a short run)"
	@echo "make bench-scale  segmented index at 100,000 chunks (BENCH_ARGS=--tiers 100k,1m for 1M)"
	@echo "make clean   remove the built index and caches (keeps .venv)"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/storybot index
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		exec $(BIN)/storybot run; \
	else \
		echo "TELEGRAM_BOT_TOKEN is not set: starting a terminal chat instead (same answers as the bot)."; \
		exec $(BIN)/storybot chat; \
	fi

chat: install
	$(BIN)/storybot chat

index: install
	$(BIN)/storybot index

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

EVAL ?= ../shared/eval/xquad_vi_dev
eval: install
	$(BIN)/storybot eval $(EVAL)

BENCH_ARGS ?=
bench: install
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

bench-bot: install
	$(BIN)/python bench/bot_latency.py

bench-scale: install
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

clean:
	rm -rf data/index .pytest_cache .ruff_cache
