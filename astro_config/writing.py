"""Writing results: unified diffs and atomic, verified file writes.

Nothing is written unless every check passed; a failed write leaves the original untouched and no temporary
file behind.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from astro_config.errors import ExitCode, WriteError

_RESET = "\x1b[0m"
_COLORS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m", "h": "\x1b[1m"}


def _split_keep(text: str) -> list[str]:
    """Lines with their endings ("\\n" or "\\r\\n"), split on "\\n" only (as YAML line numbers count)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(
    old: str,
    new: str,
    name: str,
    context: int = 3,
    redact_line: Callable[[str], str] | None = None,
) -> str:
    """A ``patch -p1`` compatible unified diff (``a/NAME`` and ``b/NAME``). Empty when equal."""
    if old == new:
        return ""
    old_lines = _split_keep(old)
    new_lines = _split_keep(new)
    out: list[str] = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{name}", f"b/{name}", n=context):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
            continue
        body = line
        if redact_line is not None and line[:1] in "+- ":
            body = line[0] + redact_line(line[1:])
        if not body.endswith("\n"):
            body += "\n\\ No newline at end of file\n"
        out.append(body)
    return "".join(out)


def colorize_diff(diff: str) -> str:
    out: list[str] = []
    for line in diff.splitlines(keepends=True):
        color = _COLORS["h"] if line.startswith(("---", "+++")) else _COLORS.get(line[:1], "")
        if color:
            end = "\r\n" if line.endswith("\r\n") else ("\n" if line.endswith("\n") else "")
            out.append(color + line[: len(line) - len(end)] + _RESET + end)
        else:
            out.append(line)
    return "".join(out)


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
    except ValueError:  # closed stream
        return False


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Test hook: fault injection at each step of a write ("create", "write", "fsync", "chmod", "replace").
_FAULT: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if _FAULT is not None:
        _FAULT(name)


def _explain(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "no space left on the device"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EROFS:
        return "read-only file system"
    return e.strerror or str(e)


def write_atomic(path: Path, data: bytes, expect_current: bytes | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync, rename).

    A symlink is written through: its target is replaced and the link stays a link. The file mode is kept.
    With ``expect_current``, refuse when the file on disk no longer holds those bytes.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    mode: int | None = None
    uid_gid: tuple[int, int] | None = None
    try:
        st = os.stat(target)
        mode = st.st_mode & 0o7777
        uid_gid = (st.st_uid, st.st_gid)
    except FileNotFoundError:
        if expect_current is not None:
            raise WriteError(f"{path}: the file disappeared since it was read; nothing written") from None
    except OSError as e:
        raise WriteError(f"{path}: cannot write: {_explain(e)}; nothing written") from None
    if expect_current is not None:
        try:
            now = target.read_bytes()
        except OSError as e:
            raise WriteError(f"{path}: cannot re-read before writing: {_explain(e)}; nothing written") from None
        if now != expect_current:
            raise WriteError(f"{path}: the file changed on disk since it was read; nothing written (run again)")
    tmp_name: str | None = None
    try:
        _step("create")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        try:
            _step("write")
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            _step("fsync")
            os.fsync(fd)
        finally:
            os.close(fd)
        _step("chmod")
        os.chmod(tmp_name, mode if mode is not None else 0o666 & ~_umask())
        if uid_gid is not None and hasattr(os, "chown"):
            # not permitted for an ordinary user: the file then keeps the writer's ownership
            with contextlib.suppress(OSError):
                os.chown(tmp_name, *uid_gid)
        _step("replace")
        os.replace(tmp_name, target)
        tmp_name = None
        try:
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass  # some file systems cannot fsync a directory; the rename itself is atomic
    except OSError as e:
        raise WriteError(f"{path}: cannot write: {_explain(e)}; the original is untouched") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class WriteOptions:
    write: bool = False
    backup: bool = False
    output: Path | None = None
    diff_file: Path | None = None
    check: bool = False
    quiet: bool = False

    def validate(self) -> None:
        if self.check and (self.write or self.output):
            raise WriteError("--check writes nothing: use it without -w/--write and -o/--output")
        if self.backup and not self.write:
            raise WriteError("--backup goes with -w/--write")
        if self.write and self.output:
            raise WriteError("choose one of -w/--write (in place) and -o/--output (elsewhere)")


@dataclass
class Outcome:
    exit_code: int
    messages: list[str]


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def emit(
    *,
    name: str,
    path: Path | None,
    old_bytes: bytes,
    new_bytes: bytes,
    old_text: str,
    new_text: str,
    opts: WriteOptions,
    stdout: TextIO,
    redact_line: Callable[[str], str] | None = None,
    extra_files: Iterable[tuple[Path, bytes]] = (),
    diff_text: str | None = None,
) -> Outcome:
    """Carry out the write mode for one edited file. Returns the exit code and messages for stderr.

    ``diff_text``, when given, is the diff to show and to write with ``--diff-file`` (e.g. one with secrets
    hidden); otherwise it is computed from the texts."""
    opts.validate()
    changed = old_bytes != new_bytes
    diff = diff_text if diff_text is not None else unified_diff(old_text, new_text, name, redact_line=redact_line)
    if changed and not diff:  # only a BOM or encoding detail changed
        diff = f"--- a/{name}\n+++ b/{name}\n(byte-level change: byte order mark)\n"
    messages: list[str] = []
    extra = list(extra_files)
    if opts.check:
        if changed:
            messages.append(f"{name}: would change")
            return Outcome(ExitCode.FINDINGS, messages)
        messages.append(f"{name}: already in the requested state")
        return Outcome(ExitCode.OK, messages)
    # Pre-flight every destination before writing anything.
    if opts.write and path is None:
        raise WriteError(f"{name}: cannot write in place: not a file on disk")
    if opts.write and opts.backup and changed:
        assert path is not None
        bak = backup_path(path)
        if bak.exists() or bak.is_symlink():
            raise WriteError(f"{bak}: a backup already exists; move it away first (nothing written)")
    for dest in [opts.output, opts.diff_file, *[p for p, _ in extra]]:
        if dest is not None and dest.exists() and dest.is_dir():
            raise WriteError(f"{dest}: is a directory; nothing written")
    if not opts.write and not opts.output and diff and not opts.quiet:
        stdout.write(colorize_diff(diff) if use_color(stdout) else diff)
    if opts.diff_file is not None:
        write_atomic(opts.diff_file, diff.encode("utf-8"))
        messages.append(f"wrote diff to {opts.diff_file}")
    for dest, data in extra:
        write_atomic(dest, data)
        messages.append(f"wrote {dest}")
    if opts.output is not None:
        write_atomic(opts.output, new_bytes)
        messages.append(f"wrote {opts.output}")
    elif opts.write:
        assert path is not None
        if changed:
            if opts.backup:
                bak = backup_path(path)
                try:
                    fd = os.open(bak, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    raise WriteError(f"{bak}: a backup already exists; move it away first (nothing written)") from None
                except OSError as e:
                    raise WriteError(f"{bak}: cannot create the backup: {_explain(e)}; nothing written") from None
                try:
                    os.write(fd, old_bytes)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                with contextlib.suppress(OSError):
                    os.chmod(bak, os.stat(path).st_mode & 0o7777)
                messages.append(f"kept the original as {bak}")
            write_atomic(path, new_bytes, expect_current=old_bytes)
            messages.append(f"updated {name}")
        else:
            messages.append(f"{name}: unchanged")
    elif not changed:
        messages.append(f"{name}: no change")
    return Outcome(ExitCode.OK, messages)
