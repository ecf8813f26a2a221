"""Measure a ``dags/`` folder exactly as the Astro CLI packs it for a DAG-only deploy.

What the Astro CLI does (``pkg/fileutil`` ``Tar`` + ``GzipFile``, used by ``astro deploy --dags``):

* walks the folder with Go's ``filepath.Walk``: depth first, names sorted bytewise in each directory,
  symlinks not followed;
* writes one tar entry per file, symlink (stored as a link) or other non-directory (FIFOs, devices: a header
  only); **directories get no entry of their own**, so empty directories do not ship; nothing is excluded
  (``__pycache__`` and ``.git`` go in too);
* names entries ``dags/<path inside the folder>`` with Go's ``archive/tar`` writer: USTAR headers (names
  over 100 bytes split into prefix/name when possible, otherwise a PAX ``PaxHeaders.0/`` record), modes,
  uid/gid and user/group names from the file, modification times rounded to the second, contents padded
  to 512 bytes, two zero blocks at the end;
* gzips the tar with Go's ``compress/gzip`` at the default level (6).

We produce the same tar stream, byte for byte (checked against Go 1.19's archive/tar, headers included),
and compress it in memory with zlib at level 6 (as ``gzip -6``), counting the compressed bytes without
storing them; a worker thread compresses while the caller's thread reads, as ``tar | gzip`` does. Go's
deflate is not zlib's, so the real upload differs from our figure by a little: on the folders we compared
it was from 0.6% smaller to 0.9% larger (``ACCURACY`` is 1%). The tests check our figure against GNU
``tar -czf`` on the same folder (within 1%).

Things that usually should not ship are reported as *contributors*: ``__pycache__`` directories, ``.git``,
virtualenvs, tool caches (``.pytest_cache``, ``.mypy_cache``, ``.ruff_cache``, ``.ipynb_checkpoints``),
``node_modules``, and large files (1 MB or more, other than ``.py``). A contributor's ``compressed_bytes``
is an **estimate**: the gzip -6 size of its own tar entries compressed on their own, computed in the same
pass. Deflate only looks back 32 KiB, so an entry's cost barely depends on what surrounds it, and removing
the contributor saves about that much; ``savings_bytes`` is that estimate, except for the N biggest
contributors when ``exact_savings=N``: the folder is packed again without each of them and the true
difference is reported (``Contributor.exact``).
"""

from __future__ import annotations

import grp
import math
import os
import pwd
import queue
import stat
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from astro_config.errors import InputError

__all__ = [
    "ACCURACY",
    "ARCHIVE_ROOT",
    "LARGE_FILE_BYTES",
    "BundleReport",
    "Contributor",
    "KindTotal",
    "measure",
    "project_dags",
    "tar_stream",
]

ARCHIVE_ROOT = "dags"
"""Entries are named ``dags/...`` whatever the folder is called (the Astro CLI always packs ``dags``)."""
LARGE_FILE_BYTES = 1_000_000
"""A non-Python file at least this big (uncompressed) is reported as a "large file" contributor."""
GZIP_LEVEL = 6
"""Go's ``gzip.DefaultCompression`` is level 6, the same as ``gzip -6``."""
ACCURACY = Fraction(1, 100)
"""The real upload (Go's deflate) differs from our zlib figure by about this fraction, either way."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: file bytes read so far and in all, called now and then from the caller's thread."""

_BLOCK = 512
_CHUNK = 1 << 20  # bytes handed to the compressor at a time
_QUEUE_CHUNKS = 8  # chunks in flight between the reader and the compressor thread
_PROGRESS_STEP = 4 << 20

_DIR_KINDS = {
    "__pycache__": "__pycache__",
    ".git": ".git",
    ".venv": "virtualenv",
    ".pytest_cache": "tool cache",
    ".mypy_cache": "tool cache",
    ".ruff_cache": "tool cache",
    ".ipynb_checkpoints": "tool cache",
    "node_modules": "node_modules",
}

# Entry kinds (tar type flags as Go writes them).
_REG, _SYMLINK, _CHAR, _BLOCKDEV, _FIFO = b"0", b"2", b"3", b"4", b"6"


@dataclass(frozen=True)
class Contributor:
    """Something in the bundle that usually should not ship, and what it costs."""

    path: str  # archive path, e.g. "dags/.git", "dags/etl/__pycache__", "dags/data/big.csv"
    kind: str  # "__pycache__" | ".git" | "virtualenv" | "tool cache" | "node_modules" | "large file"
    compressed_bytes: int  # estimate: its own entries gzip -6 compressed on their own
    files: int  # entries under it (files, symlinks, others)
    uncompressed_bytes: int  # its tar bytes (headers, contents, padding)
    savings_bytes: int  # what leaving it out saves from the upload (estimate, or exact when measured)
    exact: bool = False  # savings_bytes measured by packing the folder again without it

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "compressed_bytes": self.compressed_bytes,
            "uncompressed_bytes": self.uncompressed_bytes,
            "files": self.files,
            "savings_bytes": self.savings_bytes,
            "exact": self.exact,
        }


@dataclass(frozen=True)
class KindTotal:
    """All contributors of one kind together."""

    kind: str
    paths: int  # how many contributors (folders or files) of this kind
    files: int
    compressed_bytes: int
    savings_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "paths": self.paths,
            "files": self.files,
            "compressed_bytes": self.compressed_bytes,
            "savings_bytes": self.savings_bytes,
        }


@dataclass(frozen=True)
class BundleReport:
    """The measured upload of one ``dags/`` folder."""

    path: str  # the folder measured, as given
    compressed_bytes: int  # the .tar.gz upload size (gzip header and trailer included)
    uncompressed_bytes: int  # the tar stream size
    file_count: int  # regular files
    dir_count: int  # directories below the folder (they get no entry of their own)
    symlink_count: int  # symbolic links, stored as links
    other_count: int = 0  # FIFOs and device nodes (a header each)
    contributors: tuple[Contributor, ...] = ()  # biggest first
    notes: tuple[str, ...] = ()  # anything the user should know about how the folder was read
    project_root: str | None = None  # the Astro project given, when its dags/ folder was measured instead

    @property
    def removable_bytes(self) -> int:
        """About how much leaving out every contributor would save (the sum of their savings)."""
        return sum(c.savings_bytes for c in self.contributors)

    def kinds(self) -> tuple[KindTotal, ...]:
        """Contributors summed by kind ("__pycache__": 214 folders...), biggest saving first."""
        totals: dict[str, KindTotal] = {}
        for c in self.contributors:
            t = totals.get(c.kind, KindTotal(c.kind, 0, 0, 0, 0))
            totals[c.kind] = KindTotal(
                c.kind,
                t.paths + 1,
                t.files + c.files,
                t.compressed_bytes + c.compressed_bytes,
                t.savings_bytes + c.savings_bytes,
            )
        return tuple(sorted(totals.values(), key=lambda t: (-t.savings_bytes, t.kind)))

    @property
    def margin_bytes(self) -> int:
        """How far the real upload may be from ``compressed_bytes`` (Go's deflate is not zlib's): ~1%."""
        return math.ceil(self.compressed_bytes * ACCURACY)

    @property
    def entry_count(self) -> int:
        return self.file_count + self.symlink_count + self.other_count

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "compressed_bytes": self.compressed_bytes,
            "margin_bytes": self.margin_bytes,
            "uncompressed_bytes": self.uncompressed_bytes,
            "file_count": self.file_count,
            "dir_count": self.dir_count,
            "symlink_count": self.symlink_count,
            "other_count": self.other_count,
            "contributors": [c.to_dict() for c in self.contributors],
            "kinds": [k.to_dict() for k in self.kinds()],
            "removable_bytes": self.removable_bytes,
            "notes": list(self.notes),
            "project_root": self.project_root,
        }


# ----------------------------------------------------------------------------------------------- walking


@dataclass
class _Entry:
    path: bytes  # on disk
    name: bytes  # in the archive: b"dags/..."
    st: os.stat_result
    flag: bytes
    link: bytes = b""
    group: int = -1  # index into the groups list, -1 when not part of a contributor

    @property
    def size(self) -> int:
        return self.st.st_size if self.flag == _REG else 0


@dataclass
class _Group:
    path: str
    kind: str
    first: int  # entry indexes [first, last]
    last: int
    files: int = 0
    content_bytes: int = 0
    tar_bytes: int = 0
    compressed: int = 0


@dataclass
class _Walk:
    entries: list[_Entry] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    dirs: int = 0


def _fail(path: bytes | str, message: str) -> InputError:
    return InputError(os.fsdecode(path), message)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _walk(root: bytes, large_file_bytes: int) -> _Walk:
    """Go's filepath.Walk order: pre-order, names sorted bytewise, symlinks not followed."""
    result = _Walk()
    # Each stack item: (directory path on disk, archive name prefix, sorted child names, next index, group).
    stack: list[tuple[bytes, bytes, list[bytes], int, int]] = []

    def listing(path: bytes) -> list[bytes]:
        try:
            return sorted(os.listdir(path))
        except OSError as e:
            raise _fail(path, f"cannot read directory: {_reason(e)}") from e

    def open_group(name: bytes, kind: str) -> int:
        result.groups.append(_Group(os.fsdecode(name), kind, len(result.entries), len(result.entries) - 1))
        return len(result.groups) - 1

    stack.append((root, ARCHIVE_ROOT.encode() + b"/", listing(root), 0, -1))
    while stack:
        path, prefix, names, index, group = stack[-1]
        if index >= len(names):
            stack.pop()
            continue
        stack[-1] = (path, prefix, names, index + 1, group)
        name = names[index]
        full = os.path.join(path, name)
        arcname = prefix + name
        try:
            st = os.lstat(full)
        except OSError as e:
            raise _fail(full, f"cannot read: {_reason(e)}") from e
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            result.dirs += 1
            children = listing(full)
            child_group = group
            if group < 0:
                text = os.fsdecode(name)
                kind = _DIR_KINDS.get(text)
                if kind is None and b"pyvenv.cfg" in children:
                    kind = "virtualenv"
                if kind is not None:
                    child_group = open_group(arcname, kind)
            stack.append((full, arcname + b"/", children, 0, child_group))
            continue
        link = b""
        if stat.S_ISREG(mode):
            flag = _REG
        elif stat.S_ISLNK(mode):
            flag = _SYMLINK
            try:
                link = os.readlink(full)
            except OSError as e:
                raise _fail(full, f"cannot read symlink: {_reason(e)}") from e
        elif stat.S_ISFIFO(mode):
            flag = _FIFO
        elif stat.S_ISCHR(mode):
            flag = _CHAR
        elif stat.S_ISBLK(mode):
            flag = _BLOCKDEV
        else:  # sockets and anything stranger: Go's archive/tar refuses them, so the deploy would fail
            raise _fail(full, "is a socket (or other special file): the Astro CLI cannot pack it; move it out")
        entry_group = group
        if entry_group < 0 and name == b".git":  # a .git file (worktree or submodule pointer)
            entry_group = open_group(arcname, ".git")
        elif entry_group < 0 and flag == _REG and st.st_size >= large_file_bytes and not name.endswith(b".py"):
            entry_group = open_group(arcname, "large file")
        if entry_group >= 0:
            g = result.groups[entry_group]
            g.last = len(result.entries)
            g.files += 1
        result.entries.append(_Entry(full, arcname, st, flag, link, entry_group))
    result.groups = [g for g in result.groups if g.files]
    return result


# ------------------------------------------------------------------------------ tar headers (Go's layout)


def _fits_octal(value: int, width: int) -> bool:
    """Whether Go's formatOctal can write ``value`` in a field of ``width`` bytes (digits and a NUL)."""
    return 0 <= value < 1 << (3 * (width - 1))


def _clamp(value: int, width: int) -> int:
    """Go's formatOctal writes 0 for a value that does not fit (the PAX record carries it)."""
    return value if _fits_octal(value, width) else 0


def _split_ustar(name: bytes) -> tuple[bytes, bytes] | None:
    """Go's splitUSTARPath: (prefix, suffix) for an ASCII name over 100 bytes, or None."""
    length = len(name)
    if length <= 100 or not name.isascii():
        return None
    if length > 156:
        length = 156
    elif name[length - 1 : length] == b"/":
        length -= 1
    i = name.rfind(b"/", 0, length)
    nlen, plen = len(name) - i - 1, i
    if i <= 0 or nlen > 100 or nlen == 0 or plen > 155:
        return None
    return name[:i], name[i + 1 :]


def _ascii(value: bytes) -> bytes:
    """Go's toASCII: drop every non-ASCII byte."""
    return value if value.isascii() else bytes(b for b in value if b < 0x80)


def _pax_record(key: str, value: bytes) -> bytes:
    body = b" " + key.encode() + b"=" + value + b"\n"
    size = len(body) + len(str(len(body)))
    if len(str(size)) + len(body) != size:
        size = len(str(size)) + len(body)
    return str(size).encode() + body


_NUMBERS = b"%07o\0%07o\0%07o\0%011o\0%011o\0"  # mode, uid, gid, size, mtime: zero-padded octal + NUL
_DEVICE = b"%07o\0%07o\0"
_MAGIC = b"ustar\x0000"


def _block(
    name: bytes,
    numbers: tuple[int, int, int, int, int],
    flag: bytes,
    link: bytes = b"",
    uname: bytes = b"",
    gname: bytes = b"",
    device: tuple[int, int] | None = (0, 0),
    prefix: bytes = b"",
) -> bytes:
    """One 512-byte header block as Go lays it out. ``numbers`` must fit their fields (see ``_clamp``);
    ``device`` None leaves devmajor/devminor empty (Go's writeRawFile does)."""
    head = name[:100].ljust(100, b"\0") + _NUMBERS % numbers
    tail = b"".join(
        (
            flag,
            link[:100].ljust(100, b"\0"),
            _MAGIC,
            uname[:32].ljust(32, b"\0"),
            gname[:32].ljust(32, b"\0"),
            b"\0" * 16 if device is None else _DEVICE % device,
            prefix[:155].ljust(155, b"\0"),
            b"\0" * 12,
        )
    )
    checksum = sum(head) + sum(tail) + 8 * 32  # the checksum field counts as eight spaces
    return head + b"%06o\0 " % checksum + tail


class _Names:
    """uid/gid -> user/group name, looked up once each (as Go's archive/tar caches them)."""

    def __init__(self) -> None:
        self.users: dict[int, bytes] = {}
        self.groups: dict[int, bytes] = {}

    def user(self, uid: int) -> bytes:
        name = self.users.get(uid)
        if name is None:
            try:
                name = os.fsencode(pwd.getpwuid(uid).pw_name)
            except (KeyError, OverflowError):
                name = b""
            self.users[uid] = name
        return name

    def group(self, gid: int) -> bytes:
        name = self.groups.get(gid)
        if name is None:
            try:
                name = os.fsencode(grp.getgrgid(gid).gr_name)
            except (KeyError, OverflowError):
                name = b""
            self.groups[gid] = name
        return name


def _header(entry: _Entry, names: _Names) -> bytes:
    """The header block(s) Go's tar.Writer writes for FileInfoHeader(info, link) with the name set.

    USTAR when every field fits (a name over 100 bytes split into prefix and name when possible), otherwise
    a PAX extended header (``<dir>/PaxHeaders.0/<base>``, records sorted by key) and a main header whose
    strings are ASCII-only and truncated and whose numbers that do not fit are 0.
    """
    st = entry.st
    name, link, size = entry.name, entry.link, entry.size
    mtime = (st.st_mtime_ns + 500_000_000) // 1_000_000_000  # time.Round(time.Second)
    uid, gid = st.st_uid, st.st_gid
    uname, gname = names.user(uid), names.group(gid)
    device = (0, 0)
    if entry.flag in (_CHAR, _BLOCKDEV):
        device = (os.major(st.st_rdev), os.minor(st.st_rdev))
    pax: dict[str, bytes] = {}
    split: tuple[bytes, bytes] | None = None
    ustar = True
    if len(name) > 100 or not name.isascii():
        pax["path"] = name
        split = _split_ustar(name)
        ustar = split is not None
    for key, text, width in (("linkpath", link, 100), ("uname", uname, 32), ("gname", gname, 32)):
        if len(text) > width or not text.isascii():
            pax[key] = text
            ustar = False
    for key, value, width in (("uid", uid, 8), ("gid", gid, 8), ("size", size, 12), ("mtime", mtime, 12)):
        if not _fits_octal(value, width):
            pax[key] = str(value).encode()
            ustar = False
    mode = stat.S_IMODE(st.st_mode)
    if ustar:
        prefix, short = split if split is not None else (b"", name)
        return _block(short, (mode, uid, gid, size, mtime), entry.flag, link, uname, gname, device, prefix)
    records = b"".join(_pax_record(k, pax[k]) for k in sorted(pax))
    directory, _, base = name.rpartition(b"/")
    pax_name = _ascii((directory + b"/" if directory else b"") + b"PaxHeaders.0/" + base)[:100].rstrip(b"/")
    extended = _block(pax_name, (0, 0, 0, len(records), 0), b"x", device=None)
    extended += records + b"\0" * (-len(records) % _BLOCK)
    numbers = (mode, _clamp(uid, 8), _clamp(gid, 8), _clamp(size, 12), _clamp(mtime, 12))
    main = _block(_ascii(name), numbers, entry.flag, _ascii(link), _ascii(uname), _ascii(gname), device)
    return extended + main


# -------------------------------------------------------------------------------------------- streaming


class _Compressor:
    """Counts the gzip -6 size of what it is fed, compressing in a thread so that reading overlaps."""

    def __init__(self) -> None:
        self._zlib = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip header and trailer
        self._queue: queue.Queue[bytes | bytearray | None] = queue.Queue(_QUEUE_CHUNKS)
        self._error: BaseException | None = None
        self._abort = False
        self.compressed = 0
        self.fed = 0
        self._thread = threading.Thread(target=self._run, name="astro-config-deflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        compress = self._zlib.compress
        total = 0
        while True:
            chunk = self._queue.get()
            if chunk is None:
                break
            if self._abort or self._error is not None:
                continue
            try:
                total += len(compress(chunk))
            except BaseException as e:  # pragma: no cover - zlib does not fail on plain bytes
                self._error = e
        if not self._abort and self._error is None:
            total += len(self._zlib.flush())
        self.compressed = total

    def feed(self, chunk: bytes | bytearray) -> None:
        self.fed += len(chunk)
        self._queue.put(chunk)

    def finish(self) -> int:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:  # pragma: no cover
            raise self._error
        return self.compressed

    def abort(self) -> None:
        self._abort = True
        self._queue.put(None)
        self._thread.join()


class _GroupCompressor:
    """The stand-alone deflate size of one contributor's entries (raw deflate: no gzip framing)."""

    def __init__(self) -> None:
        self._zlib = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -15)
        self._buffer = bytearray()
        self.compressed = 0

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        if len(data) >= _CHUNK:
            self._drain()
            self.compressed += len(self._zlib.compress(data))
            return
        self._buffer += data
        if len(self._buffer) >= _CHUNK:
            self._drain()

    def _drain(self) -> None:
        if self._buffer:
            self.compressed += len(self._zlib.compress(self._buffer))
            self._buffer = bytearray()

    def finish(self) -> int:
        self._drain()
        self.compressed += len(self._zlib.flush())
        return self.compressed


class _Ticker:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done, self._last = progress, total, 0, 0
        if progress is not None:
            progress(0, total)

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None and self.done - self._last >= _PROGRESS_STEP:
            self._last = self.done
            self.progress(self.done, self.total)

    def end(self) -> None:
        if self.progress is not None and self._last != self.total:
            self._last = self.total
            self.progress(self.total, self.total)


def _read_exact(entry: _Entry, sink: Callable[[bytes], object]) -> None:
    """Read a regular file's ``size`` bytes into ``sink`` in chunks; fail if it changed size."""
    size = entry.size
    try:
        fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise _fail(entry.path, f"cannot read: {_reason(e)}") from e
    try:
        left = size
        while left > 0:
            data = os.read(fd, min(left, _CHUNK))
            if not data:
                raise _fail(entry.path, "changed while being measured (it got shorter); measure again")
            left -= len(data)
            sink(data)
    except OSError as e:
        raise _fail(entry.path, f"cannot read: {_reason(e)}") from e
    finally:
        os.close(fd)


class _Packer:
    """One pass: the tar stream through a gzip -6 counter, optionally sizing each contributor on its own."""

    def __init__(self, walk: _Walk, ticker: _Ticker, *, skip_group: int = -1, group_sizes: bool = False) -> None:
        self.walk, self.ticker = walk, ticker
        self.skip_group, self.group_sizes = skip_group, group_sizes
        self.names = _Names()
        self.out = _Compressor()
        self.buffer = bytearray()
        self.member: _GroupCompressor | None = None  # the contributor being sized, if any
        self.member_index = -1

    def run(self) -> tuple[int, int]:
        """Returns (compressed bytes, tar bytes)."""
        try:
            for entry in self.walk.entries:
                if entry.group >= 0 and entry.group == self.skip_group:
                    self.ticker.add(entry.size)  # each pass counts the whole folder, read or not
                else:
                    self._entry(entry)
            self._switch_group(-1)
            self.buffer += b"\0" * (2 * _BLOCK)
            self.out.feed(self.buffer)
        except BaseException:
            self.out.abort()
            raise
        return self.out.finish(), self.out.fed

    def _switch_group(self, group: int) -> None:
        if group == self.member_index:
            return
        if self.member is not None:
            self.walk.groups[self.member_index].compressed = self.member.finish()
        self.member = _GroupCompressor() if group >= 0 else None
        self.member_index = group

    def _small(self, data: bytes | bytearray) -> None:
        self.buffer += data
        if self.member is not None:
            self.member.feed(data)

    def _large(self, data: bytes) -> None:
        self.out.feed(data)
        if self.member is not None:
            self.member.feed(data)
        self.ticker.add(len(data))

    def _entry(self, entry: _Entry) -> None:
        if self.group_sizes:
            self._switch_group(entry.group)
        header = _header(entry, self.names)
        size = entry.size
        padding = b"\0" * (-size % _BLOCK)
        if self.member is not None:
            group = self.walk.groups[entry.group]
            group.tar_bytes += len(header) + size + len(padding)
            group.content_bytes += size
        self._small(header)
        if size < _CHUNK:
            if size:
                _read_exact(entry, self._small)
                self.ticker.add(size)
            self._small(padding)
            if len(self.buffer) >= _CHUNK:
                self.out.feed(self.buffer)
                self.buffer = bytearray()
        else:
            self.out.feed(self.buffer)
            self.buffer = bytearray()
            _read_exact(entry, self._large)
            self._small(padding)


def project_dags(folder: Path | str) -> str | None:
    """The ``dags/`` folder to measure when ``folder`` is the root of an Astro project, else None.

    An Astro project root holds a ``dags/`` folder and a ``Dockerfile`` or an ``.astro/`` folder (what
    ``astro dev init`` creates); ``astro deploy --dags`` ships only its ``dags/``."""
    base = os.fspath(folder)
    dags = os.path.join(base, "dags")
    if not os.path.isdir(dags):
        return None
    if os.path.isfile(os.path.join(base, "Dockerfile")) or os.path.isdir(os.path.join(base, ".astro")):
        return dags
    return None


def measure(
    dags_dir: Path | str,
    progress: Progress | None = None,
    *,
    large_file_bytes: int = LARGE_FILE_BYTES,
    exact_savings: int = 0,
) -> BundleReport:
    """Measure the gzipped tar the Astro CLI would upload for ``dags_dir``, in memory, in one pass.

    ``progress(done, total)`` is called with file bytes read (first with 0, last with ``done == total``).
    ``exact_savings=N`` re-packs the folder once for each of the N biggest contributors, without it, and
    reports the true saving instead of the estimate (N extra passes; progress covers them). Raises
    :class:`InputError` (one line, naming the path) when the folder or something in it cannot be read.

    Given the root of an Astro project (see :func:`project_dags`), its ``dags/`` folder is measured, as
    ``astro deploy --dags`` ships it, and a note and ``project_root`` say so.
    """
    given = str(dags_dir)
    notes: list[str] = []
    project_root: str | None = None
    inner = project_dags(dags_dir)
    if inner is not None:
        project_root, given = given, inner
        dags_dir = inner
        notes.append(
            f"{project_root} is an Astro project (dags/ beside a Dockerfile or .astro/): measured {inner}, "
            "the folder `astro deploy --dags` ships"
        )
    root = os.fsencode(os.path.abspath(dags_dir))
    try:
        root_st = os.stat(root)
    except OSError as e:
        raise _fail(given, f"cannot read: {_reason(e)}") from e
    if not stat.S_ISDIR(root_st.st_mode):
        raise _fail(given, "is not a directory: give the dags/ folder of an Astro project")
    if os.path.islink(root.rstrip(b"/")):
        notes.append(
            f"{given} is a symlink: measured the folder it points to, but the Astro CLI would pack only the "
            f"link; give the real folder"
        )
    walk = _walk(root, large_file_bytes)
    content = sum(entry.size for entry in walk.entries)
    exact = min(max(exact_savings, 0), len(walk.groups))
    ticker = _Ticker(progress, content * (1 + exact))
    compressed, tar_bytes = _Packer(walk, ticker, group_sizes=True).run()
    order = sorted(range(len(walk.groups)), key=lambda i: (-walk.groups[i].compressed, walk.groups[i].path))
    savings = {i: (walk.groups[i].compressed, False) for i in order}
    for i in order[:exact]:
        without, _ = _Packer(walk, ticker, skip_group=i).run()
        savings[i] = (compressed - without, True)
    ticker.end()
    contributors = sorted(
        (
            Contributor(g.path, g.kind, g.compressed, g.files, g.tar_bytes, *savings[i])
            for i, g in enumerate(walk.groups)
        ),
        key=lambda c: (-c.savings_bytes, -c.compressed_bytes, c.path),
    )
    counts = dict.fromkeys((_REG, _SYMLINK), 0)
    other = 0
    for entry in walk.entries:
        if entry.flag in counts:
            counts[entry.flag] += 1
        else:
            other += 1
    return BundleReport(
        path=given,
        compressed_bytes=compressed,
        uncompressed_bytes=tar_bytes,
        file_count=counts[_REG],
        dir_count=walk.dirs,
        symlink_count=counts[_SYMLINK],
        other_count=other,
        contributors=tuple(contributors),
        notes=tuple(notes),
        project_root=project_root,
    )


def tar_stream(dags_dir: Path | str) -> bytes:
    """The whole uncompressed tar the Astro CLI would write for ``dags_dir``, in memory (tests, debugging)."""
    root = os.fsencode(os.path.abspath(dags_dir))
    walk = _walk(root, LARGE_FILE_BYTES)
    names = _Names()
    parts: list[bytes] = []
    for entry in walk.entries:
        parts.append(_header(entry, names))
        if entry.size:
            _read_exact(entry, parts.append)
            parts.append(b"\0" * (-entry.size % _BLOCK))
    parts.append(b"\0" * (2 * _BLOCK))
    return b"".join(parts)
