"""The pre-commit hook, run by the real pre-commit against a temporary git repository, offline.

The hook repository is a copy of the working tree's hook files, committed in a temporary git repository; a
temporary project repository refers to it by path and commit in its ``.pre-commit-config.yaml``, as a user's
repository would by URL and tag. pre-commit installs the hook into a fresh virtualenv with ``pip install .``
(once: the second run reuses it). To keep that offline,
pip may not use an index, installs astro-config alone (no dependencies, no build isolation), and the hook
environment finds the dependencies (and hatchling, for the build) through PYTHONPATH pointing at the test
interpreter's site-packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytest.importorskip("pre_commit")
pytest.importorskip("hatchling")  # pip builds the hook without build isolation (offline)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "lint"
HOOK_FILES = ("pyproject.toml", ".pre-commit-hooks.yaml", "astro_config", "schemas", "README.md")


def _has_lint_command() -> bool:
    try:
        import typer.main

        from astro_config.cli import main as cli
    except ImportError:  # pragma: no cover - the CLI module not written yet
        return False
    group = typer.main.get_command(cli.app)
    return "lint" in getattr(group, "commands", {})


pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not _has_lint_command(), reason="the CLI has no lint command yet"),
]


def _git(cwd: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_", "GIT_", "PRE_COMMIT"))}
    home = tmp_path / "home"
    home.mkdir()
    site = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-cache"),
        PIP_NO_INDEX="1",
        PIP_NO_DEPS="1",
        PIP_NO_BUILD_ISOLATION="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_COMPILE="1",
        VIRTUALENV_NO_SETUPTOOLS="1",
        VIRTUALENV_NO_WHEEL="1",
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        PYTHONPATH=os.pathsep.join(sorted(site)),
        NO_COLOR="1",
    )
    return env


def _hook_repo(dest: Path, env: dict[str, str]) -> Path:
    """The working tree's hook files, committed in a git repository of their own (try-repo needs commits)."""
    dest.mkdir()
    for name in HOOK_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    if not (dest / "README.md").exists():
        (dest / "README.md").write_text("# astro-config\n")
    _git(dest, "init", "-q", env=env)
    _git(dest, "add", "-A", env=env)
    _git(dest, "commit", "-q", "-m", "hook", env=env)
    return dest


def _project(dest: Path, hooks: Path, files: dict[str, Path], env: dict[str, str]) -> Path:
    dest.mkdir()
    _git(dest, "init", "-q", env=env)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hooks, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    # This config file is YAML too, and not a values file: leave it out (the docs advise narrowing the hook).
    (dest / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: astro-config-lint\n"
        "        exclude: ^\\.pre-commit-config\\.yaml$\n"
    )
    for name, src in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    (dest / "deploy" / "notes.txt").write_text("not a values file\n")
    _git(dest, "add", "-A", env=env)
    return dest


def _pre_commit(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_hook_manifest() -> None:
    from ruamel.yaml import YAML

    (hook,) = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "astro-config-lint"
    assert hook["entry"] == "astro-config lint"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.ya?ml$"


@pytest.mark.slow
def test_pre_commit_runs_the_hook_on_staged_values_files(tmp_path: Path) -> None:
    env = _env(tmp_path)
    hooks = _hook_repo(tmp_path / "hooks", env)
    project = _project(
        tmp_path / "project",
        hooks,
        {
            "deploy/good.yaml": FIXTURES / "clean-2-sized.yaml",
            "deploy/bad.yml": FIXTURES / "034-flags-global-only.yaml",
        },
        env,
    )
    failed = _pre_commit(project, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "astro-config lint" in output and "Failed" in output
    assert "deploy/bad.yml:5:5: error: global.dagOnlyDeployment.enabled: true here" in output
    assert "[flags-disagree]" in output
    assert "2 files checked: 1 error, 0 warnings in 1 file" in output  # both values files, not notes.txt
    assert "notes.txt" not in output and "good.yaml" not in output

    (project / "deploy" / "bad.yml").unlink()
    _git(project, "add", "-A", env=env)
    passed = _pre_commit(project, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
