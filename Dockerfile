# syntax=docker/dockerfile:1
# storybot: the Telegram bot with its bundled model and an index of the shipped articles.
#
#   docker build -t storybot .
#   docker run -d --name storybot -e TELEGRAM_BOT_TOKEN=123456:ABC... -v storybot-data:/data storybot
#
# Articles and index live on the /data volume (a named volume or a bind mount, which
# the entrypoint seeds and hands to the storybot user, uid 10001). Add articles to
# /data/articles and run `docker exec -u storybot storybot storybot index`: the running bot switches
# to the new index. Webhook mode: add -e STORYBOT_WEBHOOK_URL=https://... -p 8443:8443.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtual environment with the dependencies, then the package, then the seed index
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src

# The CPU build of torch, installed before the rest so that the lock file's torch==2.13.0
# is already met and pip never fetches the multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0

# Dependencies from the lock file alone: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md LICENSE ./
COPY index ./index
COPY bot ./bot
COPY ingest ./ingest
COPY answer ./answer
COPY seeds ./seeds
RUN pip install --no-deps .

# The seed articles' index, built once here so that the first start answers at once.
RUN mkdir -p /opt/storybot \
    && cp -a seeds /opt/storybot/seeds \
    && storybot index --articles /opt/storybot/seeds --index-dir /opt/storybot/index

# --- runtime: the environment and the seeds, without pip's build leftovers
FROM ${PYTHON_IMAGE}

# tini as PID 1 forwards SIGTERM to the bot (python as PID 1 would ignore it during start).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 storybot

COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/storybot /opt/storybot
COPY docker/entrypoint.sh /usr/local/bin/storybot-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STORYBOT_ARTICLES=/data/articles \
    STORYBOT_INDEX_DIR=/data/index \
    STORYBOT_WEBHOOK_LISTEN=0.0.0.0 \
    STORYBOT_WEBHOOK_PORT=8443

VOLUME ["/data"]
EXPOSE 8443
# Reads the index without loading the model: about a second.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["storybot", "check"]

# The entrypoint starts as root to prepare /data, then runs the command as storybot.
ENTRYPOINT ["tini", "--", "storybot-entrypoint"]
CMD ["storybot", "run"]
