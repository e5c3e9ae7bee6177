"""Installing as the Dockerfile's build stage and an installed tool do, in a fresh virtual environment.

The build stage's COPY and RUN steps are replayed in order in a temporary folder,
with a new virtual environment for /opt/venv. That environment sees this one's
packages (a .pth file), so the lock file's pins must already be met and nothing
is downloaded but the build backend; PyTorch's CPU index, which only the image
build reaches, is left out of the torch step (its pin is still checked). Then
the installed `storybot` is run from a folder that is not a checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import venv
from pathlib import Path

import pytest

from .test_docker import instructions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Replay the build stage; returns the folders it made."""
    tmp = tmp_path_factory.mktemp("docker-build")
    opt, src, env_dir = tmp / "opt", tmp / "src", tmp / "opt" / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    purelib = next(env_dir.glob("lib/python*/site-packages"))
    (purelib / "outer-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    src.mkdir()
    env = {
        **os.environ,
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "XDG_DATA_HOME": str(tmp / "share"),
    }
    env.pop("VIRTUAL_ENV", None)
    steps = instructions()
    first, second = [i for i, (word, _) in enumerate(steps) if word == "FROM"][:2]
    stage = steps[first:second]
    ran = []
    for word, args in stage:
        if word == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                target = src / source
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(ROOT / source, target)
        elif word == "RUN":
            if args.startswith("python -m venv"):
                continue  # made above, seeing this environment's packages
            command = args.replace('--index-url "${TORCH_INDEX_URL}" ', "").replace("/opt/", f"{opt}/")
            result = subprocess.run(
                ["sh", "-c", command], cwd=src, env=env, capture_output=True, text=True, timeout=600, check=False
            )
            assert result.returncode == 0, f"RUN {args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            ran.append((command, result.stdout + result.stderr))
    # No pin of the lock file was missing from this environment: nothing but the package was installed.
    lock_step = next(out for command, out in ran if "-r requirements.lock" in command)
    assert "Successfully installed" not in lock_step, lock_step[-2000:]
    return {"opt": opt, "bin": env_dir / "bin", "share": tmp / "share", "tmp": tmp, "env": env}  # type: ignore[dict-item]


def storybot(built, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in built["env"].items() if not k.startswith(("STORYBOT_", "TELEGRAM_"))}
    return subprocess.run(
        [str(built["bin"] / "storybot"), *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=300
    )


def test_the_image_build_steps_install_the_package_and_build_the_seed_index(built):
    result = storybot(built, "check", "--index-dir", str(built["opt"] / "storybot" / "index"), cwd=built["tmp"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: index gen-") and "1 article(s)" in result.stdout
    seeds = sorted(p.name for p in (built["opt"] / "storybot" / "seeds").iterdir())
    assert seeds == sorted(p.name for p in (ROOT / "seeds").iterdir())


def test_installed_tool_works_from_any_folder_with_the_user_data_dir(built):
    elsewhere = built["tmp"] / "elsewhere"
    elsewhere.mkdir()
    version = storybot(built, "--version", cwd=elsewhere)
    assert version.returncode == 0, version.stderr
    data = built["share"] / "storybot"
    assert re.match(r"storybot \d+\.\d+\.\d+ \(storybot-quotes", version.stdout)
    assert f"articles: {data / 'articles'}" in version.stdout
    answer = storybot(built, "ask", "ai buoc toi 4 nguoi trung quoc", cwd=elsewhere)
    assert answer.returncode == 0, answer.stderr
    assert "4 người Trung Quốc đại lục" in answer.stdout
    # First use: the bundled seed articles were copied into the user data directory and indexed there.
    assert sorted(p.name for p in (data / "articles").iterdir()) == sorted(p.name for p in (ROOT / "seeds").iterdir())
    assert (data / "index" / "CURRENT").is_file()


def test_the_wheel_declares_its_licence_and_data_without_warnings(built, tmp_path):
    pip = [str(built["bin"] / "python"), "-m", "pip"]
    result = subprocess.run(
        [*pip, "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env=built["env"],
    )
    warnings = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if re.search(r"warning|deprecat", line, re.I) and "byte-compiling is disabled" not in line
    ]
    assert not [w for w in warnings if "Location" not in w], warnings  # pip's notes on local indexes aside
    import zipfile

    names = zipfile.ZipFile(next(tmp_path.glob("storybot_quotes-*.whl"))).namelist()
    shipped = {f"{d}/data/{p.name}" for d in ("answer", "evaluation") for p in (ROOT / d / "data").iterdir()}
    assert shipped <= set(names), shipped - set(names)  # every data file the core reads is in the wheel
    assert any(n.startswith("index/seeds/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(next(tmp_path.glob("*.whl"))).read(metadata).decode()


def test_lock_files_pin_every_dependency_of_pyproject():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for lock, requirements in (
        ("requirements.lock", project["dependencies"]),
        ("requirements-dev.lock", project["dependencies"] + project["optional-dependencies"]["dev"]),
    ):
        pinned = {
            canonicalize_name(line.split("==")[0])
            for line in (ROOT / lock).read_text(encoding="utf-8").splitlines()
            if "==" in line and not line.startswith("#")
        }
        missing = sorted(n for r in requirements if (n := canonicalize_name(Requirement(r).name)) not in pinned)
        assert not missing, f"{lock} lacks {missing}: run `make lock` after changing pyproject.toml"
        cuda = sorted(n for n in pinned if n.startswith("nvidia-") or n == "triton")
        assert not cuda, f"{lock} pins CUDA libraries {cuda}: run `make lock TORCH_INDEX_URL=...` (the CPU wheels)"
