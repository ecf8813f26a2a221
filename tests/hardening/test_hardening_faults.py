"""Hardening: a write that fails at any step leaves the original byte-identical and no temporary file behind.

Faults are injected at every step of every write (through ``writing._FAULT`` and by patching the ``os`` calls
the writer makes), both into :func:`astro_config.document.writing.write_atomic` directly and into the real command line
(``astro_config.cli.main.main`` in this process) for each write mode. Tests run as root, so permission and
read-only failures cannot be produced with ``chmod``: they are injected as the ``OSError`` the kernel would
raise (EACCES, EPERM, EROFS, ENOSPC, EDQUOT, EIO).

The number of faults injected is counted; run with ``ASTRO_CONFIG_FIGURES=FILE`` to have it appended to FILE
as a JSON line (see docs/security-figures.md).
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer.main
from conftest import SAMPLES

from astro_config.cli import main as cli
from astro_config.document import writing
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
    record = {"file": "test_hardening_faults.py", **dict(sorted(FIGURES.items()))}
    print("\nfigures:", json.dumps(record))
    out = os.environ.get("ASTRO_CONFIG_FIGURES")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every entry of ``directory`` with its bytes (None for anything that is not a regular file)."""
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else None) for p in directory.iterdir()}


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if TMP_NAME.match(p.name))


def oserror(name: str) -> OSError:
    code = ERRNOS[name]
    return OSError(code, os.strerror(code))


# ------------------------------------------------------------------------------------------------------------
# write_atomic directly
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
# The command line, in this process
# ------------------------------------------------------------------------------------------------------------

# mode id -> argv after the program name; FILE, OUT, PATCH are replaced by paths in the test directory
MODES: dict[str, list[str]] = {
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
    argv = [str(names[a]) if a in names else a for a in MODES[mode]]
    return argv, work


def record_steps(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    steps: list[str] = []
    monkeypatch.setattr(writing, "_FAULT", steps.append)
    code, err = run_cli(argv, capsys, monkeypatch)
    monkeypatch.setattr(writing, "_FAULT", None)
    assert code == 0, err
    return steps


@pytest.mark.parametrize("preexisting", [False, True], ids=["new-outputs", "existing-outputs"])
@pytest.mark.parametrize("mode", sorted(MODES))
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


def test_fault_figures_are_counted() -> None:
    """Runs last in this module (pytest keeps file order): the counts are what docs/security-figures.md cites."""
    assert FIGURES["faults_injected"] > 0
