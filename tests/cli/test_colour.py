"""Colour in the CLI: click's ``style`` for diffs (and lint reports), decided once (``should_color``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from astro_config.cli.options import colorize_diff, should_color
from astro_config.document.writing import unified_diff


def test_colorize_diff() -> None:
    d = unified_diff("a: 1\n", "a: 2\n", "v.yaml")
    c = colorize_diff(d)
    assert "\x1b[31m-a: 1\x1b[0m\n" in c and "\x1b[32m+a: 2\x1b[0m\n" in c and "\x1b[1m--- a/v.yaml\x1b[0m\n" in c
    assert colorize_diff("-x\r\n") == "\x1b[31m-x\x1b[0m\r\n"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_should_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert should_color(_Tty()) and not should_color(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not should_color(_Tty())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert should_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not should_color(_Tty())
    closed = _Tty()
    closed.close()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR")
    assert not should_color(closed)


def test_an_edit_diff_is_coloured_for_a_colour_terminal_only(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text("a: 1\n")
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    run = [sys.executable, "-m", "astro_config", "set", str(f), "a=2", "--diff-file", str(f) + ".patch"]
    coloured = subprocess.run(run, env={**base, "FORCE_COLOR": "1"}, capture_output=True, text=True, timeout=60)
    assert coloured.returncode == 0 and "\x1b[31m-a: 1\x1b[0m\n" in coloured.stdout, coloured
    assert "\x1b" not in (f.parent / "v.yaml.patch").read_text()  # the --diff-file is always plain
    plain = subprocess.run(run[:-2], env={**base, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and "-a: 1\n" in plain.stdout and "\x1b" not in plain.stdout, plain
