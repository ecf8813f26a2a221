# ruff: noqa: E501  (a table of exact error messages, one case per line)
"""Bad inputs: each gives one line ``error: FILE:LINE:COL: message`` (where a position exists), exit code 2, no
traceback, and the file is left exactly as it was, through both ``get`` and ``set -w``.

The broken files live in ``sample-values/broken/`` (each says what is wrong in its first line); the others
(missing file, directory, FIFO, device, unreadable, too big) are made here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from astro_config.cli.main import app
from astro_config.document import reader as document

BROKEN = Path(__file__).resolve().parents[2] / "sample-values" / "broken"

# file -> (line, column, message); line None: no position
FILE_CASES: dict[str, tuple[int | None, int | None, str]] = {
    "unclosed-flow.yaml": (4, 10, "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 3)"),
    "bad-indentation.yaml": (4, 2, "YAML syntax error: did not find expected key (while parsing a block mapping at line 2)"),
    "duplicate-keys.yaml": (6, 5, "duplicate key 'enabled' (first at line 4, again at line 6; Helm keeps the last)"),
    "tab-indentation.yaml": (3, 1, "tab character used for indentation (YAML allows spaces only)"),
    "root-is-a-list.yaml": (2, 1, "the top level is a list; a values file must be a mapping of keys"),
    "root-is-a-scalar.yaml": (2, 1, "the top level is a single value; a values file must be a mapping of keys"),
    "two-documents.yaml": (4, 1, "more than one YAML document in the file (a values file holds one)"),
    "undefined-alias.yaml": (5, 15, "alias *limits refers to no anchor defined before it"),
    "merge-of-a-list.yaml": (5, 9, "a merge key (<<) needs a mapping or a list of mappings"),
    "complex-key.yaml": (2, 1, "complex (mapping or list) keys are not supported in values files"),
    "unclosed-quote.yaml": (5, 1, "YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 3)"),
    "bad-character.yaml": (3, 10, "YAML syntax error: found character that cannot start any token"),
    "mapping-in-scalar.yaml": (2, 19, "YAML syntax error: mapping values are not allowed in this context"),
    "invalid-utf8.yaml": (3, 13, "invalid UTF-8 (byte 0xe9); values files must be UTF-8"),
    "nul-byte.yaml": (2, 9, "binary file: NUL byte (not a YAML values file)"),
    "old-mac-line-endings.yaml": (1, 64, "a carriage return without a line feed is a line break in YAML; use LF or CRLF line endings"),
    "line-separator.yaml": (2, 15, "U+2028 (LINE SEPARATOR) is a line break in YAML; use LF or CRLF line endings"),
    "alias-bomb.yaml": (8, 5, "aliases expand to more than 250,000 nodes (an alias bomb?); refusing to read it"),
    "deep-nesting.yaml": (2, 209, "nesting deeper than 200 levels"),
}  # fmt: skip


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def expected_line(shown: str, where: tuple[int | None, int | None, str]) -> str:
    line, col, message = where
    pos = "" if line is None else f":{line}" + ("" if col is None else f":{col}")
    return f"error: {shown}{pos}: {message}\n"


def assert_refused(path: Path, shown: str, expected: str) -> None:
    before = path.read_bytes() if path.is_file() else None
    mtime = path.stat().st_mtime_ns if path.is_file() else None
    for args in (["get", shown, "global.baseDomain"], ["set", shown, "global.baseDomain=x", "-w"]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        assert result.stderr == expected, (args, result.stderr)
        assert "Traceback" not in result.output
    if before is not None:
        assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith((".tmp", ".bak"))]
    assert leftovers == []


def test_the_broken_samples_are_all_covered() -> None:
    names = {p.name for p in BROKEN.glob("*.yaml") if not p.name.startswith("ok-")}
    assert names == set(FILE_CASES)
    for p in BROKEN.glob("*.yaml"):
        first = p.read_bytes().split(b"\n")[0].split(b"\r")[0]
        assert p.name == "ok-empty.yaml" or first.startswith((b"# broken: ", b"# fine: ", b"\xef\xbb\xbf# fine: "))


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_broken_file(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(BROKEN / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert_refused(tmp_path / name, name, expected_line(name, FILE_CASES[name]))


def _missing(d: Path) -> Path:
    return d / "missing.yaml"


def _directory(d: Path) -> Path:
    (d / "dir.yaml").mkdir()
    return d / "dir.yaml"


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "fifo.yaml")
    return d / "fifo.yaml"


def _too_big(d: Path) -> Path:
    f = d / "big.yaml"
    with open(f, "wb") as fh:  # sparse: 11 MiB of nothing, created instantly
        fh.truncate(11 * 1024 * 1024)
    return f


def _long_line(d: Path) -> Path:
    f = d / "long.yaml"
    f.write_bytes(b"a: 1\nb: " + b"x" * (document.MAX_LINE_CHARS + 1) + b"\n")
    return f


def _zero_link(d: Path) -> Path:
    (d / "zero.yaml").symlink_to("/dev/zero")
    return d / "zero.yaml"


SPECIAL: dict[str, tuple[Callable[[Path], Path], tuple[int | None, int | None, str]]] = {
    "missing file": (_missing, (None, None, "no such file")),
    "a directory": (_directory, (None, None, "is a directory, not a values file")),
    "a FIFO nobody writes to": (
        _fifo,
        (None, None, "is a FIFO that nothing wrote to (no writer within 0.5 s); start the writer first or pipe the values in"),
    ),
    "/dev/zero (through a symlink)": (_zero_link, (None, None, "is a device or special file, not a regular file")),
    "over 10 MB": (_too_big, (None, None, "file is 11,534,336 bytes, over the 10,485,760-byte limit (--max-bytes)")),
    "a line over 1,000,000 characters": (_long_line, (2, 1, "line longer than 1,000,000 characters")),
}


@pytest.mark.parametrize("case", list(SPECIAL))
def test_special_file(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make, where = SPECIAL[case]
    path = make(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert_refused(path, path.name, expected_line(path.name, where))


def test_dev_zero_directly() -> None:
    result = run("get", "/dev/zero", "a")
    assert result.exit_code == 2
    assert result.stderr == "error: /dev/zero: is a device or special file, not a regular file\n"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 does not stop root (the tests may run as root): the failing open() is simulated as well."""
    f = tmp_path / "secret.yaml"
    f.write_bytes(b"a: 1\n")
    f.chmod(0)
    monkeypatch.chdir(tmp_path)
    if os.geteuid() == 0:
        real_open = open

        def denied(file: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(file).name == "secret.yaml":
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(document, "open", denied, raising=False)
    assert_refused(f, "secret.yaml", "error: secret.yaml: permission denied\n")
    f.chmod(0o600)
    assert f.read_bytes() == b"a: 1\n"


# --------------------------------------------------------------------------------------------------------------
# Odd but valid: read, not refused
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ok-empty.yaml", "ok-only-comments.yaml"])
def test_empty_and_comment_only_files_are_empty_mappings(name: str, tmp_path: Path) -> None:
    f = tmp_path / name
    shutil.copy(BROKEN / name, f)
    original = f.read_bytes()
    got = run("get", str(f), "global")
    assert got.exit_code == 1 and got.stderr == f"error: {f}: global is not set\n"
    result = run("set", str(f), "global.dagOnlyDeployment.enabled=true", "-w")
    assert result.exit_code == 0, result.output
    assert f.read_bytes() == original + b"global:\n  dagOnlyDeployment:\n    enabled: true\n"


def test_bom_and_crlf_are_kept(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(BROKEN / "ok-bom-crlf.yaml", f)
    original = f.read_bytes()
    assert run("get", str(f), "global.baseDomain").stdout == "example.com\n"
    result = run("set", str(f), "global.dagOnlyDeployment.enabled=true", "-w")
    assert result.exit_code == 0, result.output
    assert f.read_bytes() == original + b"  dagOnlyDeployment:\r\n    enabled: true\r\n"


# --------------------------------------------------------------------------------------------------------------
# The same through the installed command (a real process: no traceback on stderr, exit 2)
# --------------------------------------------------------------------------------------------------------------


def test_through_the_command(tmp_path: Path) -> None:
    names = ["duplicate-keys.yaml", "alias-bomb.yaml", "invalid-utf8.yaml"]
    for name in names:
        shutil.copy(BROKEN / name, tmp_path / name)
    os.mkfifo(tmp_path / "fifo.yaml")
    env = {**os.environ, "NO_COLOR": "1"}
    for name in [*names, "fifo.yaml"]:
        done = subprocess.run(
            [sys.executable, "-m", "astro_config", "set", name, "global.x=1", "-w"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == "" and done.stderr.count("\n") == 1 and done.stderr.startswith(f"error: {name}")
