"""The README is the contract: every ```console block's command is run and its output must match exactly.

Regenerate the outputs after an intended change with ASTRO_CONFIG_UPDATE_GOLDEN=1 (then read the diff).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest
from conftest import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (?P<cmd>[^\n]*)\n(?P<out>.*?)```", re.S)
UPDATE = os.environ.get("ASTRO_CONFIG_UPDATE_GOLDEN") == "1"


def blocks() -> list[tuple[str, str]]:
    return [(m.group("cmd"), m.group("out")) for m in BLOCK.finditer(README.read_text())]


def execute(cmd: str) -> str:
    argv = shlex.split(cmd)
    assert argv[0] == "astro-config", cmd
    merge = argv[-1] == "2>&1"
    if merge:
        argv = argv[:-1]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONUNBUFFERED": "1", "TERM": "dumb"}
    env.pop("ASTRO_PLATFORM_VERSION", None)
    env.pop("GITHUB_ACTIONS", None)
    r = subprocess.run(
        [sys.executable, "-m", "astro_config", *argv[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge else subprocess.PIPE,
        text=True,
        timeout=120,
    )
    out = r.stdout
    if r.returncode != 0:
        out += f"[exit {r.returncode}]\n"
    return out


def test_readme_has_examples() -> None:
    assert len(blocks()) >= 8


@pytest.mark.parametrize(("cmd", "expected"), blocks(), ids=[c for c, _ in blocks()])
def test_readme_example_output(cmd: str, expected: str) -> None:
    actual = execute(cmd)
    if UPDATE and actual != expected:
        text = README.read_text()
        text = text.replace(f"```console\n$ {cmd}\n{expected}```", f"```console\n$ {cmd}\n{actual}```", 1)
        README.write_text(text)
        return
    assert actual == expected
