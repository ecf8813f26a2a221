"""Writing: unified diffs, colours, atomic writes (symlinks, modes, concurrent changes) and the write modes."""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astro_config.document import writing
from astro_config.document.writing import (
    WriteOptions,
    backup_path,
    digest,
    emit,
    unified_diff,
    write_atomic,
    write_files,
)
from astro_config.errors import ExitCode, WriteError

# --------------------------------------------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------------------------------------------


def test_unified_diff_basics() -> None:
    assert unified_diff("a: 1\n", "a: 1\n", "v.yaml") == ""
    d = unified_diff("a: 1\nb: 2\n", "a: 1\nb: 3\n", "v.yaml")
    assert d == "--- a/v.yaml\n+++ b/v.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n"


def test_unified_diff_without_final_newline() -> None:
    d = unified_diff("a: 1", "a: 2", "v.yaml")
    no_nl = "\\ No newline at end of file\n"
    assert d == f"--- a/v.yaml\n+++ b/v.yaml\n@@ -1 +1 @@\n-a: 1\n{no_nl}+a: 2\n{no_nl}"


def test_unified_diff_keeps_crlf() -> None:
    d = unified_diff("a: 1\r\nb: 2\r\n", "a: 1\r\nb: 3\r\n", "v.yaml")
    assert "-b: 2\r\n+b: 3\r\n" in d


def test_unified_diff_redacts_content_lines_only() -> None:
    d = unified_diff("a: 1\npassword: x\n", "a: 2\npassword: x\n", "v.yaml", redact_line=lambda s: s.upper())
    assert d.splitlines()[:2] == ["--- a/v.yaml", "+++ b/v.yaml"]
    assert "-A: 1" in d and "+A: 2" in d and " PASSWORD: X" in d


@pytest.mark.parametrize(("crlf", "final"), [(False, True), (True, True), (False, False)])
def test_diff_applies_with_patch(tmp_path: Path, crlf: bool, final: bool) -> None:
    nl = "\r\n" if crlf else "\n"
    old = nl.join(["a: 1", "b:", "  c: 2", "d: 4"]) + (nl if final else "")
    new = nl.join(["a: 1", "b:", "  c: 3", "  e: 5", "d: 4"]) + (nl if final else "")
    (tmp_path / "v.yaml").write_bytes(old.encode())
    patch = unified_diff(old, new, "v.yaml")
    done = subprocess.run(
        ["patch", "-p1", "--binary", "-s"], input=patch.encode(), cwd=tmp_path, capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "v.yaml").read_bytes() == new.encode()


def test_digest() -> None:
    assert digest(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# --------------------------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------------------------


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_new_and_existing(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    write_atomic(f, b"a: 1\n")
    assert f.read_bytes() == b"a: 1\n"
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~mask
    write_atomic(f, b"a: 2\n", expect_current=b"a: 1\n")
    assert f.read_bytes() == b"a: 2\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444])
def test_write_atomic_keeps_the_mode(tmp_path: Path, mode: int) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    f.chmod(mode)
    write_atomic(f, b"a: 2\n")
    assert stat.S_IMODE(f.stat().st_mode) == mode
    assert f.read_bytes() == b"a: 2\n"


def test_write_atomic_writes_through_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real" / "values.yaml"
    real.parent.mkdir()
    real.write_bytes(b"a: 1\n")
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(Path("real") / "values.yaml")  # relative
    chain = tmp_path / "chain.yaml"
    chain.symlink_to(link)
    write_atomic(chain, b"a: 2\n", expect_current=b"a: 1\n")
    assert chain.is_symlink() and link.is_symlink()
    assert os.readlink(link) == str(Path("real") / "values.yaml")
    assert real.read_bytes() == b"a: 2\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


def test_write_atomic_refuses_a_changed_file(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: changed by someone else\n")
    with pytest.raises(WriteError, match="changed on disk since it was read; nothing written"):
        write_atomic(f, b"a: 2\n", expect_current=b"a: 1\n")
    assert f.read_bytes() == b"a: changed by someone else\n"
    f.write_bytes(b"a: 1\nplus more\n")  # a longer file that starts the same
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomic(f, b"a: 2\n", expect_current=b"a: 1\n")
    f.unlink()
    with pytest.raises(WriteError, match="disappeared since it was read"):
        write_atomic(f, b"a: 2\n", expect_current=b"a: 1\n")
    assert not f.exists() and leftovers(tmp_path) == []


def test_write_atomic_into_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="cannot write"):
        write_atomic(tmp_path / "nope" / "v.yaml", b"a: 1\n")


# --------------------------------------------------------------------------------------------------------------
# Several files, all or nothing
# --------------------------------------------------------------------------------------------------------------


def three_files(tmp_path: Path) -> tuple[list[tuple[Path, bytes, bytes | None]], dict[str, bytes]]:
    (tmp_path / "a").write_bytes(b"old a\n")
    (tmp_path / "c").write_bytes(b"old c\n")
    os.chmod(tmp_path / "c", 0o600)
    writes: list[tuple[Path, bytes, bytes | None]] = [
        (tmp_path / "a", b"new a\n", None),
        (tmp_path / "b", b"new b\n", None),  # does not exist yet
        (tmp_path / "c", b"new c\n", b"old c\n"),
    ]
    return writes, snapshot_dir(tmp_path)


def snapshot_dir(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_write_files_writes_them_all(tmp_path: Path) -> None:
    writes, _ = three_files(tmp_path)
    write_files(writes)
    assert snapshot_dir(tmp_path) == {"a": b"new a\n", "b": b"new b\n", "c": b"new c\n"}
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o600


@pytest.mark.parametrize("nth", [1, 2, 3])
@pytest.mark.parametrize("hard_links", [True, False], ids=["linked", "no-hard-links"])
def test_write_files_puts_back_what_was_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int, hard_links: bool
) -> None:
    """The nth rename fails: the files renamed before it get their old content back (the new file ``b`` is
    removed again), with or without hard links to keep the old content, and no temp file is left."""
    writes, before = three_files(tmp_path)
    if not hard_links:

        def no_link(*args: object, **kwargs: object) -> None:
            raise OSError(1, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    renames: list[str] = []

    def fault(step: str) -> None:
        if step == "replace":
            renames.append(step)
            if len(renames) == nth:
                raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing, "_FAULT", fault)
    with pytest.raises(WriteError) as info:
        write_files(writes)
    assert snapshot_dir(tmp_path) == before
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o600
    message = str(info.value)
    assert message.startswith(f"{writes[nth - 1][0]}: cannot write: no space left on the device; ")
    if nth == 1:
        assert message.endswith("; nothing written")
    else:
        assert message.endswith("; no file changed") and str(tmp_path / "a") in message


@pytest.mark.parametrize("step", ["create", "write", "fsync", "chmod"])
def test_write_files_stages_everything_before_the_first_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """A fault while staging the last file: no rename has happened yet."""
    writes, before = three_files(tmp_path)
    seen: list[str] = []

    def fault(name: str) -> None:
        seen.append(name)
        assert name != "replace"
        if name == step and seen.count(step) == 3:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(writing, "_FAULT", fault)
    with pytest.raises(WriteError, match=r"/c: cannot write: Input/output error; nothing written$"):
        write_files(writes)
    assert snapshot_dir(tmp_path) == before


def test_write_files_interrupted_between_renames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writes, before = three_files(tmp_path)
    renames: list[str] = []

    def fault(step: str) -> None:
        if step == "replace":
            renames.append(step)
            if len(renames) == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(writing, "_FAULT", fault)
    with pytest.raises(KeyboardInterrupt):
        write_files(writes)
    assert snapshot_dir(tmp_path) == before


def test_write_files_refuses_a_file_changed_while_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last file is edited by someone else while the new contents are being staged: nothing is renamed."""
    writes, before = three_files(tmp_path)

    def fault(step: str) -> None:
        if step == "chmod" and (tmp_path / "c").read_bytes() == b"old c\n":
            (tmp_path / "c").write_bytes(b"someone else's c\n")

    monkeypatch.setattr(writing, "_FAULT", fault)
    with pytest.raises(WriteError, match="changed on disk since it was read"):
        write_files(writes)
    assert snapshot_dir(tmp_path) == {**before, "c": b"someone else's c\n"}


def test_write_files_refuses_one_file_named_twice(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"old\n")
    (tmp_path / "link").symlink_to("a")
    with pytest.raises(WriteError) as info:
        write_files([(tmp_path / "a", b"1\n", None), (tmp_path / "link", b"2\n", None)])
    assert str(info.value) == (
        f"{tmp_path / 'link'} (the same file as {tmp_path / 'a'}): named for two of this command's outputs; "
        "nothing written"
    )
    assert (tmp_path / "a").read_bytes() == b"old\n"


# --------------------------------------------------------------------------------------------------------------
# Write modes
# --------------------------------------------------------------------------------------------------------------


def do_emit(
    path: Path | None, old: bytes, new: bytes, opts: WriteOptions, name: str = "v.yaml"
) -> tuple[int, str, list[str]]:
    out = io.StringIO()
    outcome = emit(
        name=name,
        path=path,
        old_bytes=old,
        new_bytes=new,
        old_text=old.decode("utf-8-sig"),
        new_text=new.decode("utf-8-sig"),
        opts=opts,
        stdout=out,
    )
    return outcome.exit_code, out.getvalue(), outcome.messages


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        (WriteOptions(check=True, write=True), "--check writes nothing"),
        (WriteOptions(check=True, output=Path("x")), "--check writes nothing"),
        (WriteOptions(backup=True), "--backup goes with -w"),
        (WriteOptions(write=True, output=Path("x")), "choose one of -w"),
    ],
)
def test_option_conflicts(opts: WriteOptions, message: str) -> None:
    with pytest.raises(WriteError, match=message):
        opts.validate()


def test_default_mode_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    code, out, messages = do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions())
    assert code == ExitCode.OK and out.startswith("--- a/v.yaml\n+++ b/v.yaml\n") and messages == []
    assert f.read_bytes() == b"a: 1\n"
    code, out, messages = do_emit(f, b"a: 1\n", b"a: 1\n", WriteOptions())
    assert (code, out, messages) == (0, "", ["v.yaml: no change"])
    code, out, _ = do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(quiet=True))
    assert out == ""


def test_check_mode(tmp_path: Path) -> None:
    assert do_emit(None, b"a: 1\n", b"a: 2\n", WriteOptions(check=True)) == (1, "", ["v.yaml: would change"])
    assert do_emit(None, b"a: 1\n", b"a: 1\n", WriteOptions(check=True)) == (
        0,
        "",
        ["v.yaml: already in the requested state"],
    )


def test_bom_only_change_is_shown() -> None:
    code, out, _ = do_emit(None, b"a: 1\n", b"\xef\xbb\xbfa: 1\n", WriteOptions())
    assert code == 0 and "(byte-level change: byte order mark)" in out


def test_write_in_place_with_backup(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    f.chmod(0o640)
    code, out, messages = do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(write=True, backup=True))
    bak = backup_path(f)
    assert code == 0 and out == ""
    assert messages == [f"kept the original as {bak}", "updated v.yaml"]
    assert f.read_bytes() == b"a: 2\n" and bak.read_bytes() == b"a: 1\n"
    assert stat.S_IMODE(bak.stat().st_mode) == 0o640
    # a second run must not overwrite the backup silently
    with pytest.raises(WriteError, match="a backup already exists"):
        do_emit(f, b"a: 2\n", b"a: 3\n", WriteOptions(write=True, backup=True))
    assert f.read_bytes() == b"a: 2\n" and bak.read_bytes() == b"a: 1\n"
    # nor follow a dangling symlink planted where the backup goes
    bak.unlink()
    bak.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(WriteError, match="a backup already exists"):
        do_emit(f, b"a: 2\n", b"a: 3\n", WriteOptions(write=True, backup=True))
    assert not (tmp_path / "elsewhere").exists()
    # no change: no backup needed, nothing refused
    bak.unlink()
    assert do_emit(f, b"a: 2\n", b"a: 2\n", WriteOptions(write=True, backup=True))[2] == ["v.yaml: unchanged"]
    assert not bak.exists()


def test_backup_appearing_late_is_still_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup created between the pre-flight check and the copy (O_EXCL) is not overwritten."""
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    bak = backup_path(f)

    def plant(step: str) -> None:
        if step == "backup":
            bak.write_bytes(b"someone else's backup\n")

    monkeypatch.setattr(writing, "_FAULT", plant)
    with pytest.raises(WriteError, match="a backup already exists"):
        do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(write=True, backup=True))
    assert bak.read_bytes() == b"someone else's backup\n" and f.read_bytes() == b"a: 1\n"


def test_failed_write_removes_the_backup_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")

    def edit_meanwhile(step: str) -> None:
        if step == "create":  # after the backup was made, before the new content is in place
            f.write_bytes(b"a: edited meanwhile\n")

    monkeypatch.setattr(writing, "_FAULT", edit_meanwhile)
    with pytest.raises(WriteError, match="changed on disk"):
        do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(write=True, backup=True))
    assert f.read_bytes() == b"a: edited meanwhile\n"
    assert not backup_path(f).exists()
    assert leftovers(tmp_path) == []


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: other\n")
    diff_file = tmp_path / "change.patch"
    with pytest.raises(WriteError, match="changed on disk"):
        do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(write=True, diff_file=diff_file))
    assert f.read_bytes() == b"a: other\n"
    assert not diff_file.exists()  # refused before anything was written


def test_output_and_diff_file(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    out_file, diff_file = tmp_path / "out.yaml", tmp_path / "d.patch"
    code, out, messages = do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(output=out_file, diff_file=diff_file))
    assert code == 0 and out == ""
    assert out_file.read_bytes() == b"a: 2\n" and f.read_bytes() == b"a: 1\n"
    assert diff_file.read_text() == unified_diff("a: 1\n", "a: 2\n", "v.yaml")
    assert messages == [f"wrote diff to {diff_file}", f"wrote {out_file}"]
    with pytest.raises(WriteError, match="is a directory"):
        do_emit(f, b"a: 1\n", b"a: 2\n", WriteOptions(output=tmp_path))
    with pytest.raises(WriteError, match="not a file on disk"):
        do_emit(None, b"a: 1\n", b"a: 2\n", WriteOptions(write=True))


def test_extra_files(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    out = io.StringIO()
    outcome = emit(
        name="v.yaml",
        path=f,
        old_bytes=b"a: 1\n",
        new_bytes=b"a: 2\n",
        old_text="a: 1\n",
        new_text="a: 2\n",
        opts=WriteOptions(write=True),
        stdout=out,
        extra_files=[(tmp_path / "extra.txt", b"x")],
    )
    assert outcome.exit_code == 0
    assert (tmp_path / "extra.txt").read_bytes() == b"x" and f.read_bytes() == b"a: 2\n"


# --------------------------------------------------------------------------------------------------------------
# Diffs of big files: linear, and an insertion shows after the lines it follows
# --------------------------------------------------------------------------------------------------------------


def apply_patch(old: str, diff: str) -> str:
    """Apply a unified diff from :func:`unified_diff` to ``old``, strictly (every context line must match)."""
    if not diff:
        return old
    parts = old.split("\n")
    source = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    body = diff.splitlines(keepends=True)[2:]
    out: list[str] = []
    pos = 0
    k = 0
    while k < len(body):
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", body[k])
        assert header, body[k]
        start = int(header.group(1)) - (0 if header.group(2) == "0" else 1)
        assert start >= pos
        out.extend(source[pos:start])
        pos = start
        k += 1
        while k < len(body) and not body[k].startswith("@@"):
            sign, content = body[k][0], body[k][1:]
            no_newline = k + 1 < len(body) and body[k + 1].startswith("\\ No newline")
            if no_newline:
                content = content[:-1]
            if sign in " -":
                assert source[pos] == content, (source[pos], content)
                pos += 1
            if sign in " +":
                out.append(content)
            k += 2 if no_newline else 1
    out.extend(source[pos:])
    return "".join(out)


_lines = st.lists(st.sampled_from(["a", "b", "", "ab", "  c: 1", "# c"]), max_size=25)


@settings(max_examples=300, deadline=None)
@given(_lines, st.data(), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans(), st.sampled_from([0, 1, 3]))
def test_diffs_apply(old: list[str], data: st.DataObject, nl: str, end_old: bool, end_new: bool, context: int) -> None:
    new = list(old)
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(new)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert":
            new.insert(i, data.draw(st.sampled_from(["a", "z", "", "  d: 2"])))
        elif new:
            if op == "delete":
                del new[min(i, len(new) - 1)]
            else:
                new[min(i, len(new) - 1)] = "zz"
    a = nl.join(old) + (nl if end_old and old else "")
    b = nl.join(new) + (nl if end_new and new else "")
    d = unified_diff(a, b, "v.yaml", context=context)
    assert (d == "") == (a == b)
    assert apply_patch(a, d) == b
    groups = list(writing.grouped_opcodes(a.split("\n"), b.split("\n"), context))
    assert (groups == []) == (a == b)


def test_insertion_follows_the_lines_it_comes_after() -> None:
    old = "x: 1\n  daemonsetLogging:\n    enabled: true\n\n\n# end\n"
    new = "x: 1\n  daemonsetLogging:\n    enabled: true\n  dagOnlyDeployment:\n    enabled: true\n\n\n# end\n"
    assert unified_diff(old, new, "v") == (
        "--- a/v\n+++ b/v\n@@ -1,6 +1,8 @@\n x: 1\n   daemonsetLogging:\n     enabled: true\n"
        "+  dagOnlyDeployment:\n+    enabled: true\n \n \n # end\n"
    )


def test_diff_of_a_big_file_is_linear() -> None:
    """40,000 equal comment lines took difflib minutes; the diff works on the changed lines only."""
    old = "a: 1\n" + ("# " + "c" * 60 + "\n") * 200_000
    new = old.replace("a: 1\n", "a: 2\n") + "b: 2\n"
    started = time.process_time()
    d = unified_diff(old, new, "v.yaml")
    assert time.process_time() - started < 1.0
    assert d.count("\n@@") + d.startswith("@@") == 2
    assert apply_patch(old, d) == new
    lines = old.split("\n")
    started = time.process_time()
    groups = list(writing.grouped_opcodes(lines, new.split("\n")))
    assert time.process_time() - started < 1.0 and len(groups) == 2
