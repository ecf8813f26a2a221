"""Faults during writes: whatever fails, the original stays byte-identical and no temporary file is left.

Faults are injected at every step of a write (through ``writing._FAULT``: create the temporary file, write,
fsync, chmod, replace, make the backup) and by patching the ``os``/``tempfile`` calls the writer makes (a write
that stops half-way, a failing fsync, close, chmod, rename or mkstemp), with several errors (no space,
permission denied, read-only file system, I/O error, quota, cross-device, busy). They reach the writer three
ways:

1. :func:`astro_config.document.writing.write_atomic` directly;
2. the real command line (``astro_config.cli.main.main`` in this process) in every write mode of ``set`` and
   ``dag-deploy enable/disable``, a fault at the n-th write step for every n;
3. ``set`` through Typer's ``CliRunner`` in every write mode (``-w``, ``-w --backup``, ``-o`` to a new or an
   existing file, ``--diff-file``), a fault at each named step and each failing system call.

Each run must end with exit 2 and one ``error:`` line (or, for an interrupt or a bug, exit 130 or 3). Tests run
as root, so permission and read-only failures cannot be produced with ``chmod``: they are injected as the
``OSError`` the kernel would raise. (This module merges the former ``test_hardening_faults.py`` and
``test_faults.py``.)

The faults injected are counted; ``ASTRO_CONFIG_FIGURES=FILE`` appends the counts to FILE as a JSON line and
``ASTRO_CONFIG_STATS_DIR=DIR`` writes them to ``DIR/faults.json`` (see docs/security-figures.md).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from conftest import SAMPLES
from hardenkit import record_figures
from typer.testing import CliRunner

from astro_config.cli import main as cli
from astro_config.cli.main import app
from astro_config.document import editing, writing
from astro_config.errors import WriteError

VALUES = SAMPLES / "platform-0.37.yaml"

ERRNOS = {
    "ENOSPC": errno.ENOSPC,
    "EACCES": errno.EACCES,
    "EPERM": errno.EPERM,
    "EROFS": errno.EROFS,
    "EDQUOT": errno.EDQUOT,
    "EIO": errno.EIO,
    "EXDEV": errno.EXDEV,
    "EBUSY": errno.EBUSY,
}
STEPS = ("create", "write", "fsync", "chmod", "replace")
TMP_NAME = re.compile(r"^\..+\.[^.]+\.tmp$")  # tempfile.mkstemp(prefix=".NAME.", suffix=".tmp")

FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    FIGURES.clear()
    yield
    record_figures("test_write_faults.py", "faults", dict(sorted(FIGURES.items())))


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every entry of ``directory`` with its bytes (None for anything that is not a regular file)."""
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else None) for p in directory.iterdir()}


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if TMP_NAME.match(p.name))


def oserror(name: str) -> OSError:
    code = ERRNOS[name]
    return OSError(code, os.strerror(code))


# ------------------------------------------------------------------------------------------------------------
# 1. write_atomic directly
# ------------------------------------------------------------------------------------------------------------


def fault_at(step: str, exc: BaseException) -> Callable[[str], None]:
    def hook(name: str) -> None:
        if name == step:
            FIGURES["faults_injected"] += 1
            FIGURES["faults_write_atomic"] += 1
            raise exc

    return hook


@pytest.mark.parametrize("err", ["ENOSPC", "EACCES", "EPERM", "EROFS", "EDQUOT", "EIO"])
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("target_kind", ["existing", "new", "symlink"])
def test_write_atomic_fault_at_each_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, err: str, target_kind: str
) -> None:
    original = VALUES.read_bytes()
    real = tmp_path / "values.yaml"
    target = real
    if target_kind != "new":
        real.write_bytes(original)
        os.chmod(real, 0o640)
    if target_kind == "symlink":
        target = tmp_path / "link.yaml"
        target.symlink_to(real.name)
    before = snapshot(tmp_path)
    monkeypatch.setattr(writing, "_FAULT", fault_at(step, oserror(err)))
    with pytest.raises(WriteError) as info:
        writing.write_atomic(target, b"global: {}\n")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{target}: cannot write: ")
    assert snapshot(tmp_path) == before, "a failed write changed the directory"
    assert temp_files(tmp_path) == []
    if target_kind != "new":
        assert (real.stat().st_mode & 0o7777) == 0o640
    if target_kind == "symlink":
        assert target.is_symlink()


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt(), MemoryError(), RuntimeError("boom")], ids=lambda e: type(e).__name__
)
def test_write_atomic_non_oserror_at_each_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, exc: BaseException
) -> None:
    """Even an interrupt or an unexpected error mid-write removes the temporary file (it propagates as is)."""
    target = tmp_path / "values.yaml"
    target.write_bytes(VALUES.read_bytes())
    before = snapshot(tmp_path)
    monkeypatch.setattr(writing, "_FAULT", fault_at(step, exc))
    with pytest.raises(type(exc)):
        writing.write_atomic(target, b"global: {}\n")
    assert snapshot(tmp_path) == before
    assert temp_files(tmp_path) == []


def fd_in(fd: int, directory: Path) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith(str(directory) + os.sep)
    except OSError:
        return False


@pytest.mark.parametrize("err", ["ENOSPC", "EDQUOT", "EIO"])
def test_write_atomic_short_write_then_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: str) -> None:
    """A disk that fills up part way: the first write() is short, the next one fails."""
    target = tmp_path / "values.yaml"
    target.write_bytes(VALUES.read_bytes())
    before = snapshot(tmp_path)
    real_write = os.write
    calls = Counter[str]()

    def write(fd: int, data: bytes | memoryview) -> int:
        if not fd_in(fd, tmp_path):
            return real_write(fd, data)
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data)[: max(1, len(data) // 3)])
        FIGURES["faults_injected"] += 1
        FIGURES["faults_os_calls"] += 1
        raise oserror(err)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(WriteError, match="the original is untouched"):
        writing.write_atomic(target, VALUES.read_bytes() * 50)
    assert calls["n"] == 2
    assert snapshot(tmp_path) == before
    assert temp_files(tmp_path) == []


OS_FAULTS: dict[str, tuple[str, str]] = {
    # id: (function patched, errno); each raises only for the temporary file in the test directory
    "mkstemp-EROFS": ("mkstemp", "EROFS"),  # a read-only directory
    "mkstemp-EACCES": ("mkstemp", "EACCES"),  # a directory the user may not write to
    "mkstemp-ENOSPC": ("mkstemp", "ENOSPC"),
    "fsync-EIO": ("fsync", "EIO"),
    "close-EIO": ("close", "EIO"),  # NFS reports a failed write-back at close()
    "chmod-EPERM": ("chmod", "EPERM"),
    "replace-EACCES": ("replace", "EACCES"),
    "replace-EROFS": ("replace", "EROFS"),
    "replace-EXDEV": ("replace", "EXDEV"),  # a bind mount between the directory and the file
    "replace-EBUSY": ("replace", "EBUSY"),
}


@pytest.mark.parametrize("fault", sorted(OS_FAULTS))
def test_write_atomic_os_call_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    func, err = OS_FAULTS[fault]
    target = tmp_path / "values.yaml"
    target.write_bytes(VALUES.read_bytes())
    before = snapshot(tmp_path)
    hits = Counter[str]()

    def count() -> None:
        hits["n"] += 1
        FIGURES["faults_injected"] += 1
        FIGURES["faults_os_calls"] += 1

    if func == "mkstemp":
        real_mkstemp = tempfile.mkstemp

        def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
            if os.path.realpath(str(kwargs.get("dir"))) == os.path.realpath(tmp_path):
                count()
                raise oserror(err)
            return real_mkstemp(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    elif func in ("fsync", "close"):
        real_fd_call = getattr(os, func)

        def fd_call(fd: int) -> None:
            if fd_in(fd, tmp_path) and TMP_NAME.match(os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))):
                real_fd_call(fd)  # really close/sync it, then report the failure
                count()
                raise oserror(err)
            real_fd_call(fd)

        monkeypatch.setattr(os, func, fd_call)
    else:
        real_path_call = getattr(os, func)

        def path_call(src: str, *args: object, **kwargs: object) -> None:
            if TMP_NAME.match(os.path.basename(str(src))):
                count()
                raise oserror(err)
            real_path_call(src, *args, **kwargs)

        monkeypatch.setattr(os, func, path_call)
    with pytest.raises(WriteError) as info:
        writing.write_atomic(target, b"global: {}\n")
    assert hits["n"] == 1
    assert "\n" not in str(info.value)
    assert snapshot(tmp_path) == before
    assert temp_files(tmp_path) == []


def test_write_atomic_directory_fsync_failure_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the rename the new file is in place: a file system that cannot fsync a directory is fine."""
    target = tmp_path / "values.yaml"
    target.write_bytes(VALUES.read_bytes())
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}") == str(tmp_path):
            FIGURES["faults_injected"] += 1
            FIGURES["faults_os_calls"] += 1
            raise oserror("EIO")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    writing.write_atomic(target, b"global: {}\n")
    assert target.read_bytes() == b"global: {}\n"
    assert temp_files(tmp_path) == []


# ------------------------------------------------------------------------------------------------------------
# 2. The command line, in this process, a fault at every write step of every mode
# ------------------------------------------------------------------------------------------------------------

# mode id -> argv after the program name; FILE, OUT, PATCH are replaced by paths in the test directory
CLI_MODES: dict[str, list[str]] = {
    "set -w": ["set", "FILE", "global.dagOnlyDeployment.enabled=true", "-w"],
    "set -w --backup": ["set", "FILE", "global.dagOnlyDeployment.enabled=true", "-w", "--backup"],
    "set -o OUT": ["set", "FILE", "global.dagOnlyDeployment.enabled=true", "-o", "OUT"],
    "set --diff-file": ["set", "FILE", "global.dagOnlyDeployment.enabled=true", "--diff-file", "PATCH"],
    "set -w --diff-file": ["set", "FILE", "global.dagOnlyDeployment.enabled=true", "-w", "--diff-file", "PATCH"],
    "dag-deploy enable -w --overrides": ["dag-deploy", "enable", "FILE", "-w", "--overrides", "OUT"],
    "dag-deploy enable -o OUT": ["dag-deploy", "enable", "FILE", "-o", "OUT"],
    "dag-deploy disable -w --backup": ["dag-deploy", "disable", "FILE", "-w", "--backup"],
}
FAULT_KINDS = ["ENOSPC", "EACCES", "EROFS", "EIO"]


_COMMANDS: dict[int, object] = {}
_build_command = typer.main.get_command


def _cached_command(app: typer.Typer) -> object:
    """Typer rebuilds the click command (inspecting every signature) on each call, ~30 ms; build it once."""
    if id(app) not in _COMMANDS:
        _COMMANDS[id(app)] = _build_command(app)
    return _COMMANDS[id(app)]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """``astro_config.cli.main.main()`` as the console script runs it, with ``argv``; returns (exit code, stderr)."""
    monkeypatch.setattr(typer.main, "get_command", _cached_command)
    monkeypatch.setattr(sys, "argv", ["astro-config", *argv])
    code: object = 0
    try:
        cli.main()
    except SystemExit as e:
        code = e.code
    _out, err = capsys.readouterr()
    return (code if isinstance(code, int) else (0 if code is None else 2)), err


def setup_mode(tmp_path: Path, mode: str, preexisting: bool) -> tuple[list[str], Path]:
    work = tmp_path / "work"
    work.mkdir(parents=True)
    values = work / "values.yaml"
    source = VALUES.read_bytes()
    if "disable" in mode:  # something to disable
        source = source.replace(b"enabled: false", b"enabled: true", 1)
    values.write_bytes(source)
    os.chmod(values, 0o640)
    names = {"FILE": values, "OUT": work / "out.yaml", "PATCH": work / "change.patch"}
    if preexisting:
        names["OUT"].write_bytes(b"# the user's own file, which a failed run must not touch\nkeep: me\n")
        names["PATCH"].write_bytes(b"# an older patch\n")
    argv = [str(names[a]) if a in names else a for a in CLI_MODES[mode]]
    return argv, work


def record_steps(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    steps: list[str] = []
    monkeypatch.setattr(writing, "_FAULT", steps.append)
    code, err = run_cli(argv, capsys, monkeypatch)
    monkeypatch.setattr(writing, "_FAULT", None)
    assert code == 0, err
    return steps


@pytest.mark.parametrize("preexisting", [False, True], ids=["new-outputs", "existing-outputs"])
@pytest.mark.parametrize("mode", sorted(CLI_MODES))
def test_cli_fault_at_every_step(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    preexisting: bool,
) -> None:
    """For each write mode: a fault at the n-th write step, for every n, exits 2 with one ``error:`` line,
    leaves FILE byte-identical, no temporary file and no backup, and the whole directory as it was (a
    multi-file write is all-or-nothing, even when its second rename fails)."""
    # A dry run (in a scratch copy) lists the steps this mode goes through.
    argv, work = setup_mode(tmp_path / "dry", mode, preexisting)
    steps = record_steps(argv, capsys, monkeypatch)
    assert steps.count("create") >= 1
    assert set(steps) <= {*STEPS, "backup"}
    values = work / "values.yaml"
    expected_steps = len(steps)
    injected = 0
    for index, step in enumerate(steps):
        for kind in FAULT_KINDS:
            argv, work = setup_mode(tmp_path / f"{index}-{kind}", mode, preexisting)
            values = work / "values.yaml"
            original = values.read_bytes()
            before = snapshot(work)
            seen: list[str] = []

            def hook(name: str, index: int = index, kind: str = kind, seen: list[str] = seen) -> None:
                seen.append(name)
                if len(seen) - 1 == index:
                    raise oserror(kind)

            monkeypatch.setattr(writing, "_FAULT", hook)
            code, err = run_cli(argv, capsys, monkeypatch)
            monkeypatch.setattr(writing, "_FAULT", None)
            where = f"{mode}: fault {kind} at step {index} ({step})"
            assert len(seen) == index + 1, f"{where}: the write went on after the fault: {seen}"
            injected += 1
            assert code == 2, f"{where}: exit {code}: {err}"
            assert "Traceback" not in err and "internal error" not in err, f"{where}: {err}"
            error_lines = [line for line in err.splitlines() if line.startswith("error:")]
            assert len(error_lines) == 1, f"{where}: {err}"
            assert values.read_bytes() == original, f"{where}: the values file changed"
            assert (values.stat().st_mode & 0o7777) == 0o640
            assert temp_files(work) == [], f"{where}: temporary file left"
            assert not (work / "values.yaml.bak").exists(), f"{where}: backup left behind"
            assert snapshot(work) == before, f"{where}: the directory changed"
            if step == "backup":
                assert "backup" in error_lines[0]
    FIGURES["faults_injected"] += injected
    FIGURES["faults_cli"] += injected
    assert injected == expected_steps * len(FAULT_KINDS)


@pytest.mark.parametrize("step", ["create", "replace"])
@pytest.mark.parametrize("mode", ["set -w --diff-file", "dag-deploy enable -w --overrides"])
def test_cli_failed_write_keeps_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mode: str, step: str
) -> None:
    """The main file fails after the side file (PATCH/OUT) was staged, or even renamed into place: the side
    file's old content is back, and the error says so."""
    argv, work = setup_mode(tmp_path, mode, preexisting=True)
    before = snapshot(work)
    seen: list[str] = []

    def hook(name: str) -> None:
        seen.append(name)
        if name == step and seen.count(step) == 2:
            raise oserror("ENOSPC")

    monkeypatch.setattr(writing, "_FAULT", hook)
    code, err = run_cli(argv, capsys, monkeypatch)
    assert code == 2, err
    assert snapshot(work) == before
    (error,) = [line for line in err.splitlines() if line.startswith("error:")]
    assert "no space left on the device" in error
    if step == "replace":  # the side file had been replaced: it was put back
        assert error.endswith("; no file changed") and "put back" in error, error
    else:
        assert error.endswith("; nothing written"), error


@pytest.mark.parametrize("mode", ["set -w", "set -o OUT", "dag-deploy enable -w --overrides"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("secret-value-xyz")], ids=lambda e: type(e).__name__)
def test_cli_interrupt_or_bug_mid_write(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    exc: BaseException,
) -> None:
    """Ctrl-C mid-write: exit 130, "interrupted". A bug mid-write: exit 3, one line, no message text (it may
    quote a secret). Either way FILE is byte-identical and no temporary file is left."""
    argv, work = setup_mode(tmp_path, mode, preexisting=False)
    values = work / "values.yaml"
    original = values.read_bytes()

    def hook(name: str) -> None:
        if name == "fsync":
            FIGURES["faults_injected"] += 1
            FIGURES["faults_cli"] += 1
            raise exc

    monkeypatch.setattr(writing, "_FAULT", hook)
    code, err = run_cli(argv, capsys, monkeypatch)
    assert "Traceback" not in err
    if isinstance(exc, KeyboardInterrupt):
        assert code == 130
        assert err.splitlines()[-1] == "interrupted"
    else:
        assert code == 3
        lines = [line for line in err.splitlines() if "internal error" in line]
        assert len(lines) == 1 and lines[0].startswith("internal error: RuntimeError at ")
        assert "secret-value-xyz" not in err
    assert values.read_bytes() == original
    assert temp_files(work) == []


def test_cli_backup_write_fails_part_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """-w --backup on a full disk: the half-written FILE.bak is removed and FILE is untouched."""
    argv, work = setup_mode(tmp_path, "set -w --backup", preexisting=False)
    values = work / "values.yaml"
    original = values.read_bytes()
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        if fd_in(fd, work) and os.readlink(f"/proc/self/fd/{fd}").endswith(".bak"):
            FIGURES["faults_injected"] += 1
            FIGURES["faults_os_calls"] += 1
            real_write(fd, bytes(data)[:10])
            raise oserror("ENOSPC")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    code, err = run_cli(argv, capsys, monkeypatch)
    assert code == 2, err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: {work / 'values.yaml.bak'}: cannot write the backup: no space left on the device; nothing written"
    ]
    assert values.read_bytes() == original
    assert sorted(p.name for p in work.iterdir()) == ["values.yaml"]


# ------------------------------------------------------------------------------------------------------------
# 3. ``set`` through CliRunner: a fault at each named step and each failing system call, in every write mode
# ------------------------------------------------------------------------------------------------------------


ORIGINAL = b"# values\nglobal:\n  baseDomain: example.com\n  dagOnlyDeployment:\n    enabled: false\n"
SET_STEPS = (*STEPS, "backup")
SET_ERRORS = ("ENOSPC", "EACCES", "EROFS", "EIO", "EDQUOT")
SET_MODES = ("write", "write+backup", "output-new", "output-existing", "diff-file")


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def setup_dir(tmp_path: Path) -> tuple[Path, Path, Path]:
    values = tmp_path / "values.yaml"
    values.write_bytes(ORIGINAL)
    values.chmod(0o640)
    existing_out = tmp_path / "existing-out.yaml"
    existing_out.write_bytes(b"old output\n")
    return values, existing_out, tmp_path / "change.patch"


def mode_args(mode: str, tmp_path: Path) -> list[str]:
    return {
        "write": ["-w"],
        "write+backup": ["-w", "--backup"],
        "output-new": ["-o", str(tmp_path / "new-out.yaml")],
        "output-existing": ["-o", str(tmp_path / "existing-out.yaml")],
        "diff-file": ["--diff-file", str(tmp_path / "change.patch")],
    }[mode]


def assert_nothing_changed(d: Path, before: dict[str, bytes | None], result: Any) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert snapshot(d) == before, "files changed, appeared or disappeared"
    assert stat.S_IMODE((d / "values.yaml").stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("step", "mode"),
    [
        (s, m) for s in SET_STEPS for m in SET_MODES if s != "backup" or m == "write+backup"
    ],  # only --backup makes a backup
)
def test_fault_at_every_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, mode: str) -> None:
    for err in SET_ERRORS:
        code = ERRNOS[err]
        setup_dir(tmp_path)
        before = snapshot(tmp_path)
        hits: list[str] = []

        def fault(name: str, code: int = code, hits: list[str] = hits) -> None:
            if name == step:
                hits.append(name)
                raise OSError(code, os.strerror(code))

        monkeypatch.setattr(writing, "_FAULT", fault)
        result = run(
            "set", str(tmp_path / "values.yaml"), "global.dagOnlyDeployment.enabled=true", *mode_args(mode, tmp_path)
        )
        monkeypatch.setattr(writing, "_FAULT", None)
        assert hits == [step], "the fault was not reached"
        FIGURES["faults_injected"] += 1
        FIGURES["faults_set"] += 1
        assert_nothing_changed(tmp_path, before, result)
        explained = {
            errno.ENOSPC: "no space left on the device",
            errno.EACCES: "permission denied",
            errno.EROFS: "read-only file system",
        }.get(code, os.strerror(code))
        assert explained in result.stderr
        for p in tmp_path.iterdir():
            p.unlink()


def _os_faults() -> dict[str, Callable[[pytest.MonkeyPatch], None]]:
    real_write, real_fsync, real_replace, real_mkstemp, real_chmod = (
        os.write,
        os.fsync,
        os.replace,
        tempfile.mkstemp,
        os.chmod,
    )

    def temp_fd(fd: int) -> bool:
        try:
            return ".tmp" in os.readlink(f"/proc/self/fd/{fd}") or ".bak" in os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return False

    def half_then_enospc(mp: pytest.MonkeyPatch) -> None:
        calls = {"n": 0}

        def write(fd: int, data: Any) -> int:
            if fd > 2 and temp_fd(fd):
                calls["n"] += 1
                if calls["n"] > 1:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return real_write(fd, bytes(data)[: max(1, len(data) // 2)])
            return real_write(fd, data)

        mp.setattr(os, "write", write)

    def fsync_eio(mp: pytest.MonkeyPatch) -> None:
        def fsync(fd: int) -> None:
            if temp_fd(fd):
                raise OSError(errno.EIO, "Input/output error")
            real_fsync(fd)

        mp.setattr(os, "fsync", fsync)

    def replace_fails(code: int) -> Callable[[pytest.MonkeyPatch], None]:
        def patch(mp: pytest.MonkeyPatch) -> None:
            def replace(src: Any, dst: Any) -> None:
                raise OSError(code, os.strerror(code))

            mp.setattr(os, "replace", replace)

        return patch

    def mkstemp_fails(code: int) -> Callable[[pytest.MonkeyPatch], None]:
        def patch(mp: pytest.MonkeyPatch) -> None:
            def mkstemp(*a: Any, **k: Any) -> Any:
                raise OSError(code, os.strerror(code))

            mp.setattr(tempfile, "mkstemp", mkstemp)

        return patch

    def chmod_eperm(mp: pytest.MonkeyPatch) -> None:
        def chmod(path: Any, mode: int, **k: Any) -> None:
            if ".tmp" in str(path):
                raise OSError(errno.EPERM, "Operation not permitted")
            real_chmod(path, mode, **k)

        mp.setattr(os, "chmod", chmod)

    del real_replace, real_mkstemp
    return {
        "write stops half-way (ENOSPC)": half_then_enospc,
        "fsync fails (EIO)": fsync_eio,
        "rename fails (EXDEV)": replace_fails(errno.EXDEV),
        "rename fails (EACCES)": replace_fails(errno.EACCES),
        "rename fails (EBUSY)": replace_fails(errno.EBUSY),
        "temporary file cannot be made (read-only directory, EACCES)": mkstemp_fails(errno.EACCES),
        "temporary file cannot be made (EROFS)": mkstemp_fails(errno.EROFS),
        "temporary file cannot be made (EMFILE)": mkstemp_fails(errno.EMFILE),
        "chmod fails (EPERM)": chmod_eperm,
    }


SET_OS_FAULTS = _os_faults()


@pytest.mark.parametrize("mode", SET_MODES)
@pytest.mark.parametrize("fault", list(SET_OS_FAULTS))
def test_operating_system_faults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, mode: str) -> None:
    setup_dir(tmp_path)
    before = snapshot(tmp_path)
    with monkeypatch.context() as mp:
        SET_OS_FAULTS[fault](mp)
        result = run(
            "set", str(tmp_path / "values.yaml"), "global.dagOnlyDeployment.enabled=true", *mode_args(mode, tmp_path)
        )
    FIGURES["faults_injected"] += 1
    FIGURES["faults_set"] += 1
    assert_nothing_changed(tmp_path, before, result)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories (simulated above instead)")
def test_read_only_directory(tmp_path: Path) -> None:
    d = tmp_path / "ro"
    d.mkdir()
    (d / "values.yaml").write_bytes(ORIGINAL)
    d.chmod(0o555)
    try:
        result = run("set", str(d / "values.yaml"), "global.x=1", "-w")
        assert result.exit_code == 2 and "permission denied" in result.stderr
        assert (d / "values.yaml").read_bytes() == ORIGINAL
        assert sorted(p.name for p in d.iterdir()) == ["values.yaml"]
    finally:
        d.chmod(0o755)


# ------------------------------------------------------------------------------------------------------------
# 4. Other write safety, through the command
# ------------------------------------------------------------------------------------------------------------


def test_a_file_changed_between_read_and_write_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values, _, _ = setup_dir(tmp_path)
    real = editing.apply_edits

    def meanwhile(doc: Any, edits: Any) -> Any:
        result = real(doc, edits)
        values.write_bytes(ORIGINAL + b"# someone else's edit\n")  # after the read, before the write
        return result

    monkeypatch.setattr(editing, "apply_edits", meanwhile)
    result = run("set", str(values), "global.dagOnlyDeployment.enabled=true", "-w", "--backup")
    assert result.exit_code == 2
    assert "changed on disk since it was read" in result.stderr
    assert values.read_bytes() == ORIGINAL + b"# someone else's edit\n"
    assert not (tmp_path / "values.yaml.bak").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_symlink_is_written_through_and_mode_kept(tmp_path: Path) -> None:
    real = tmp_path / "charts" / "values.yaml"
    real.parent.mkdir()
    real.write_bytes(ORIGINAL)
    real.chmod(0o600)
    link = tmp_path / "values.yaml"
    link.symlink_to(Path("charts") / "values.yaml")
    result = run("set", str(link), "global.dagOnlyDeployment.enabled=true", "-w")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(Path("charts") / "values.yaml")
    assert real.read_bytes() == ORIGINAL.replace(b"enabled: false", b"enabled: true")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in real.parent.iterdir()) == ["values.yaml"]


def test_backup_is_never_overwritten(tmp_path: Path) -> None:
    values, _, _ = setup_dir(tmp_path)
    bak = tmp_path / "values.yaml.bak"
    bak.write_bytes(b"an older backup\n")
    result = run("set", str(values), "global.dagOnlyDeployment.enabled=true", "-w", "--backup")
    assert result.exit_code == 2 and "a backup already exists" in result.stderr
    assert bak.read_bytes() == b"an older backup\n" and values.read_bytes() == ORIGINAL
    bak.unlink()
    result = run("set", str(values), "global.dagOnlyDeployment.enabled=true", "-w", "--backup")
    assert result.exit_code == 0, result.output
    assert bak.read_bytes() == ORIGINAL and stat.S_IMODE(bak.stat().st_mode) == 0o640


def test_fault_figures_are_counted() -> None:
    """Runs last in this module (pytest keeps file order): the counts are what docs/security-figures.md cites."""
    assert FIGURES["faults_injected"] > 0
