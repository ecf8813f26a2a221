"""Benchmark: ``measure()`` against ``tar -czf - dags | wc -c`` on a generated 200 MB / 20,000-file folder.

Runs with plain Python and the system ``tar`` (GNU or bsdtar with gzip), nothing else::

    python benchmarks/bench_bundle.py                      # 200 MB, 20,000 files, 5 rounds
    python benchmarks/bench_bundle.py --mb 50 --files 5000 --rounds 3
    python benchmarks/bench_bundle.py --keep /tmp/benchdags   # keep the folder for another look

The folder is generated in a temporary directory from a fixed seed: Python DAG modules, SQL, JSON/YAML,
CSV, a few incompressible binaries, ``__pycache__`` folders, a small ``.git``, two large data files and some
symlinks. The two commands run alternately (which one goes first alternates too) after one untimed warm-up
each, so that both read from a warm page cache. Prints the median time of each, the ratio ours / tar, and
the two sizes. Exits 1 when the ratio is above ``--max-ratio`` (1.2).
"""

from __future__ import annotations

import argparse
import marshal
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from astro_config.platform.bundle import measure

SEED = 20240615
_SYLLABLES = ["ab", "ac", "al", "an", "ar", "da", "de", "el", "en", "er", "es", "et", "in", "is", "it", "ka",
              "lo", "ma", "me", "ne", "no", "on", "or", "pa", "ra", "re", "ro", "sa", "se", "ta", "te", "ti",
              "to", "ul", "un", "ur", "va", "ve", "xo", "zu"]  # fmt: skip


class Content:
    """Deterministic, compressible-ish text of the kinds a dags/ folder holds."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        words = ["".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4))) for _ in range(6000)]
        self.idents = ["_".join(rng.choices(words, k=rng.randint(1, 3))) for _ in range(8000)]
        self.python = self._pool(self._python_line, 60000)
        self.sql = self._pool(self._sql_line, 20000)
        self.json = self._pool(self._json_line, 20000)
        self.header = (
            "from __future__ import annotations\n\nimport logging\nfrom datetime import datetime, timedelta\n\n"
            "from airflow import DAG\nfrom airflow.operators.python import PythonOperator\n"
            "from airflow.operators.bash import BashOperator\n\nlog = logging.getLogger(__name__)\n\n"
            "default_args = {\n    'owner': 'data-platform',\n    'retries': 2,\n"
            "    'retry_delay': timedelta(minutes=5),\n}\n\n"
        )

    def _pool(self, line: Callable[[], str], n: int) -> list[str]:
        return [line() for _ in range(n)]

    def _id(self) -> str:
        return self.rng.choice(self.idents)

    def _python_line(self) -> str:
        r, i = self.rng, self._id
        indent = "    " * r.choice((0, 1, 1, 1, 2, 2, 3))
        form = r.randrange(10)
        if form == 0:
            return f"def {i()}({i()}, {i()}: str = {r.randint(0, 999)!r}) -> dict:"
        if form == 1:
            return f"{indent}{i()} = {i()}.{i()}({i()}, {i()}={r.randint(0, 10**6)})"
        if form == 2:
            return f"{indent}return {{'{i()}': {i()}, '{i()}': {r.random():.4f}}}"
        if form == 3:
            return f"{indent}# {' '.join(i() for _ in range(r.randint(3, 9)))}"
        if form == 4:
            return f"{indent}{i()} = PythonOperator(task_id='{i()}', python_callable={i()}, dag=dag)"
        if form == 5:
            return f"{indent}if {i()} is not None and {i()} > {r.randint(0, 100)}:"
        if form == 6:
            return f'{indent}log.info("{i()} %s done in %.2fs", {i()}, {i()})'
        if form == 7:
            return f"{indent}{i()} >> {i()} >> [{i()}, {i()}]"
        if form == 8:
            return f"{indent}for {i()} in {i()}.{i()}():"
        return ""

    def _sql_line(self) -> str:
        r, i = self.rng, self._id
        form = r.randrange(5)
        if form == 0:
            return f"SELECT {i()}, {i()}, SUM({i()}) AS {i()}"
        if form == 1:
            return f"FROM {i()}.{i()} AS t{r.randint(1, 9)}"
        if form == 2:
            return f"  LEFT JOIN {i()} ON t1.{i()} = t{r.randint(2, 9)}.{i()}"
        if form == 3:
            return f"WHERE {i()} >= '{2020 + r.randint(0, 5)}-{r.randint(1, 12):02d}-01' AND {i()} IS NOT NULL"
        return f"GROUP BY {r.randint(1, 4)};"

    def _json_line(self) -> str:
        r, i = self.rng, self._id
        value = r.choice((f'"{i()}"', str(r.randint(0, 10**9)), "true", "null", f"{r.random():.6f}"))
        return f'{"  " * r.randint(1, 3)}"{i()}": {value},'

    def text(self, pool: list[str], size: int, header: str = "") -> bytes:
        parts, total = [header], len(header)
        while total < size:
            lines = self.rng.choices(pool, k=64)
            parts += lines
            total += sum(map(len, lines)) + 64
        return "\n".join(parts).encode()[:size]

    def csv(self, size: int) -> bytes:
        r = self.rng
        cols = [self._id() for _ in range(6)]
        rows = [",".join(cols)]
        total = len(rows[0])
        while total < size:
            row = f"{r.randint(1, 10**7)},{self._id()},{r.random() * 1000:.2f},{r.randint(0, 99)},2024-0{r.randint(1, 9)}-1{r.randint(0, 9)},{self._id()}"  # noqa: E501
            rows.append(row)
            total += len(row) + 1
        return "\n".join(rows).encode()[:size]

    def pyc(self, source: bytes, size: int) -> bytes:
        """Bytecode-like bytes of ``size``: a .pyc header and marshalled constants of the source."""
        lines = tuple(source.decode(errors="replace").splitlines())
        body = marshal.dumps((lines[::2], len(lines), [len(x) for x in lines[::3]]))
        head = b"\xa7\r\r\n" + b"\0" * 4 + self.rng.randbytes(8)
        while len(body) < size:
            body += body
        return (head + body)[:size]


def generate(root: Path, total_bytes: int, files: int, seed: int = SEED) -> tuple[int, int]:
    """Fill ``root`` (the dags/ folder) deterministically. Returns (files written, bytes written)."""
    rng = random.Random(seed)
    content = Content(rng)
    large = [total_bytes // 40, total_bytes // 50]  # two large data files, 4.5% of the bytes
    git_files, links = 40, 10
    pycache_share = 0.12
    n_regular = files - len(large) - git_files - links
    budget = total_bytes - sum(large) - git_files * 20_000
    # Sizes: lognormal, scaled to the budget.
    raw = [rng.lognormvariate(0, 0.9) for _ in range(n_regular)]
    scale = budget / sum(raw)
    sizes = [max(64, int(x * scale)) for x in raw]
    teams = [content._id() for _ in range(20)]
    folders = [Path(team) / content._id() for team in teams for _ in range(10)]
    written = bytes_written = 0

    def write(path: Path, data: bytes) -> None:
        nonlocal written, bytes_written
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
        bytes_written += len(data)

    n_pyc = int(n_regular * pycache_share)
    plain = sizes[n_pyc:]
    pyc_sizes = sizes[:n_pyc]
    py_written: list[tuple[Path, bytes]] = []
    for k, size in enumerate(plain):
        folder = root / folders[k % len(folders)]
        pick = rng.random()
        name = f"{content._id()}_{k}"
        if pick < 0.70:
            data = content.text(content.python, size, content.header)
            path = folder / f"{name}.py"
            if len(py_written) < n_pyc and (k % len(folders)) % 4 == 0:
                py_written.append((path, data))
        elif pick < 0.80:
            data, path = content.text(content.sql, size), folder / "sql" / f"{name}.sql"
        elif pick < 0.88:
            data = content.text(content.json, size)
            path = folder / "config" / f"{name}.{'json' if pick < 0.85 else 'yaml'}"
        elif pick < 0.95:
            data, path = content.csv(size), folder / "data" / f"{name}.csv"
        elif pick < 0.97:
            data, path = rng.randbytes(size), folder / "assets" / f"{name}.png"
        else:
            data, path = content.text(content.python, size), folder / f"{name}.md"
        write(path, data)
    for (source_path, source), size in zip(py_written, pyc_sizes, strict=False):
        write(source_path.parent / "__pycache__" / f"{source_path.stem}.cpython-311.pyc", content.pyc(source, size))
    for size in pyc_sizes[len(py_written) :]:  # keep the file count and size exact
        write(root / "misc" / f"{content._id()}_{written}.txt", content.text(content.python, size))
    for k, size in enumerate(large):
        write(root / "include" / f"extract_{k}.csv", content.csv(size))
    for k in range(git_files):
        write(root / ".git" / "objects" / f"{k:02x}" / f"{rng.getrandbits(128):032x}", rng.randbytes(20_000))
    py_files = sorted(p for p in root.rglob("*.py"))
    for k in range(links):
        target = py_files[k * 7 % len(py_files)]
        link = root / "shared" / f"link_{k}.py"
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(target, link.parent), link)
        written += 1
    return written, bytes_written


def time_tar(parent: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run("tar -czf - dags | wc -c", shell=True, cwd=parent, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(done.stdout.strip())


def time_ours(parent: Path) -> tuple[float, int]:
    start = time.perf_counter()
    report = measure(parent / "dags")
    return time.perf_counter() - start, report.compressed_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="folder size in MB (default 200)")
    parser.add_argument("--files", type=int, default=20_000, help="number of files (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each command (default 5)")
    parser.add_argument("--max-ratio", type=float, default=1.2, help="fail above this ratio (default 1.2)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args(argv)
    if shutil.which("tar") is None:
        print("tar is not on PATH", file=sys.stderr)
        return 2
    parent = args.keep or Path(tempfile.mkdtemp(prefix="astro-config-bench-"))
    try:
        root = parent / "dags"
        if root.exists():
            print(f"using the existing folder {root}")
        else:
            start = time.perf_counter()
            files, written = generate(root, args.mb * 1_000_000, args.files)
            print(f"generated {files} files, {written / 1e6:.1f} MB in {time.perf_counter() - start:.1f}s: {root}")
        time_tar(parent)  # warm-up: page cache, gzip binary
        time_ours(parent)
        tar_times: list[float] = []
        our_times: list[float] = []
        tar_size = our_size = 0
        for k in range(args.rounds):
            order = (("tar", time_tar), ("ours", time_ours))
            for label, run in order if k % 2 == 0 else order[::-1]:
                seconds, size = run(parent)
                if label == "tar":
                    tar_times.append(seconds)
                    tar_size = size
                else:
                    our_times.append(seconds)
                    our_size = size
                print(f"  round {k + 1} {label:>4}: {seconds:6.2f}s  {size:,} bytes", flush=True)
        tar_median, our_median = statistics.median(tar_times), statistics.median(our_times)
        ratio = our_median / tar_median
        print(f"tar -czf - dags | wc -c : median {tar_median:.2f}s, {tar_size:,} bytes")
        print(f"measure()               : median {our_median:.2f}s, {our_size:,} bytes")
        print(f"time ratio ours/tar     : {ratio:.3f} (limit {args.max_ratio})")
        print(f"size ratio ours/tar     : {our_size / tar_size:.4f}")
        return 0 if ratio <= args.max_ratio else 1
    finally:
        if args.keep is None:
            shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
