"""Where edits are written, and who else writes (issue 14): concurrent writers, special files, ``-o -``,
read-only targets; plus the command-line behaviours of ``set`` that Helm decides (``--set`` typing, ``\\=``,
list items) and one-line usage errors.

Results are read back with Helm 3.17 where it decides (skipped without helm on PATH).
"""

from __future__ import annotations

import fcntl
import os
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import HELM, helm_reads, json_like, needs_helm
from typer.testing import CliRunner

from astro_config.cli import main as cli
from astro_config.document import writing
from astro_config.document.reader import load_file


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.app, list(args), catch_exceptions=False)


def one_line_error(result: Any, after_notes: bool = False) -> str:
    """The stderr of a refused command: one line, ``error: ...`` (with ``after_notes``, the last line, after the
    lines that say what the command found, as ``dag-deploy`` prints them)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    if after_notes:
        lines = lines[-1:]
        assert sum(1 for ln in result.stderr.splitlines() if ln.startswith("error")) == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


@pytest.fixture
def values(tmp_path: Path) -> Path:
    f = tmp_path / "values.yaml"
    f.write_text("a: 1\nb: 2\n", encoding="utf-8")
    return f


# --------------------------------------------------------------------------------------------------------------
# Concurrent writers
# --------------------------------------------------------------------------------------------------------------


def _fork_set(path: Path, key: str, value: str) -> int:
    """A child process running ``astro-config set PATH KEY=VALUE -w`` (forked: no start-up cost). Returns its pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            sys.argv = ["astro-config", "set", str(path), f"{key}={value}", "-w"]
            cli.main()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 0
        finally:
            os._exit(code)
    return pid


RACE_ROUNDS = int(os.environ.get("ASTRO_CONFIG_RACE_ROUNDS", "200"))


def race(path: Path, rounds: int) -> tuple[int, int]:
    """``rounds`` pairs of ``set -w`` on two different keys of one file, started together. Returns (rounds that
    lost an edit while both writers exited 0, writers that exited non-zero)."""
    lost = failed = 0
    for i in range(rounds):
        path.write_text("# header\nfirst: 0\nsecond: 0\n", encoding="utf-8")
        pids = [_fork_set(path, "first", str(i + 1)), _fork_set(path, "second", str(i + 1))]
        codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
        failed += sum(1 for c in codes if c != 0)
        data = load_file(path).data
        lost += data != {"first": i + 1, "second": i + 1} and codes == [0, 0]
    return lost, failed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_racing_writers_never_lose_an_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of racing pairs (ASTRO_CONFIG_RACE_ROUNDS, 200 by default): both edits land, every time. Before
    the lock, 21 of 300 pairs lost one edit with both writers reporting success."""
    f = tmp_path / "values.yaml"
    f.write_text("first: 0\n", encoding="utf-8")
    assert run("set", str(f), "first=1", "-w").exit_code == 0  # (the edit modules imported before forking)
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # (durability is not what races: faster rounds)
    assert race(f, RACE_ROUNDS) == (0, 0)


def test_a_second_writer_waits_then_says_busy(values: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "LOCK_WAIT", 0.3)
    with open(values, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run("set", str(values), "a=5", "-w")
    message = one_line_error(result)
    assert "busy" in message and str(values) in message and "nothing written" in message
    assert values.read_text(encoding="utf-8") == "a: 1\nb: 2\n"


def test_a_writer_waits_for_the_lock_and_then_edits_the_new_content(values: Path) -> None:
    """The holder replaces the file (a new inode) and lets go: the waiting writer edits what it wrote."""
    held = open(values, "rb")  # noqa: SIM115 - released by the thread below
    fcntl.flock(held.fileno(), fcntl.LOCK_EX)

    def other_writer() -> None:
        writing.write_atomic(values, b"a: 1\nb: 2\nc: 3\n")
        held.close()

    timer = threading.Timer(0.3, other_writer)
    timer.start()
    try:
        result = run("set", str(values), "a=5", "-w")
    finally:
        timer.join()
    assert result.exit_code == 0, result.output
    assert values.read_text(encoding="utf-8") == "a: 5\nb: 2\nc: 3\n"


def test_dag_deploy_enable_holds_the_lock_too(values: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "LOCK_WAIT", 0.2)
    with open(values, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run("dag-deploy", "enable", str(values), "--platform-version", "2.1.0", "-w")
    assert result.exit_code == 2 and "busy" in result.stderr
    assert values.read_text(encoding="utf-8") == "a: 1\nb: 2\n"


def test_migrate_holds_the_lock_too(values: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "LOCK_WAIT", 0.2)
    with open(values, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run("migrate", str(values), "--to", "2.1.0", "--from", "0.37.7", "-w")
    assert result.exit_code == 2 and "busy" in result.stderr
    assert values.read_text(encoding="utf-8") == "a: 1\nb: 2\n"


def test_a_writer_that_does_not_lock_is_still_caught(values: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor writes the file between our read and our rename: the changed-on-disk check refuses."""
    real = writing._check_unchanged

    def meanwhile(item: Any) -> None:
        values.write_text("a: 1\nb: 3\n", encoding="utf-8")  # (no lock: as an editor does)
        real(item)

    monkeypatch.setattr(writing, "_check_unchanged", meanwhile)
    result = run("set", str(values), "a=5", "-w")
    assert "changed on disk" in one_line_error(result)
    assert values.read_text(encoding="utf-8") == "a: 1\nb: 3\n"


# --------------------------------------------------------------------------------------------------------------
# Special files, standard output, read-only files
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["-o", "--diff-file"])
def test_a_fifo_is_written_into_not_replaced(values: Path, tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    thread = threading.Thread(target=reader, daemon=True)  # (never left blocking the run if set fails)
    thread.start()
    result = run("set", str(values), "a=5", option, str(fifo))
    thread.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    expected = b"a: 5\nb: 2\n" if option == "-o" else b"+a: 5\n"
    assert got and expected in got[0]


@pytest.mark.parametrize("option", ["-o", "--diff-file"])
def test_a_character_device_is_written_into_not_replaced(values: Path, option: str) -> None:
    before = os.stat(os.devnull)
    result = run("set", str(values), "a=5", option, os.devnull)
    assert result.exit_code == 0, result.output
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_symlink_to_a_device_writes_into_the_device(values: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(os.devnull)
    result = run("set", str(values), "a=5", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_dash_is_standard_output(values: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("set", str(values), "a=5", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == "a: 5\nb: 2\n"
    assert not (tmp_path / "-").exists()
    assert values.read_text(encoding="utf-8") == "a: 1\nb: 2\n"


def test_dash_as_the_diff_file(values: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("set", str(values), "a=5", "-w", "--diff-file", "-")
    assert result.exit_code == 0, result.output
    assert "-a: 1\n+a: 5\n" in result.stdout and result.stdout.count("+a: 5") == 1
    assert not (tmp_path / "-").exists()
    assert values.read_text(encoding="utf-8") == "a: 5\nb: 2\n"


def test_both_to_standard_output_is_refused(values: Path) -> None:
    message = one_line_error(run("set", str(values), "a=5", "-o", "-", "--diff-file", "-"))
    assert "only one of -o/--output and --diff-file can be -" in message


def test_merge_writes_dash_to_standard_output(values: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("merge", "-f", str(values), "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == "a: 1\nb: 2\n" and not (tmp_path / "-").exists()


@pytest.fixture
def read_only(values: Path) -> Any:
    values.chmod(0o444)
    yield values
    values.chmod(0o644)


@pytest.mark.parametrize(
    "args",
    [
        ["set", "{f}", "a=5", "-w"],
        ["set", "{f}", "a=5", "-w", "--backup"],
        ["dag-deploy", "enable", "{f}", "--platform-version", "0.37.7", "-w"],
        ["dag-deploy", "disable", "{f}", "--platform-version", "0.37.7", "-w"],
        ["migrate", "{f}", "--to", "2.1.0", "--from", "0.37.7", "-w"],
    ],
)
def test_a_read_only_file_is_refused_unless_forced(read_only: Path, args: list[str]) -> None:
    if args[1] == "disable" or args[0] == "migrate":
        read_only.chmod(0o644)
        read_only.write_text("global:\n  dagOnlyDeployment:\n    enabled: true\n", encoding="utf-8")
        read_only.chmod(0o444)
    before = read_only.read_bytes()
    argv = [a.replace("{f}", str(read_only)) for a in args]
    message = one_line_error(run(*argv), after_notes=args[0] in ("dag-deploy", "migrate"))
    assert f"{read_only}: is read-only" in message and "--force" in message
    assert read_only.read_bytes() == before and not read_only.with_name(read_only.name + ".bak").exists()
    result = run(*argv, "--force")
    assert result.exit_code == 0, result.output
    assert read_only.read_bytes() != before
    assert stat.S_IMODE(read_only.stat().st_mode) == 0o444  # the mode is kept


def test_a_read_only_output_is_refused_unless_forced(values: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o400)
    assert "is read-only" in one_line_error(run("set", str(values), "a=5", "-o", str(out)))
    assert "is read-only" in one_line_error(run("merge", "-f", str(values), "-o", str(out)))
    assert out.read_text(encoding="utf-8") == "old\n"
    assert run("set", str(values), "a=5", "-o", str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8") == "a: 5\nb: 2\n"


# --------------------------------------------------------------------------------------------------------------
# set: typed, escaped and applied as helm --set is (Helm reads the result as it reads --set on the original)
# --------------------------------------------------------------------------------------------------------------

HELM_SETS = [
    ("a: 1\n", "a=fal\u017fe"),  # (a long s: Helm's EqualFold folds it to s)
    ("a: 1\n", "a=TRUE"),
    ("a: 1\n", "a=NuLL"),
    ("a: 1\n", "a=0777"),
    ("a: 1\n", "a=+3"),
    ("a: 1\n", "a=9223372036854775808"),
    ("a: 1\n", "a\\=b=3"),
    ("a: 1\n", "a\\.b=3"),
    ("tolerations:\n- key: a\n  operator: Exists\n- key: b\n", "tolerations[0]=42"),
    ("tolerations:\n  - key: a\n    operator: Exists\n", "tolerations[0]=x"),
    ("{}\n", "global.x=1"),
    ("~\n", "global.x=1"),
    ("---\n...\n", "global.x=1"),
    ("a: |\n  text", "b=1"),
    ("a: >+\n  text", "b=1"),
    ("token: !!binary aGVsbG8=\n", "token=abcd"),
    ("when: !!timestamp 2001-12-14\n", "when=soon"),
]


@needs_helm
@pytest.mark.helm
@pytest.mark.parametrize(("source", "assignment"), HELM_SETS)
def test_set_writes_what_helm_set_would_give(tmp_path: Path, source: str, assignment: str) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(source, encoding="utf-8")
    original = tmp_path / "original.yaml"
    original.write_text(source, encoding="utf-8")
    result = run("set", str(f), assignment, "-w")
    assert result.exit_code == 0, result.output
    assert helm_reads(f, tmp_path) == helm_reads(original, tmp_path, (assignment,))


def test_set_types_with_the_one_helm_function(values: Path) -> None:
    result = run("set", str(values), "a=fal\u017fe", "b=NULL")
    assert result.exit_code == 0, result.output
    assert "+a: false\n" in result.stdout and "+b: null\n" in result.stdout


def test_an_escaped_equals_sign_is_part_of_the_key(values: Path) -> None:
    result = run("set", str(values), "a\\=b=c=d")
    assert result.exit_code == 0, result.output
    assert '+"a=b": c=d\n' in result.stdout or "+a=b: c=d\n" in result.stdout


def test_a_key_that_starts_with_a_dash(values: Path) -> None:
    message = one_line_error(run("set", str(values), "-x=1"))
    assert "No such option: -x" in message and "goes after --" in message
    result = run("set", str(values), "--", "-x=1")
    assert result.exit_code == 0, result.output
    assert '+"-x": 1\n' in result.stdout


def test_a_long_key_is_refused_in_one_line(values: Path) -> None:
    message = one_line_error(run("set", str(values), "k" * 1100 + "=1"))
    assert "a YAML key is at most 1,024" in message


@pytest.mark.parametrize("source", ["{}\n", "~\n", "null\n", "--- {}\n", "---\n...\n"])
def test_dag_deploy_enable_on_an_empty_document(tmp_path: Path, source: str) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(source, encoding="utf-8")
    result = run("dag-deploy", "enable", str(f), "--platform-version", "0.37.7", "-w")
    assert result.exit_code == 0, result.output
    data = load_file(f).data
    assert data["global"]["dagOnlyDeployment"]["enabled"] is True
    if HELM is not None:
        assert helm_reads(f, tmp_path) == json_like(data)


# --------------------------------------------------------------------------------------------------------------
# Usage errors: one line
# --------------------------------------------------------------------------------------------------------------

USAGE = [
    ["set", "{f}", "--bogus"],
    ["set"],
    ["set", "{f}"],
    ["bogus"],
    ["--bogus"],
    ["dag-deploy", "enable", "--bogus", "{f}"],
    ["dag-deploy", "size", "--upload"],
    ["lint", "--format"],
    ["get", "{f}"],
    ["set", "{f}", "a=1", "--string=maybe"],
    ["lint", "{f}", "--jobs", "x"],
]


@pytest.mark.parametrize("args", USAGE, ids=" ".join)
def test_every_usage_error_is_one_line(values: Path, args: list[str]) -> None:
    result = run(*[a.replace("{f}", str(values)) for a in args])
    message = one_line_error(result)
    assert "--help'" in message and "Usage:" not in result.stderr


# --------------------------------------------------------------------------------------------------------------
# get and set on explicitly tagged values (as Helm reads them)
# --------------------------------------------------------------------------------------------------------------

MERGED = "b: &b {x: 1}\nm:\n  x: 2\n  !!merge <<: *b\n"


@pytest.mark.parametrize(
    ("source", "key", "out"),
    [("token: !!binary aGVsbG8=\n", "token", "hello\n"), (MERGED, "m.x", "1\n"), ("a: &k x\n*k : 1\n", "x", "1\n")],
)
def test_get_prints_what_helm_reads(tmp_path: Path, source: str, key: str, out: str) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(source, encoding="utf-8")
    result = run("get", str(f), key, "--show-secrets")
    assert result.exit_code == 0, result.output
    assert result.stdout == out
    if HELM is not None:
        data = helm_reads(f, tmp_path)
        for part in key.split("."):
            data = data[part]
        assert f"{data}\n" == out


def test_set_under_a_tagged_merge_key_is_refused_in_one_line(tmp_path: Path) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(MERGED, encoding="utf-8")
    message = one_line_error(run("set", str(f), "m.x=5", "-w"))
    assert "would not take effect: a merge key (<<) later in its mapping overrides it" in message
    assert f.read_text(encoding="utf-8") == MERGED


def test_a_tag_helm_refuses_is_refused_in_one_line_without_the_value(tmp_path: Path) -> None:
    f = tmp_path / "values.yaml"
    f.write_text("password: !!int s3cr3t-value\n", encoding="utf-8")
    message = one_line_error(run("get", str(f), "password"))
    assert "does not fit its !!int tag (Helm refuses the file)" in message and "s3cr3t" not in message
