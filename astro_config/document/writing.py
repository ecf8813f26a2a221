"""Writing results: unified diffs and atomic, verified file writes.

Nothing is written unless every check passed; a failed write leaves the original untouched and no temporary
file behind.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from astro_config.errors import ExitCode, WriteError


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
    """A ``patch -p1`` compatible unified diff (``a/NAME`` and ``b/NAME``). Empty when equal.

    Linear in time and memory on big files with a local change (see :func:`grouped_opcodes`); an insertion
    shows after the lines it follows.
    """
    if old == new:
        return ""
    a, b = _split_keep(old), _split_keep(new)
    out: list[str] = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    for group in grouped_opcodes(a, b, context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{hunk_range(i1, i2)} +{hunk_range(j1, j2)} @@\n")
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                out.extend(_body(" ", line, redact_line) for line in a[x1:x2])
                continue
            out.extend(_body("-", line, redact_line) for line in a[x1:x2])
            out.extend(_body("+", line, redact_line) for line in b[y1:y2])
    return "".join(out)


def _body(sign: str, line: str, redact_line: Callable[[str], str] | None) -> str:
    body = sign + (redact_line(line) if redact_line is not None else line)
    return body if body.endswith("\n") else body + "\n\\ No newline at end of file\n"


def hunk_range(start: int, stop: int) -> str:
    """A hunk range as ``diff -u`` writes it (difflib's ``_format_range_unified``)."""
    length = stop - start
    beginning = start + 1
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _FixedOpcodes(difflib.SequenceMatcher[str]):
    """difflib's hunk grouping (``get_grouped_opcodes``) over opcodes worked out elsewhere."""

    def __init__(self, opcodes: list[Opcode]) -> None:
        super().__init__(None, [], [])
        self._fixed = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return list(self._fixed)


def _window_opcodes(a: Sequence[str], b: Sequence[str], head: int, tail: int) -> list[Opcode]:
    """Opcodes for ``a`` -> ``b`` whose first ``head`` and last ``tail`` lines are known to be equal: difflib
    compares only what lies between."""
    codes: list[Opcode] = []
    if head:
        codes.append(("equal", 0, head, 0, head))
    for tag, i1, i2, j1, j2 in _middle_opcodes(a[head : len(a) - tail], b[head : len(b) - tail]):
        codes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    merged: list[Opcode] = []
    for code in codes:
        if merged and code[0] == "equal" and merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], code[2], merged[-1][3], code[4])
        else:
            merged.append(code)
    return merged


_SMALL = 4000  # lines: difflib's alignment (it reads best) below this, Myers' O(ND) algorithm above
_MAX_D = 1000  # edits Myers' algorithm looks for before giving up (on big inputs that differ everywhere)


def _middle_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    if len(a) + len(b) <= _SMALL:
        return list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    found = _myers(a, b, _MAX_D)
    if found is not None:
        return found
    # very different big inputs: difflib with its heuristic for popular lines is fast enough there
    return list(difflib.SequenceMatcher(None, a, b, autojunk=True).get_opcodes())


def _snake(a: Sequence[str], b: Sequence[str], x: int, y: int) -> tuple[int, int]:
    """Follow equal lines from ``(x, y)``; long runs are compared in slices (at C speed)."""
    n, m, step = len(a), len(b), 64
    while x + step <= n and y + step <= m and a[x : x + step] == b[y : y + step]:
        x, y = x + step, y + step
    while x < n and y < m and a[x] == b[y]:
        x, y = x + 1, y + 1
    return x, y


def _myers(a: Sequence[str], b: Sequence[str], max_d: int) -> list[Opcode] | None:
    """Opcodes of a shortest edit script (Myers 1986), in O((N+M)D) time: linear for the few edits of an edit
    of a big file, where difflib is superlinear. None when more than ``max_d`` edits are needed."""
    n, m = len(a), len(b)
    v: dict[int, int] = {1: 0}
    trace: list[dict[int, int]] = []
    for d in range(max_d + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            x, y = _snake(a, b, x, x - k)
            v[k] = x
            if x >= n and y >= m:
                return _script(trace, n, m)
    return None


def _script(trace: list[dict[int, int]], n: int, m: int) -> list[Opcode]:
    moves: list[tuple[str, int, int]] = []  # backwards: ("equal"|"delete"|"insert", x, y) for one line
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prev_x = v[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            moves.append(("equal", x, y))
        if d > 0:
            moves.append(("insert", prev_x, prev_y) if x == prev_x else ("delete", prev_x, prev_y))
        x, y = prev_x, prev_y
    moves.reverse()
    runs: list[list[int]] = []  # [equal?, i1, i2, j1, j2]
    i = j = 0
    for tag, _x, _y in moves:
        di, dj = (1, 1) if tag == "equal" else (1, 0) if tag == "delete" else (0, 1)
        same = int(tag == "equal")
        if runs and runs[-1][0] == same:
            runs[-1][2], runs[-1][4] = i + di, j + dj
        else:
            runs.append([same, i, i + di, j, j + dj])
        i, j = i + di, j + dj
    return [(_tag(bool(same), i1, i2, j1, j2), i1, i2, j1, j2) for same, i1, i2, j1, j2 in runs]


def _tag(same: bool, i1: int, i2: int, j1: int, j2: int) -> Literal["replace", "delete", "insert", "equal"]:
    if same:
        return "equal"
    if i1 < i2 and j1 < j2:
        return "replace"
    return "delete" if i1 < i2 else "insert"


def grouped_opcodes(
    a: Sequence[str], b: Sequence[str], context: int = 3
) -> Iterator[list[tuple[str, int, int, int, int]]]:
    """Like ``difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context)`` for two lists of
    lines, in linear time for local changes: the common head (as long as possible) and tail are taken as equal
    and only the lines between them are compared (difflib alone is superlinear on files with many equal lines,
    minutes for 40,000 equal comment lines)."""
    head, _ = _snake(a, b, 0, 0)
    limit = min(len(a), len(b)) - head
    step, tail = 64, 0  # (equal runs compared a slice at a time, at C speed)
    while tail + step <= limit and a[len(a) - tail - step : len(a) - tail] == b[len(b) - tail - step : len(b) - tail]:
        tail += step
    while tail < limit and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    if head == len(a) == len(b):
        return
    yield from _FixedOpcodes(_window_opcodes(a, b, head, tail)).get_grouped_opcodes(context)


def digest(data: bytes) -> str:
    import hashlib  # lazy: 3 ms to import, only when a digest is asked for

    return hashlib.sha256(data).hexdigest()


# Test hook: fault injection at each step of a write ("create", "write", "fsync", "chmod", "replace", and
# "backup" before a --backup copy is made).
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
    write_files([(path, data, expect_current)])


@dataclass
class _Staged:
    path: Path  # as the user named it (for messages)
    target: Path  # the real file (a symlink is written through)
    data: bytes
    expect: bytes | None
    existed: bool = False
    mode: int | None = None
    uid_gid: tuple[int, int] | None = None
    tmp: str | None = None  # the new content, fsynced, waiting for its rename
    saved: str | None = None  # a hard link to the previous content while the renames run (several files)
    saved_bytes: bytes | None = None  # the previous content, when a hard link cannot be made
    renamed: bool = False
    special: bool = False  # a FIFO, a device or a socket: written into, not replaced


def write_files(writes: Sequence[tuple[Path, bytes, bytes | None]]) -> None:
    """Write several files all-or-nothing: each as :func:`write_atomic` does, with every new content staged
    (written and fsynced next to its file) before the first rename. A failure while staging changes no file;
    a failed rename puts the files already renamed back as they were. Raises :class:`WriteError`."""
    staged = [_preflight(Path(p), data, expect) for p, data, expect in writes]
    special = [item for item in staged if item.special]
    staged = [item for item in staged if not item.special]
    seen: dict[Path, Path] = {}
    for item in [*staged, *special]:
        if item.target in seen:
            same = "" if str(seen[item.target]) == str(item.path) else f" (the same file as {seen[item.target]})"
            raise WriteError(f"{item.path}{same}: named for two of this command's outputs; nothing written")
        seen[item.target] = item.path
    several = len(staged) > 1
    untouched = "nothing written" if several else "the original is untouched"
    current: _Staged | None = None
    try:
        try:
            for current in staged:
                _stage(current)
            for current in staged:
                if current.expect is not None:
                    _check_unchanged(current)
            if several:
                for current in staged:
                    _save_previous(current)
            for current in staged:
                _step("replace")
                assert current.tmp is not None
                os.replace(current.tmp, current.target)
                current.tmp, current.renamed = None, True
        except OSError as e:
            assert current is not None
            problem = _rollback(staged)
            raise WriteError(f"{current.path}: cannot write: {_explain(e)}; {problem or untouched}") from None
        except BaseException:
            _rollback(staged)
            raise
    finally:
        for item in staged:
            for leftover in (item.tmp, item.saved):
                if leftover is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(leftover)
    for directory in {item.target.parent for item in staged}:
        _fsync_dir(directory)
    for item in special:  # FIFOs and devices: written into, never replaced (after the regular files)
        _write_into(item, done=[i.path for i in staged])


def _write_into(item: _Staged, done: list[Path]) -> None:
    """Write into a special file (a FIFO, a character device) as a shell redirection does."""
    written = f"; {', '.join(str(p) for p in done)} written" if done else "; nothing else written"
    try:
        _step("special")
        fd = os.open(item.target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise WriteError(f"{item.path}: cannot write: {_explain(e)}{written}") from None
    try:
        _write_fully(fd, item.data)
    except OSError as e:
        raise WriteError(f"{item.path}: cannot write: {_explain(e)}{written}") from None
    finally:
        os.close(fd)


def _preflight(path: Path, data: bytes, expect: bytes | None) -> _Staged:
    item = _Staged(path=path, target=Path(os.path.realpath(path)), data=data, expect=expect)
    try:
        st = os.stat(item.target)
        item.existed, item.mode, item.uid_gid = True, st.st_mode & 0o7777, (st.st_uid, st.st_gid)
        if stat.S_ISDIR(st.st_mode):
            raise WriteError(f"{path}: is a directory; nothing written")
        item.special = not stat.S_ISREG(st.st_mode)
        if item.special and expect is not None:
            raise WriteError(f"{path}: is not a regular file; cannot write it in place")
    except FileNotFoundError:
        if expect is not None:
            raise WriteError(f"{path}: the file disappeared since it was read; nothing written") from None
    except OSError as e:
        raise WriteError(f"{path}: cannot write: {_explain(e)}; nothing written") from None
    return item  # (whether it still holds what was read is checked once all is staged, just before the renames)


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # os.write may write less than asked
        view = view[os.write(fd, view) :]


def _check_unchanged(item: _Staged) -> None:
    """Refuse when the file no longer holds what was read (someone else wrote it meanwhile)."""
    assert item.expect is not None
    try:
        same = _holds(item.target, item.expect)
    except OSError as e:
        raise WriteError(f"{item.path}: cannot re-read before writing: {_explain(e)}; nothing written") from None
    if not same:
        raise WriteError(f"{item.path}: the file changed on disk since it was read; nothing written (run again)")


def _stage(item: _Staged) -> None:
    """Write the new content to a temp file beside the target, fsynced, with the target's mode."""
    _step("create")
    fd, item.tmp = tempfile.mkstemp(prefix=f".{item.target.name}.", suffix=".tmp", dir=item.target.parent)
    try:
        _step("write")
        _write_fully(fd, item.data)
        _step("fsync")
        os.fsync(fd)
    finally:
        os.close(fd)
    _step("chmod")
    os.chmod(item.tmp, item.mode if item.mode is not None else 0o666 & ~_umask())
    if item.uid_gid is not None and hasattr(os, "chown"):
        # not permitted for an ordinary user: the file then keeps the writer's ownership
        with contextlib.suppress(OSError):
            os.chown(item.tmp, *item.uid_gid)


def _save_previous(item: _Staged) -> None:
    """Keep the target's current content reachable (a hard link, else its bytes) so a later failed rename can
    put it back."""
    if not item.existed:
        return
    for attempt in range(100):
        name = os.path.join(item.target.parent, f".{item.target.name}.{os.getpid()}-{attempt}.tmp")
        try:
            os.link(item.target, name)
        except FileExistsError:
            continue
        except OSError:
            break  # no hard links here: keep the bytes
        item.saved = name
        return
    with open(item.target, "rb") as fh:
        item.saved_bytes = fh.read()


def _rollback(staged: Sequence[_Staged]) -> str:
    """Undo the renames already done. Returns what to tell the user: "" when no rename had happened."""
    failed: list[str] = []
    undone = [item for item in staged if item.renamed]
    for item in reversed(undone):
        try:
            if item.saved is not None:
                os.replace(item.saved, item.target)
                item.saved = None
            elif item.saved_bytes is not None:
                write_atomic(item.target, item.saved_bytes)
            elif not item.existed:
                os.unlink(item.target)
            else:
                raise OSError(errno.EIO, "its previous content was not kept")
            item.renamed = False
        except (OSError, WriteError):
            failed.append(str(item.path))
    if failed:
        return f"could not put back the previous {', '.join(failed)} (now holds the new content)"
    return f"put back {', '.join(str(i.path) for i in undone)}; no file changed" if undone else ""


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename itself is atomic


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data`` (reading at most one byte more)."""
    with open(path, "rb") as fh:
        return fh.read(len(data) + 1) == data


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------------------------------------------
# Concurrent writers: an advisory lock held from the read to the rename
# --------------------------------------------------------------------------------------------------------------

LOCK_WAIT = 10.0  # seconds a writer waits for another one to finish before giving up ("busy")
_LOCK_POLL = 0.02


@contextlib.contextmanager
def hold_lock(path: Path | None, wait: float | None = None) -> Iterator[None]:
    """Hold an exclusive advisory lock (``flock``) on the file at ``path`` for the block: around the read, the
    edit, the verification and the rename of an in-place write, so two such writers run one after the other
    and neither loses the other's edit. A writer that does not lock is still caught by the changed-on-disk
    check just before the rename.

    The lock is on the file (the inode), which the rename replaces: once locked, the path must still name that
    file, else the lock is taken again on the new one. Waits at most ``wait`` seconds (``LOCK_WAIT``), then
    raises :class:`WriteError` (the file is busy). Nothing is locked when ``path`` is None, is missing, is not a
    regular file (``-``, standard input, included), or cannot be opened (reading it then reports why), or where
    ``fcntl`` does not exist."""
    fd = _lock(path, LOCK_WAIT if wait is None else wait) if path is not None and not is_stdout(path) else None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # (releases the lock)


def _lock(path: Path, wait: float) -> int | None:
    try:
        import fcntl  # lazy: Unix only (and only for an in-place write)
    except ImportError:  # pragma: no cover - Windows: no advisory locks
        return None
    target = os.path.realpath(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None  # missing or unreadable: the read reports it
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                os.close(fd)
                return None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    return None  # a file system without locks: the changed-on-disk check remains
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise WriteError(
                        f"{path}: busy: another astro-config is writing it (waited {wait:g} s); nothing written, "
                        "run again"
                    ) from None
                time.sleep(_LOCK_POLL)
                continue
            try:
                now = os.stat(target)
            except OSError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                return fd
            os.close(fd)  # replaced while we waited: lock the new file
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


def is_stdout(path: Path | None) -> bool:
    """``-o -``: standard output."""
    return path is not None and str(path) == "-"


def refuse_read_only(path: Path, force: bool) -> None:
    """Refuse to replace an existing regular file that its owner may not write (``chmod a-w``), as editors do,
    unless ``force``."""
    if force:
        return
    try:
        st = os.stat(path)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IWUSR:
        raise WriteError(
            f"{path}: is read-only (no write permission for its owner); nothing written (--force writes it)"
        )


def _write_stdout(stream: TextIO, data: bytes) -> None:
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "surrogateescape"))
        stream.flush()


@dataclass(frozen=True)
class WriteOptions:
    write: bool = False
    backup: bool = False
    output: Path | None = None
    diff_file: Path | None = None
    check: bool = False
    quiet: bool = False
    force: bool = False

    def validate(self) -> None:
        if self.check and (self.write or self.output):
            raise WriteError("--check writes nothing: use it without -w/--write and -o/--output")
        if self.backup and not self.write:
            raise WriteError("--backup goes with -w/--write")
        if self.write and self.output:
            raise WriteError("choose one of -w/--write (in place) and -o/--output (elsewhere)")
        if is_stdout(self.output) and is_stdout(self.diff_file):
            raise WriteError("only one of -o/--output and --diff-file can be - (standard output)")


@dataclass
class Outcome:
    exit_code: int
    messages: list[str]


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def write_backup(bak: Path, data: bytes, original: Path) -> None:
    """Create ``bak`` holding ``data`` (never replacing an existing file), with the original's mode."""
    try:
        _step("backup")
        fd = os.open(bak, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WriteError(f"{bak}: a backup already exists; move it away first (nothing written)") from None
    except OSError as e:
        raise WriteError(f"{bak}: cannot create the backup: {_explain(e)}; nothing written") from None
    try:
        try:
            _write_fully(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.chmod(bak, os.stat(original).st_mode & 0o7777)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(bak)
        raise WriteError(f"{bak}: cannot write the backup: {_explain(e)}; nothing written") from None


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
    style_diff: Callable[[str], str] | None = None,
) -> Outcome:
    """Carry out the write mode for one edited file. Returns the exit code and messages for stderr.

    ``diff_text``, when given, is the diff to show and to write with ``--diff-file`` (e.g. one with secrets
    hidden); otherwise it is computed from the texts. ``style_diff`` styles the diff shown on ``stdout`` (the
    CLI passes one for a colour terminal); a ``--diff-file`` always gets the plain diff."""
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
        existing = backup_path(path)
        if existing.exists() or existing.is_symlink():
            raise WriteError(f"{existing}: a backup already exists; move it away first (nothing written)")
    files = [d for d in [opts.output, opts.diff_file, *[p for p, _ in extra]] if d is not None and not is_stdout(d)]
    for dest in files:
        if dest.exists() and dest.is_dir():
            raise WriteError(f"{dest}: is a directory; nothing written")
        refuse_read_only(dest, opts.force)
    if opts.write and changed:
        assert path is not None
        refuse_read_only(path, opts.force)
    if not opts.write and not opts.output and diff and not opts.quiet and not is_stdout(opts.diff_file):
        stdout.write(style_diff(diff) if style_diff is not None else diff)
    # Every file this command writes, in one all-or-nothing transaction (the main file last).
    writes: list[tuple[Path, bytes, bytes | None]] = []
    if opts.diff_file is not None and not is_stdout(opts.diff_file):
        writes.append((opts.diff_file, diff.encode("utf-8"), None))
        messages.append(f"wrote diff to {opts.diff_file}")
    for dest, data in extra:
        writes.append((dest, data, None))
        messages.append(f"wrote {dest}")
    bak: Path | None = None
    if opts.output is not None and not is_stdout(opts.output):
        writes.append((opts.output, new_bytes, None))
        messages.append(f"wrote {opts.output}")
    elif opts.write:
        assert path is not None
        if changed:
            writes.append((path, new_bytes, old_bytes))
            if opts.backup:
                bak = backup_path(path)
                messages.append(f"kept the original as {bak}")
            messages.append(f"updated {name}")
        else:
            messages.append(f"{name}: unchanged")
    if writes:
        if bak is not None:
            assert path is not None
            write_backup(bak, old_bytes, path)
        try:
            write_files(writes)
        except BaseException:
            if bak is not None:  # the original is still in place: the backup is not needed
                with contextlib.suppress(OSError):
                    os.unlink(bak)
            raise
    if is_stdout(opts.output):  # `-o -`: standard output, after every file is written
        _write_stdout(stdout, new_bytes)
    if is_stdout(opts.diff_file):
        _write_stdout(stdout, diff.encode("utf-8"))
    if not changed and not opts.write and opts.output is None:
        messages.append(f"{name}: no change")
    return Outcome(ExitCode.OK, messages)
