"""The Dockerfile and its entrypoint, checked without a container engine.

hadolint lints the Dockerfile; the layer order, health check and ports are read
from it; the entrypoint script runs for real on temporary folders; the install
steps of its build stage run in a fresh virtual environment (tests/test_install.py).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (it is in the dev extra on Linux x86-64)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependencies_are_installed_from_the_lock_before_the_source_is_copied():
    steps = instructions()
    lock_copy = next(i for i, (w, a) in enumerate(steps) if w == "COPY" and a.startswith("requirements.lock"))
    lock_install = next(i for i, (w, a) in enumerate(steps) if w == "RUN" and "-r requirements.lock" in a)
    source_copies = [i for i, (w, a) in enumerate(steps) if w == "COPY" and re.match(r"(index|bot|seeds)\b", a)]
    assert lock_copy < lock_install < min(source_copies)
    assert sum(w == "FROM" for w, _ in steps) >= 2  # multi-stage: the runtime image has no build leftovers


def test_every_copied_file_is_in_the_build_context():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for word, args in instructions():
        if word != "COPY" or args.startswith("--from"):
            continue
        for source in [a for a in args.split() if not a.startswith("--")][:-1]:
            assert (ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source.rstrip("/"), pattern) for pattern in ignored), source


def test_runtime_image_has_init_healthcheck_port_and_no_baked_offline_mode():
    steps = instructions()
    runtime = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    entry = next(a for w, a in runtime if w == "ENTRYPOINT")
    assert entry.startswith('["tini", "--"')
    assert next(a for w, a in runtime if w == "HEALTHCHECK").endswith('CMD ["storybot", "check"]')
    env = " ".join(a for w, a in runtime if w == "ENV")
    assert "STORYBOT_WEBHOOK_LISTEN=0.0.0.0" in env
    port = re.search(r"STORYBOT_WEBHOOK_PORT=(\d+)", env)
    assert port and ("EXPOSE", port.group(1)) in runtime
    assert "HF_HUB_OFFLINE" not in DOCKERFILE.read_text()
    assert any(w == "RUN" and "useradd" in a and "--uid 10001" in a for w, a in runtime)


def run_entrypoint(tmp_path: Path, *command: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STORYBOT_SEEDS": str(tmp_path / "image" / "seeds"),
        "STORYBOT_PREBUILT_INDEX": str(tmp_path / "image" / "index"),
        "STORYBOT_DATA": str(tmp_path / "data"),
        "STORYBOT_ARTICLES": str(tmp_path / "data" / "articles"),
        "STORYBOT_INDEX_DIR": str(tmp_path / "data" / "index"),
        "STORYBOT_USER": user or "root",
    }
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *command], env=env, capture_output=True, text=True, timeout=60, check=True
    )


@pytest.fixture
def image(tmp_path: Path) -> Path:
    """What the image holds under /opt/storybot: two seed articles and their prebuilt index."""
    seeds = tmp_path / "image" / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "a.txt").write_text("Seed A\n\nText A.\n", encoding="utf-8")
    (seeds / "b.txt").write_text("Seed B\n\nText B.\n", encoding="utf-8")
    index = tmp_path / "image" / "index"
    (index / "gen-000001").mkdir(parents=True)
    (index / "CURRENT").write_text("gen-000001\n")
    return tmp_path / "image"


def test_empty_bind_mount_gets_the_seeds_and_the_prebuilt_index(tmp_path, image):
    (tmp_path / "data").mkdir()
    result = run_entrypoint(tmp_path, "echo", "started")
    articles = tmp_path / "data" / "articles"
    assert sorted(p.name for p in articles.iterdir()) == [".seeded", "a.txt", "b.txt"]
    # Copied with its times, so the prebuilt index is current for these files.
    assert (articles / "a.txt").stat().st_mtime_ns == (image / "seeds" / "a.txt").stat().st_mtime_ns
    assert (tmp_path / "data" / "index" / "CURRENT").read_text() == "gen-000001\n"
    assert result.stdout == "started\n" and "added 2 seed article(s)" in result.stderr


def test_old_volume_receives_new_seeds_but_not_deleted_ones(tmp_path, image):
    articles = tmp_path / "data" / "articles"
    index = tmp_path / "data" / "index"
    articles.mkdir(parents=True)
    (index / "gen-000007").mkdir(parents=True)
    (index / "CURRENT").write_text("gen-000007\n")
    (articles / ".seeded").write_text("a.txt\n")  # an older image brought a.txt; the operator deleted it
    (articles / "mine.txt").write_text("Mine\n\nMy article.\n", encoding="utf-8")
    run_entrypoint(tmp_path, "true")
    assert sorted(p.name for p in articles.iterdir()) == [".seeded", "b.txt", "mine.txt"]
    assert (index / "CURRENT").read_text() == "gen-000007\n"  # an existing index is never replaced
    run_entrypoint(tmp_path, "true")  # a restart changes nothing
    assert sorted(p.name for p in articles.iterdir()) == [".seeded", "b.txt", "mine.txt"]
    assert (articles / ".seeded").read_text().splitlines() == ["a.txt", "b.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root, as the container's entrypoint has")
def test_root_owned_bind_mount_is_handed_to_the_bot_user(tmp_path, image):
    (tmp_path / "data" / "articles").mkdir(parents=True)
    (tmp_path / "data" / "articles" / "root.txt").write_text("Root\n\nOwned by root.\n")
    os.chmod(tmp_path, 0o755)
    result = run_entrypoint(tmp_path, "sh", "-c", 'id -un; echo "$HOME"', user="nobody")
    home = subprocess.run(["getent", "passwd", "nobody"], capture_output=True, text=True, check=True).stdout
    # The command runs without root, in the user's own home (model caches, chat history).
    assert result.stdout.split() == ["nobody", home.strip().split(":")[5]]
    nobody = int(subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True, check=True).stdout)
    for path in (tmp_path / "data").rglob("*"):
        assert path.stat().st_uid == nobody, path
