"""Measuring a dags/ folder as the Astro CLI packs it: tar layout, gzip size, contributors, errors."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import socket
import stat
import subprocess
import tarfile
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from astro_config.errors import InputError
from astro_config.platform import bundle
from astro_config.platform.bundle import BundleReport, measure, tar_stream

needs_tar = pytest.mark.skipif(shutil.which("tar") is None, reason="no tar on PATH")

WORDS = [
    "dag", "task", "operator", "schedule", "retries", "owner", "default_args", "datetime", "timedelta", "import",
    "from", "airflow", "return", "self", "def", "class", "with", "as", "for", "in", "if", "else", "None", "True",
    "sensor", "hook", "conn_id", "bucket", "table", "partition", "extract", "load", "transform", "xcom_pull",
]  # fmt: skip


def text(rng: random.Random, size: int) -> bytes:
    """Python-ish text: compressible, but not trivially."""
    idents = [f"{rng.choice(WORDS)}_{rng.randrange(400)}" for _ in range(64)]
    lines, total = [], 0
    while total < size:
        line = "    " * rng.randrange(3) + " ".join(rng.choice(idents + WORDS) for _ in range(rng.randint(2, 9)))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines).encode()[:size]


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def make_mixed(root: Path, seed: int = 1) -> None:
    """Nested folders, symlinks (file, folder, dangling, long target), binaries, __pycache__, .git, a large
    data file, names over 100 and over 256 bytes, non-ASCII names, an empty file and an empty folder."""
    rng = random.Random(seed)
    for team in ("finance", "marketing", "ops"):
        for k in range(8):
            write(root / team / f"dag_{k}.py", text(rng, rng.randint(2_000, 30_000)))
            write(root / team / "sql" / f"q_{k}.sql", text(rng, rng.randint(500, 5_000)))
        for k in range(6):
            write(root / team / "__pycache__" / f"dag_{k}.cpython-311.pyc", rng.randbytes(300) + text(rng, 3_000))
    write(root / "common" / "utils" / "helpers.py", text(rng, 20_000))
    write(root / "common" / "utils" / "__pycache__" / "helpers.cpython-311.pyc", text(rng, 9_000))
    write(root / "assets" / "logo.png", rng.randbytes(40_000))
    write(root / "include" / "extract.csv", text(rng, 1_300_000))  # a large data file, above one read chunk
    for k in range(12):
        write(root / ".git" / "objects" / f"{k:02x}" / f"{rng.getrandbits(64):016x}", rng.randbytes(2_000))
    write(root / ".git" / "HEAD", b"ref: refs/heads/main\n")
    write(root / ("d" * 60) / ("e" * 60) / "long_name.py", text(rng, 1_000))  # > 100 bytes: USTAR prefix
    write(root / ("x" * 200) / ("y" * 120 + ".py"), text(rng, 1_000))  # > 256 bytes: PAX path
    write(root / "ünïcødé_dag.py", text(rng, 3_000))  # non-ASCII: PAX path
    write(root / "empty.py", b"")
    (root / "empty_folder").mkdir()
    os.symlink("finance/dag_1.py", root / "link_to_dag.py")
    os.symlink("common", root / "link_to_folder")  # stored as a link, not followed
    os.symlink("does/not/exist.py", root / "dangling.py")
    os.symlink("../" * 3 + "t" * 150, root / "ops" / "long_target")  # > 100 bytes: PAX linkpath


def make_many_small(root: Path, seed: int = 2) -> None:
    rng = random.Random(seed)
    for d in range(25):
        for k in range(16):
            write(root / f"pkg_{d}" / f"mod_{k}.py", text(rng, rng.randint(200, 6_000)))


def make_binary_heavy(root: Path, seed: int = 3) -> None:
    rng = random.Random(seed)
    for k in range(20):
        write(root / "models" / f"m{k}.bin", rng.randbytes(rng.randint(1_000, 60_000)))
        write(root / f"dag_{k}.py", text(rng, rng.randint(1_000, 8_000)))


SHAPES = {"mixed": make_mixed, "many-small": make_many_small, "binary-heavy": make_binary_heavy}


@pytest.fixture(scope="session")
def mixed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "dags"
    make_mixed(root)
    return root


@pytest.fixture
def mixed(mixed_template: Path, tmp_path: Path) -> Path:
    """A private copy of the mixed tree (tests may change it)."""
    root = tmp_path / "dags"
    shutil.copytree(mixed_template, root, symlinks=True)
    return root


def tar_czf(parent: Path) -> int:
    """Size of ``tar -czf dags.tar.gz dags`` run for real in ``parent``.

    GNU tar adds members in the order the file system lists them, while the Astro CLI (Go's filepath.Walk)
    sorts names; on a tree of mixed content that order alone moves the gzip size by about 1%. So GNU tar is
    asked for the Astro CLI's order (``--sort=name``, GNU tar 1.28+) when it supports it.
    """
    sort = ["--sort=name"] if _gnu_tar_sorts() else []
    subprocess.run(["tar", *sort, "-czf", "dags.tar.gz", "dags"], cwd=parent, check=True, capture_output=True)
    return (parent / "dags.tar.gz").stat().st_size


def _gnu_tar_sorts() -> bool:
    done = subprocess.run(["tar", "--sort=name", "-cf", os.devnull, os.devnull], capture_output=True)
    return done.returncode == 0


def gzip6(data: bytes) -> int:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return len(c.compress(data)) + len(c.flush())


def go_walk(root: Path) -> list[str]:
    """Go's filepath.Walk order, written independently: pre-order, names sorted bytewise, no dirs."""
    out: list[str] = []

    def visit(path: Path, arc: str) -> None:
        for name in sorted(os.listdir(os.fsencode(path))):
            child = path / os.fsdecode(name)
            child_arc = f"{arc}/{os.fsdecode(name)}"
            if child.is_dir() and not child.is_symlink():
                visit(child, child_arc)
            else:
                out.append(child_arc)

    visit(root, "dags")
    return out


# ---------------------------------------------------------------------------------- size against tar


@needs_tar
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_within_one_percent_of_tar_czf(tmp_path: Path, mixed_template: Path, shape: str) -> None:
    root = tmp_path / "dags"
    if shape == "mixed":
        shutil.copytree(mixed_template, root, symlinks=True)
    else:
        SHAPES[shape](root)
    real = tar_czf(tmp_path)
    report = measure(root)
    assert abs(report.compressed_bytes - real) <= real / 100, (report.compressed_bytes, real)
    assert report.compressed_bytes > 1000


# ------------------------------------------------------------------------------- the stream, exactly


def test_stream_layout_is_the_astro_clis(mixed: Path) -> None:
    data = tar_stream(mixed)
    assert len(data) % 512 == 0
    assert data.endswith(b"\0" * 1024)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        members = tf.getmembers()
        names = [m.name for m in members]
        assert names == go_walk(mixed)  # Go's walk order, directories have no entry of their own
        assert all(n.startswith("dags/") for n in names)
        assert not any(m.isdir() for m in members)
        by_name = {m.name: m for m in members}
        assert by_name["dags/link_to_dag.py"].issym()
        assert by_name["dags/link_to_dag.py"].linkname == "finance/dag_1.py"
        assert by_name["dags/link_to_folder"].issym()  # not followed
        assert not any(n.startswith("dags/link_to_folder/") for n in names)
        assert by_name["dags/dangling.py"].linkname == "does/not/exist.py"
        assert by_name["dags/ops/long_target"].linkname == "../" * 3 + "t" * 150
        assert "dags/" + "x" * 200 + "/" + "y" * 120 + ".py" in by_name
        assert "dags/ünïcødé_dag.py" in by_name
        assert "dags/empty_folder" not in by_name
        assert by_name["dags/empty.py"].size == 0
        for name in ("dags/include/extract.csv", "dags/assets/logo.png", "dags/ünïcødé_dag.py"):
            extracted = tf.extractfile(by_name[name])
            assert extracted is not None
            assert extracted.read() == (mixed / name.removeprefix("dags/")).read_bytes()
        st = os.lstat(mixed / "finance" / "dag_1.py")
        m = by_name["dags/finance/dag_1.py"]
        assert (m.mode, m.uid, m.gid) == (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
        assert m.mtime == (st.st_mtime_ns + 500_000_000) // 10**9  # rounded to the second, as Go does


def test_measure_counts_the_stream_exactly(mixed: Path) -> None:
    """The threaded, chunked pass gives exactly gzip -6 of the whole stream."""
    data = tar_stream(mixed)
    report = measure(mixed)
    assert report.uncompressed_bytes == len(data)
    assert report.compressed_bytes == gzip6(data)


class _Names:
    def user(self, uid: int) -> bytes:
        return b"u" * 40 if uid == 3_000_000 else b"astro"

    def group(self, gid: int) -> bytes:
        return b"staff"


def test_headers_are_byte_identical_to_go_archive_tar() -> None:
    """Golden: Go 1.19 archive/tar, tar.NewWriter + WriteHeader with these headers (format unspecified),
    ModTime 1700000000.6 s, Gid 1000, Gname "staff": 13312 bytes, sha256 below."""
    long = "dags/" + "d" * 60 + "/" + "e" * 60 + "/file.py"
    huge = "dags/" + "x" * 200 + "/" + "y" * 120 + ".py"
    cases = [  # name, link, type flag, mode, content, uid
        ("dags/a.py", "", b"0", 0o644, b"print('hi')\n", 1000),
        ("dags/empty.txt", "", b"0", 0o600, b"", 1000),
        ("dags/run.sh", "", b"0", 0o4755, b"#!/bin/sh\n", 1000),
        ("dags/link.py", "a.py", b"2", 0o777, b"", 1000),
        (long, "", b"0", 0o644, b"x = 1\n", 1000),  # USTAR prefix/name split
        (huge, "", b"0", 0o644, b"y = 2\n", 1000),  # PAX path
        ("dags/ünï.py", "", b"0", 0o644, b"z = 3\n", 1000),  # PAX path (non-ASCII)
        ("dags/far", "../" + "t" * 150, b"2", 0o777, b"", 1000),  # PAX linkpath
        ("dags/big_uid.py", "", b"0", 0o644, b"w = 4\n", 3_000_000),  # PAX uid and uname
        ("dags/fifo", "", b"6", 0o644, b"", 1000),
    ]
    kind = {b"0": stat.S_IFREG, b"2": stat.S_IFLNK, b"6": stat.S_IFIFO}
    stream = b""
    for name, link, flag, mode, body, uid in cases:
        st: Any = SimpleNamespace(
            st_mode=kind[flag] | mode,
            st_uid=uid,
            st_gid=1000,
            st_size=len(body),
            st_mtime_ns=1_700_000_000_600_000_000,
            st_rdev=0,
        )
        entry = bundle._Entry(b"/nowhere", name.encode(), st, flag, link.encode())
        stream += bundle._header(entry, _Names()) + body + b"\0" * (-len(body) % 512)  # type: ignore[arg-type]
    stream += b"\0" * 1024
    assert len(stream) == 13312
    assert hashlib.sha256(stream).hexdigest() == "a5c8269aa881c4c567878529d13247e6a1c73623d4cfec6d9441ac3c0f887c9d"


def test_entries_are_named_dags_whatever_the_folder_is_called(tmp_path: Path) -> None:
    root = tmp_path / "my_project_dags"
    write(root / "sub" / "a.py", b"x = 1\n")
    with tarfile.open(fileobj=io.BytesIO(tar_stream(root))) as tf:
        assert tf.getnames() == ["dags/sub/a.py"]


# ------------------------------------------------------------------------------------------- report


def test_counts(mixed: Path) -> None:
    report = measure(mixed)
    files = [p for p in mixed.rglob("*") if p.is_file() and not p.is_symlink() and "link_to_folder" not in p.parts]
    assert report.file_count == len(files)
    assert report.symlink_count == 4
    dirs = [p for p in mixed.rglob("*") if p.is_dir() and not p.is_symlink()]
    assert report.dir_count == len(dirs)
    assert report.other_count == 0
    assert report.entry_count == report.file_count + 4
    assert report.notes == ()


def test_fifo_is_a_header_only(tmp_path: Path) -> None:
    root = tmp_path / "dags"
    write(root / "a.py", b"x = 1\n")
    os.mkfifo(root / "pipe")  # must not block: never opened
    report = measure(root)
    assert report.other_count == 1
    with tarfile.open(fileobj=io.BytesIO(tar_stream(root))) as tf:
        assert tf.getmember("dags/pipe").isfifo()


def test_contributors(mixed: Path) -> None:
    report = measure(mixed)
    found = {(c.path, c.kind, c.files) for c in report.contributors}
    assert found == {
        ("dags/.git", ".git", 13),
        ("dags/include/extract.csv", "large file", 1),
        ("dags/finance/__pycache__", "__pycache__", 6),
        ("dags/marketing/__pycache__", "__pycache__", 6),
        ("dags/ops/__pycache__", "__pycache__", 6),
        ("dags/common/utils/__pycache__", "__pycache__", 1),
    }
    savings = [c.savings_bytes for c in report.contributors]
    assert savings == sorted(savings, reverse=True)
    assert report.contributors[0].path == "dags/include/extract.csv"
    for c in report.contributors:
        assert 0 < c.compressed_bytes <= c.uncompressed_bytes + 64
        assert c.savings_bytes == c.compressed_bytes and not c.exact  # the estimate
    assert report.removable_bytes == sum(savings)
    assert report.removable_bytes < report.compressed_bytes
    kinds = {k.kind: k for k in report.kinds()}
    assert kinds["__pycache__"].paths == 4
    assert kinds["__pycache__"].files == 19
    assert kinds[".git"].paths == 1
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["contributors"][0]["kind"] == "large file"


def test_other_kinds_and_threshold(tmp_path: Path) -> None:
    rng = random.Random(5)
    root = tmp_path / "dags"
    write(root / "a.py", text(rng, 5_000))
    write(root / "big_module.py", text(rng, 1_200_000))  # Python source is never a "large file"
    write(root / "tools" / ".venv" / "lib" / "site.py", text(rng, 3_000))
    write(root / "env2" / "pyvenv.cfg", b"home = /usr/bin\n")  # a virtualenv by its marker
    write(root / "env2" / "lib" / "x.py", text(rng, 3_000))
    write(root / ".pytest_cache" / "v" / "cache" / "nodeids", text(rng, 2_000))
    write(root / "node_modules" / "left-pad" / "index.js", text(rng, 2_000))
    write(root / "sub" / ".git", b"gitdir: ../.git/modules/sub\n")  # a submodule's .git file
    write(root / "data" / "mid.json", text(rng, 300_000))
    kinds = {c.path: c.kind for c in measure(root).contributors}
    assert kinds == {
        "dags/tools/.venv": "virtualenv",
        "dags/env2": "virtualenv",
        "dags/.pytest_cache": "tool cache",
        "dags/node_modules": "node_modules",
        "dags/sub/.git": ".git",
    }
    lower = {c.path for c in measure(root, large_file_bytes=100_000).contributors}
    assert "dags/data/mid.json" in lower
    assert "dags/big_module.py" not in lower


def test_nested_candidates_belong_to_the_outermost(tmp_path: Path) -> None:
    root = tmp_path / "dags"
    write(root / ".git" / "hooks" / "__pycache__" / "x.pyc", b"\0" * 100)
    write(root / ".git" / "objects" / "pack" / "big.pack", random.Random(1).randbytes(1_100_000))
    report = measure(root)
    assert [(c.path, c.kind, c.files) for c in report.contributors] == [("dags/.git", ".git", 2)]


def test_estimated_savings_are_close_to_exact(mixed: Path) -> None:
    estimate = {c.path: c.savings_bytes for c in measure(mixed).contributors}
    exact_report = measure(mixed, exact_savings=10)
    assert all(c.exact for c in exact_report.contributors)
    for c in exact_report.contributors:
        assert abs(estimate[c.path] - c.savings_bytes) <= 0.1 * c.savings_bytes + 600, c


def test_exact_savings_are_what_deleting_saves(mixed: Path) -> None:
    report = measure(mixed, exact_savings=2)
    assert [c.exact for c in report.contributors] == [True, True] + [False] * (len(report.contributors) - 2)
    for _ in range(3):
        before = measure(mixed, exact_savings=1)
        top = before.contributors[0]
        assert top.exact
        target = mixed / top.path.removeprefix("dags/")
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        assert measure(mixed).compressed_bytes == before.compressed_bytes - top.savings_bytes


def test_progress(mixed: Path) -> None:
    calls: list[tuple[int, int]] = []
    measure(mixed, progress=lambda done, total: calls.append((done, total)))
    content = sum(p.stat().st_size for p in mixed.rglob("*") if p.is_file() and not p.is_symlink()
                  and "link_to_folder" not in p.parts)  # fmt: skip
    assert calls[0] == (0, content)
    assert calls[-1] == (content, content)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert {t for _, t in calls} == {content}
    exact_calls: list[tuple[int, int]] = []
    measure(mixed, progress=lambda d, t: exact_calls.append((d, t)), exact_savings=2)
    assert exact_calls[-1] == (3 * content, 3 * content)


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    report = measure(tmp_path / "dags")
    assert report.uncompressed_bytes == 1024
    assert report.compressed_bytes == gzip6(b"\0" * 1024)
    assert (report.file_count, report.dir_count, report.contributors) == (0, 0, ())


# ------------------------------------------------------------------------------------------- errors


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        measure(tmp_path / "nope")
    assert info.value.file == str(tmp_path / "nope")
    assert "No such file or directory" in info.value.message


def test_not_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "dags.py", b"")
    with pytest.raises(InputError, match="is not a directory"):
        measure(tmp_path / "dags.py")


def test_unreadable_file(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = os.fsencode(mixed / "finance" / "dag_3.py")
    real_open = os.open

    def deny(path: Any, *args: Any, **kwargs: Any) -> int:
        if os.fsencode(path) == secret:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(InputError) as info:
        measure(mixed)
    assert str(info.value) == f"{mixed / 'finance' / 'dag_3.py'}: cannot read: Permission denied"


def test_unreadable_folder(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = os.fsencode(mixed / "ops")
    real_listdir = os.listdir

    def deny(path: Any) -> Any:
        if os.fsencode(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", deny)
    with pytest.raises(InputError, match=r"ops: cannot read directory: Permission denied$"):
        measure(mixed)


def test_socket_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "dags"
    root.mkdir()
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "s.sock"))
        with pytest.raises(InputError, match=r"s\.sock: is a socket"):
            measure(root)
    finally:
        sock.close()


def test_file_that_shrinks_while_measured(mixed: Path) -> None:
    victim = mixed / "marketing" / "dag_2.py"

    def shrink(done: int, total: int) -> None:
        if done == 0:
            victim.write_bytes(b"x")

    with pytest.raises(InputError, match=r"dag_2\.py: changed while being measured"):
        measure(mixed, progress=shrink)


def test_root_symlink_is_noted(mixed: Path) -> None:
    link = mixed.parent / "dags_link"
    os.symlink(mixed, link)
    report = measure(link)
    assert report.compressed_bytes == measure(mixed).compressed_bytes
    assert len(report.notes) == 1 and "the Astro CLI would pack only the link" in report.notes[0]


def test_report_is_frozen(mixed: Path) -> None:
    report = measure(mixed)
    assert isinstance(report, BundleReport)
    with pytest.raises(AttributeError):
        report.compressed_bytes = 0  # type: ignore[misc]
