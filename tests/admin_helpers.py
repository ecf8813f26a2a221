"""Running the installed ``astro-config`` command (a real process, through bash where a shell feature is tested)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample-values"


def program() -> list[str]:
    script = Path(sys.executable).with_name("astro-config")
    return [str(script)] if script.exists() else [sys.executable, "-m", "astro_config"]


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("ASTRO_PLATFORM_VERSION", "GITHUB_ACTIONS")}
    out.update(NO_COLOR="1", TERM="dumb", COLUMNS="200")
    return out


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``astro-config ARGS`` as a process; ``stdin`` is piped in (else standard input is /dev/null)."""
    return subprocess.run(
        [*program(), *args],
        input=stdin.decode("utf-8") if stdin is not None else None,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd or SAMPLES,
        env=env(),
        timeout=120,
    )


def bash(script: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A bash command line in which ``astro-config`` is the installed command (pipes, ``<(...)``)."""
    command = " ".join(shlex.quote(p) for p in program())
    return subprocess.run(
        ["bash", "-c", f'astro_config() {{ {command} "$@"; }}\n{script}'],
        capture_output=True,
        text=True,
        cwd=cwd or SAMPLES,
        env=env(),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
