# storybot: the Telegram bot with its bundled model and an index of the shipped articles.
#
#   docker build -t storybot .
#   docker run -d --name storybot -e TELEGRAM_BOT_TOKEN=123456:ABC... -v storybot-data:/data storybot
#
# Articles and index live on the /data volume. A named volume starts as a copy of
# what the image holds (the seed articles and their index, built below); add
# articles to /data/articles and run `docker exec storybot storybot index`, and
# the running bot switches to the new index.

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    STORYBOT_ARTICLES=/data/articles \
    STORYBOT_INDEX_DIR=/data/index

# The CPU build of torch, installed before the package so that its torch==2.13.0
# requirement is already met and pip never fetches the multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY index ./index
COPY bot ./bot
COPY ingest ./ingest
RUN pip install . \
    && useradd --create-home --uid 10001 storybot \
    && mkdir -p /data/articles /data/index \
    && chown -R storybot:storybot /data

COPY --chown=storybot:storybot seeds/ /data/articles/

USER storybot
# Build the index now, so the first start answers at once.
RUN storybot index

VOLUME ["/data"]
CMD ["storybot", "run"]
