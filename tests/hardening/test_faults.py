"""Faults during writes: whatever fails, the original stays byte-identical and no temporary file is left.

Faults are injected at every step of a write (``writing._FAULT``: create the temporary file, write, fsync,
chmod, replace, make the backup) with several errors (no space, permission denied, read-only file system, I/O
error, quota), and by making the operating system calls themselves fail (a write that stops half-way, a failing
fsync, rename or mkstemp), in every write mode (``-w``, ``-w --backup``, ``-o`` to a new or an existing file,
``--diff-file``). Each run goes through the command (in process) and must end with exit 2 and one line on
stderr.

Set ``ASTRO_CONFIG_STATS_DIR`` to record the number of faults injected (for SECURITY.md).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from astro_config.cli.main import app
from astro_config.document import editing, writing

ORIGINAL = b"# values\nglobal:\n  baseDomain: example.com\n  dagOnlyDeployment:\n    enabled: false\n"
STEPS = ("create", "write", "fsync", "chmod", "replace", "backup")
ERRORS = (errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EIO, errno.EDQUOT)
MODES = ("write", "write+backup", "output-new", "output-existing", "diff-file")
COUNTS: dict[str, int] = {"faults": 0, "runs": 0}


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


def snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def assert_nothing_changed(d: Path, before: dict[str, bytes], result: Any) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert snapshot(d) == before, "files changed, appeared or disappeared"
    assert stat.S_IMODE((d / "values.yaml").stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("step", "mode"),
    [(s, m) for s in STEPS for m in MODES if s != "backup" or m == "write+backup"],  # only --backup makes a backup
)
def test_fault_at_every_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, mode: str) -> None:
    for code in ERRORS:
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
        COUNTS["faults"] += 1
        COUNTS["runs"] += 1
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


OS_FAULTS = _os_faults()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", list(OS_FAULTS))
def test_operating_system_faults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, mode: str) -> None:
    setup_dir(tmp_path)
    before = snapshot(tmp_path)
    with monkeypatch.context() as mp:
        OS_FAULTS[fault](mp)
        result = run(
            "set", str(tmp_path / "values.yaml"), "global.dagOnlyDeployment.enabled=true", *mode_args(mode, tmp_path)
        )
    COUNTS["faults"] += 1
    COUNTS["runs"] += 1
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


# --------------------------------------------------------------------------------------------------------------
# Other write safety, through the command
# --------------------------------------------------------------------------------------------------------------


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


def test_record_counts() -> None:
    """(runs last in this file) the number of faults injected above, for SECURITY.md."""
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / "faults.json").write_text(json.dumps(COUNTS, indent=2) + "\n")
    print(f"\nwrite faults injected: {COUNTS['faults']} (runs: {COUNTS['runs']}), original intact every time")
