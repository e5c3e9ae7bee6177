"""compose.yaml (no container engine runs here): its services, and every setting it gives is one storybot reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = "\n".join(p.read_text(encoding="utf-8") for d in ("index", "bot", "cli", "answer", "ingest") for p in
                    (ROOT / d).glob("*.py"))


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_services() -> None:
    services = _compose()["services"]
    assert set(services) == {"qdrant", "postgres", "indexer", "bot-1", "bot-2", "proxy"}
    for bot in ("bot-1", "bot-2"):
        env = services[bot]["environment"]
        assert env["STORYBOT_QDRANT_SYNC"] == "0" and env["STORYBOT_WEBHOOK_URL"].endswith("/storybot")
        assert services[bot]["command"] == ["storybot", "run"]
        # The replicas share one token, so Telegram's flood limit: each is told how many share it.
        assert env["STORYBOT_REPLICAS"] == str(sum(name.startswith("bot-") for name in services))
    assert "STORYBOT_QDRANT_SYNC" not in services["indexer"]["environment"]  # the one writer of the collection


def test_settings_are_ones_storybot_reads() -> None:
    for name, service in _compose()["services"].items():
        for key in service.get("environment", {}):
            if key.startswith(("STORYBOT_", "TELEGRAM_")) and key != "STORYBOT_DOMAIN":
                assert f'"{key}"' in SOURCES, f"{name}: {key} is not read by storybot"


def test_proxy_reaches_both_replicas_on_their_port() -> None:
    services = _compose()["services"]
    caddy = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    upstreams = re.findall(r"(bot-\d):(\d+)", caddy)
    assert {u for u, _ in upstreams} == {"bot-1", "bot-2"}
    assert {p for _, p in upstreams} == {services["bot-1"]["environment"]["STORYBOT_WEBHOOK_PORT"]}
    assert "/storybot" in caddy
