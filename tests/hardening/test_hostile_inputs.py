"""Hostile and broken inputs cost bounded time and memory, and never reach the user as anything but a one-line
error (or, in ``lint``, one finding).

1. The core, each input in a process of its own: every input is read (``get``: read and render the whole
   document, aliases expanded) and edited (``set``: edit and diff) in a child that a driver process forks (the
   driver imports the tool once); ``os.wait4`` gives each child's own resource usage. Each must use under 2 s
   of CPU time and under 200 MB peak memory (the child's peak resident set plus everything the driver held
   when it forked: an upper bound), and end either fine or with one of the tool's own errors
   (``AstroConfigError``, exit 2) -- never another exception, never a verification failure. A few of the
   worst inputs also run through ``set`` of the real command, measured as in part 2.
2. The real command: each input is given to ``astro-config lint FILE``, ``astro-config get FILE a`` and
   ``astro-config dag-deploy status FILE``, each run as a real process. ``lint`` reports an unusable file as
   a finding (exit 1); ``get`` and ``status`` refuse it (exit 2). Every run must finish in under 2 s wall
   time and 200 MB peak RSS. Each run is measured from a fresh intermediate Python process
   (``resource.getrusage(RUSAGE_CHILDREN)`` there sees only the one ``astro-config`` process; ``ru_maxrss``
   is in KiB on Linux), and has a hard timeout so that a FIFO or a device can never hang the suite.

(This module merges the former ``test_hostile.py`` (part 1) and ``test_hardening_inputs.py`` (part 2).)
``ASTRO_CONFIG_FIGURES=FILE`` appends the figures to FILE as JSON lines; ``ASTRO_CONFIG_STATS_DIR=DIR`` writes
them to ``DIR/<part>.json`` (for SECURITY.md and docs/security-figures.md).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, astronomer_files
from hardenkit import ROOT, record_figures

MODULE = "test_hostile_inputs.py"
BROKEN = ROOT / "sample-values" / "broken"
CPU_LIMIT_S = 2.0  # part 1: CPU time of one child
MAX_WALL_S = 10.0  # part 2: wall time of one command (a hang guard; a loaded machine stretches wall time)
MEMORY_LIMIT_MB = 200
MAX_RSS_KIB = MEMORY_LIMIT_MB * 1024
TIMEOUT_S = 15.0
MB = 1024 * 1024

FIGURES: dict[str, Any] = {}  # part 2's figures
COMMAND_FIGURES: dict[str, dict[str, float]] = {}  # part 1's runs through the command


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    FIGURES.clear()
    COMMAND_FIGURES.clear()
    yield
    if COMMAND_FIGURES:
        record_figures(MODULE, "hostile-command", dict(COMMAND_FIGURES))
    if FIGURES:
        record_figures(MODULE, "hostile-lint-get-status", dict(FIGURES))


# ------------------------------------------------------------------------------------------------------------
# Measuring the real command (parts 1 and 2)
# ------------------------------------------------------------------------------------------------------------

COMMANDS: dict[str, list[str]] = {
    "lint": ["lint", "{file}"],
    "get": ["get", "{file}", "a"],
    "status": ["dag-deploy", "status", "{file}"],
}

MEASURE = r"""
import json, resource, subprocess, sys, time
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a runaway fails instead of swapping
start = time.monotonic()
try:
    p = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]), stdin=subprocess.DEVNULL,
                       preexec_fn=limit)
    rc, out, err = p.returncode, p.stdout, p.stderr
except subprocess.TimeoutExpired as e:
    rc, out, err = None, e.stdout or b"", e.stderr or b""
wall = time.monotonic() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "rc": rc, "wall": wall, "maxrss_kib": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime,
    "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace"),
}))
"""


def program() -> list[str]:
    script = Path(sys.executable).with_name("astro-config")
    return [str(script)] if script.exists() else [sys.executable, "-m", "astro_config"]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ASTRO_PLATFORM_VERSION", "GITHUB_ACTIONS")}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200")
    env.pop("ASTRO_CONFIG_DEBUG", None)
    return env


def measure(argv: list[str], cwd: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(TIMEOUT_S), *program(), *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=child_env(),
        timeout=TIMEOUT_S + 15,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def write_text(text: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    return make


def write_bytes(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


# ------------------------------------------------------------------------------------------------------------
# 1. The core, each input in a forked process
# ------------------------------------------------------------------------------------------------------------

_LAUNCH = "import subprocess, sys; sys.exit(subprocess.run([sys.executable, '-c', sys.argv[1]]).returncode)"

DRIVER = r"""
import json, os, resource, signal, sys, time
from astro_config.cli import main as cli
from astro_config.cli import values as cli_values
from astro_config.document import reader as document
from astro_config.document import editing
from astro_config.document import writing
from astro_config.errors import AstroConfigError, VerificationError

def handle(path, op):
    doc = document.load_file(path)
    if op == "get":
        cli_values._show_value(doc.data)  # renders the whole document, aliases expanded
        return
    result = editing.apply_edits(doc, [editing.SetValue(("astroConfigProbe", "enabled"), True)])
    if op == "set":
        writing.unified_diff(doc.text, result.new.text, "values.yaml")

# what the driver holds when it forks (its current resident set: ru_maxrss would also count the process that
# started it, since the peak survives exec)
driver_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
for line in sys.stdin:
    spec = json.loads(line)
    r, w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        signal.alarm(30)
        try:
            handle(spec["path"], spec["op"])
            out = {"outcome": "ok"}
        except VerificationError as e:
            out = {"outcome": "verification", "message": str(e)}
        except AstroConfigError as e:
            out = {"outcome": "error", "message": str(e), "exit": int(e.exit_code)}
        except BaseException as e:
            out = {"outcome": "crash", "message": type(e).__name__ + ": " + str(e)[:300]}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    result = json.loads(data) if data else {"outcome": "killed", "message": f"wait status {status}"}
    result.update(
        id=spec["id"], op=spec["op"], cpu=usage.ru_utime + usage.ru_stime, wall=time.monotonic() - start,
        peak_mb=(usage.ru_maxrss + driver_kb) / 1024,
    )
    print(json.dumps(result), flush=True)
"""


def laughs(levels: int, width: int, kind: str) -> str:
    """ "Billion laughs": each anchor repeats the previous one ``width`` times."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        refs = [f"*a{i - 1}"] * width
        if kind == "seq":
            lines.append(f"a{i}: &a{i} [{', '.join(refs)}]")
        elif kind == "map":
            lines.append(f"a{i}: &a{i} {{{', '.join(f'k{j}: {r}' for j, r in enumerate(refs))}}}")
        elif kind == "merge":
            lines.append(f"a{i}: &a{i} {{<<: [{', '.join(refs)}], k{i}: x}}")
        else:  # block
            lines.append(f"a{i}: &a{i}")
            lines.extend(f"  - {r}" for r in refs)
    if kind == "merge":
        lines[0] = "a0: &a0 {k: lol}"
    return "\n".join(lines) + "\n"


def big_alias_fanout() -> str:
    base = "base: &b\n" + "".join(f"  k{i}: v{i}\n" for i in range(300))
    return base + "".join(f"c{i}: *b\n" for i in range(900))  # 300 nodes x 900 aliases


def mutations(seed: int, count: int) -> list[tuple[str, bytes]]:
    files = astronomer_files()
    if not files:
        return []
    rnd = random.Random(seed)
    raw = files[-1].read_bytes()
    out = []
    for n in range(count):
        data = bytearray(raw)
        for _ in range(rnd.randint(1, 8)):
            op = rnd.random()
            i = rnd.randrange(len(data))
            if op < 0.3:
                data[i] = rnd.choice(b"\t\n\r :-[]{}&*!|>'\"#%@`,?\x00\xff\xc3")
            elif op < 0.55:
                del data[i : i + rnd.randint(1, 40)]
            elif op < 0.8:
                j = rnd.randrange(len(data))
                data[i:i] = data[j : j + rnd.randint(1, 200)]
            else:
                data[i:i] = rnd.choice(
                    [b"&x ", b"*x", b"<<: *x\n", b"---\n", b"\t", b"? ", b"!!binary ", b"\xef\xbb\xbf"]
                )
        out.append((f"mutated-astronomer-{n}", bytes(data)))
    return out


def generated_inputs(d: Path) -> dict[str, Path]:
    """name -> file (most written here; a few special files)."""
    made: dict[str, Path] = {}

    def put(name: str, data: bytes | str) -> None:
        f = d / f"{name}.yaml"
        f.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        made[name] = f

    for kind in ("seq", "map", "merge", "block"):
        put(f"laughs-{kind}", laughs(9, 10, kind))
    put("laughs-wide", laughs(3, 1000, "seq"))
    put("laughs-just-under", laughs(4, 11, "seq"))  # ~32,000 expanded nodes: accepted
    put("alias-fanout-270k", big_alias_fanout())
    put("deep-flow-seq", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    put("deep-flow-map", "a: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n")
    put("deep-block-map", "".join(" " * i + f"k{i}:\n" for i in range(1_000)) + " " * 1000 + "v: 1\n")
    put("deep-block-seq", "a:\n" + "".join(" " * i + "- \n" for i in range(0, 600, 2))[:-1] + "x\n")
    put("deep-mixed", "a: " + "[{a: " * 20_000 + "1" + "}]" * 20_000 + "\n")
    put("nodes-over-limit", "".join(f"k{i}: v\n" for i in range(30_000)))
    put("nodes-at-limit", "".join(f"k{i:06d}: v\n" for i in range(24_999)))
    put("seq-at-limit", "a:\n" + "- 1\n" * 49_990)
    put("flow-seq-over-limit", "a: [" + ",".join(["1"] * 60_000) + "]\n")
    put(
        "anchors-24k",
        "".join(f"k{i}: &a{i} v\n" for i in range(12_000)) + "".join(f"r{i}: *a{i}\n" for i in range(12_000)),
    )
    put("comments-10mb", "a: 1\n" + ("# " + "c" * 60 + "\n") * ((10 * MB - 200) // 63))
    put("crlf-10mb-lone-cr-at-end", "a: 1\r\n" + ("# " + "c" * 60 + "\r\n") * ((10 * MB - 200) // 64) + "b: 2\r")
    put("block-scalar-10mb", "a: |\n" + ("  " + "x" * 70 + "\n") * ((10 * MB - 200) // 73))
    put("blank-lines-10mb", "a: 1\n" + "\n" * (10 * MB - 100))
    put("lines-at-limit", "a: 1\n" + "#\n" * 499_990)
    put("long-line-at-limit", "a: " + "x" * 999_990 + "\n")
    put("long-line-over-limit", "a: 1\nb: " + "x" * 1_000_001 + "\n")
    put("long-key", "k" * 999_000 + ": v\n")
    put("long-quoted-escapes", 'a: "' + "\\u00e9" * 150_000 + '"\n')
    put("emoji-3mb", "a: " + "😀" * 900_000 + "\n")
    put("brackets-line", "a: " + "[" * 999_000 + "\n")
    put("invalid-utf8-at-end-10mb", b"a: 1\n" + (b"# " + b"c" * 60 + b"\n") * ((10 * MB - 200) // 63) + b"\xff\n")
    put("nul-at-end-10mb", b"a: 1\n" + (b"# " + b"c" * 60 + b"\n") * ((10 * MB - 200) // 63) + b"\x00\n")
    put("random-bytes-1mb", random.Random(7).randbytes(MB))
    put("duplicate-at-the-end", "".join(f"k{i}: v\n" for i in range(20_000)) + "k0: again\n")
    put("tags-everywhere", "".join(f"k{i}: !custom{'x' * 50}{i} v\nt{i}: !!str 0{i}\n" for i in range(5_000)))
    put("tabs", "a:\n" + "\t" * 100_000 + "b: 1\n")
    put("many-documents", "a: 1\n" + "---\nb: 2\n" * 10_000)
    put(
        "directives",
        "%YAML 1.1\n" + "".join(f"%TAG !t{i}! tag:example.com,2024:{i}/\n" for i in range(5_000)) + "---\na: 1\n",
    )
    big = d / "over-10mb.yaml"
    with open(big, "wb") as fh:
        fh.truncate(10 * MB + 1)
    made["over-10mb-sparse"] = big
    os.mkfifo(d / "fifo.yaml")
    made["fifo"] = d / "fifo.yaml"
    (d / "loop-a.yaml").symlink_to(d / "loop-b.yaml")
    (d / "loop-b.yaml").symlink_to(d / "loop-a.yaml")
    made["symlink-loop"] = d / "loop-a.yaml"
    made["dev-zero"] = Path("/dev/zero")
    made["dev-urandom"] = Path("/dev/urandom")
    made["directory"] = d
    for name, data in mutations(seed=1, count=25):
        put(name, data)
    for f in sorted(BROKEN.glob("*.yaml")):
        made[f"broken/{f.stem}"] = f
    return made


# Inputs that must be refused (an error, exit 2); all others may be read or refused, but must stay bounded.
MUST_REFUSE = {
    "laughs-seq", "laughs-map", "laughs-merge", "laughs-block", "laughs-wide", "alias-fanout-270k",
    "deep-flow-seq", "deep-flow-map", "deep-block-map", "deep-block-seq", "deep-mixed", "nodes-over-limit",
    "flow-seq-over-limit", "crlf-10mb-lone-cr-at-end", "blank-lines-10mb", "long-line-over-limit", "brackets-line",
    "invalid-utf8-at-end-10mb", "nul-at-end-10mb", "random-bytes-1mb", "duplicate-at-the-end", "tabs",
    "many-documents", "over-10mb-sparse", "fifo", "symlink-loop", "dev-zero", "dev-urandom", "directory",
}  # fmt: skip
MUST_READ = {
    "laughs-just-under", "nodes-at-limit", "seq-at-limit", "anchors-24k", "comments-10mb", "block-scalar-10mb",
    "lines-at-limit", "long-line-at-limit", "long-quoted-escapes", "emoji-3mb", "tags-everywhere",
    "directives", "broken/ok-empty", "broken/ok-only-comments", "broken/ok-bom-crlf",
}  # fmt: skip

OPS = ("get", "set", "edit")  # get: read + render all; set: edit + diff; edit: edit only


@pytest.fixture(scope="module")
def core_results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    d = tmp_path_factory.mktemp("hostile")
    inputs = generated_inputs(d)
    specs = [{"id": name, "path": str(path), "op": op} for name, path in inputs.items() for op in OPS[:2]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    # two drivers side by side (two cores): each forks one child at a time
    halves = [specs[0::2], specs[1::2]]
    procs = [
        subprocess.Popen(
            # through a small intermediate process: a process started straight from pytest inherits pytest's
            # peak resident set in its rusage accounting (seen in full-suite runs), which would be charged
            # to every child it forks
            [sys.executable, "-c", _LAUNCH, DRIVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        for _ in halves
    ]
    for proc, half in zip(procs, halves, strict=True):
        assert proc.stdin is not None
        proc.stdin.write("".join(json.dumps(s) + "\n" for s in half))
        proc.stdin.close()
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for proc in procs:
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        proc.stdout.close()
        assert proc.wait(timeout=600) == 0
        for line in stdout.splitlines():
            r = json.loads(line)
            out[(r["id"], r["op"])] = r
    assert len(out) == len(specs)
    summary = {
        "inputs": len(inputs),
        "runs": len(out),
        "refused": sum(1 for r in out.values() if r["outcome"] == "error"),
        "read": sum(1 for r in out.values() if r["outcome"] == "ok"),
        "max_cpu_s": round(max(r["cpu"] for r in out.values()), 3),
        "max_peak_mb": round(max(r["peak_mb"] for r in out.values()), 1),
        "worst_cpu": max(out.values(), key=lambda r: r["cpu"])["id"],
        "worst_memory": max(out.values(), key=lambda r: r["peak_mb"])["id"],
        "wall_s": round(time.monotonic() - started, 1),
    }
    record_figures(MODULE, "hostile", summary)
    return out


def _names() -> list[str]:
    names = ["laughs-seq", "laughs-map", "laughs-merge", "laughs-block", "laughs-wide", "laughs-just-under"]
    names += sorted(set(MUST_REFUSE | MUST_READ) - set(names))
    names += [f"mutated-astronomer-{n}" for n in range(25)] if astronomer_files() else []
    names += [f"broken/{f.stem}" for f in sorted(BROKEN.glob("*.yaml")) if f"broken/{f.stem}" not in names]
    return names


@pytest.mark.parametrize("name", _names())
def test_bounded(core_results: dict[tuple[str, str], dict[str, Any]], name: str) -> None:
    for op in OPS[:2]:
        r = core_results[(name, op)]
        assert r["outcome"] in ("ok", "error"), r
        if r["outcome"] == "error":
            assert r["exit"] == 2 and "\n" not in r["message"], r
        assert r["cpu"] < CPU_LIMIT_S, r
        assert r["wall"] < 30, r
        assert r["peak_mb"] < MEMORY_LIMIT_MB, r
        if name in MUST_REFUSE:
            assert r["outcome"] == "error", r
        if name in MUST_READ:
            assert r["outcome"] == "ok" or "would be refused" in r.get("message", ""), r


def test_alias_bombs_are_named(core_results: dict[tuple[str, str], dict[str, Any]]) -> None:
    for kind in ("seq", "map", "merge", "block", "wide"):
        message = core_results[(f"laughs-{kind}", "get")]["message"]
        assert "an alias bomb?" in message and message.count(":") >= 3, message  # FILE:LINE:COL: message


# ------------------------------------------------------------------------------------------------------------
# 1b. A few of the worst inputs through ``set`` of the real command
# ------------------------------------------------------------------------------------------------------------


COMMAND_CASES: dict[str, Callable[[Path], Path]] = {
    "alias bomb": lambda d: BROKEN / "alias-bomb.yaml",
    "deep nesting": lambda d: BROKEN / "deep-nesting.yaml",
    "10 MB of comments": write_text("a: 1\n" + ("# " + "c" * 60 + "\n") * ((10 * MB - 200) // 63)),
    "10 MB block scalar": write_text("a: |\n" + ("  " + "x" * 70 + "\n") * ((10 * MB - 200) // 73)),
    "50,000 nodes after the edit": write_text("".join(f"k{i:06d}: v\n" for i in range(24_998))),
    "/dev/zero": lambda d: Path("/dev/zero"),
}


@pytest.mark.parametrize("case", list(COMMAND_CASES))
def test_through_the_command(case: str, tmp_path: Path) -> None:
    path = COMMAND_CASES[case](tmp_path / "input.yaml")
    r = measure(["set", str(path), "astroConfigProbe=1", "-o", str(tmp_path / "out.yaml")], tmp_path)
    COMMAND_FIGURES[case] = {"exit": r["rc"], "cpu_s": round(r["cpu"], 3), "peak_mb": round(r["maxrss_kib"] / 1024, 1)}
    err = r["stderr"]
    assert r["rc"] in (0, 2), err
    assert "Traceback" not in err and err.count("\n") <= 1
    assert r["cpu"] < CPU_LIMIT_S, (case, r["cpu"])
    assert r["maxrss_kib"] < MAX_RSS_KIB, (case, r["maxrss_kib"])


# ------------------------------------------------------------------------------------------------------------
# 2. The real command: lint, get and dag-deploy status on each input
# ------------------------------------------------------------------------------------------------------------


def laughs_block(levels: int, width: int = 10) -> str:
    """Billion laughs, block style: each level a list of ``width`` aliases of the one before."""
    lines = ["a0: &a0", *["  - lol"] * width]
    for i in range(1, levels):
        lines += [f"a{i}: &a{i}", *[f"  - *a{i - 1}"] * width]
    return "\n".join(lines) + "\n"


def laughs_flow_in_block(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def laughs_all_flow(levels: int, width: int = 10) -> str:
    parts = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        parts.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "{" + ", ".join(parts) + "}\n"


def laughs_mappings(levels: int, width: int = 10) -> str:
    """Anchored mappings whose values are aliases of the level before."""
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: lol" for j in range(width)) + "}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(width)) + "}")
    return "\n".join(lines) + "\n"


def laughs_merge(levels: int, width: int = 10) -> str:
    """Merge keys: each level merges the one before and adds ``width`` keys aliasing it."""
    lines = ["l0: &l0 {x: lol}"]
    for i in range(1, levels):
        lines += [f"l{i}: &l{i}", f"  <<: *l{i - 1}", *[f"  k{i}_{j}: *l{i - 1}" for j in range(width)]]
    return "\n".join(lines) + "\n"


def laughs_merge_lists(levels: int, width: int = 10) -> str:
    """Merge keys with lists of aliases, all in flow style."""
    lines = ["l0: &l0 {x0: lol}"]
    for i in range(1, levels):
        merged = ", ".join([f"*l{i - 1}"] * width)
        lines.append(f"l{i}: &l{i} {{<<: [{merged}], y{i}: [{merged}]}}")
    return "\n".join(lines) + "\n"


def deep_block_map(levels: int) -> str:
    return "".join(f"{' ' * i}k:\n" for i in range(levels)) + " " * levels + "k: 1\n"


def over_size(path: Path) -> Path:
    line = b"key_000000000: some value\n"
    with open(path, "wb") as fh:
        for _ in range(12 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    assert path.stat().st_size > 12 * 1024 * 1024
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)  # nobody writes: opening it for reading would block forever
    return path


def unix_socket(path: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return path


def symlink_to(target: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.symlink_to(target)
        return path

    return make


def symlink_loop(path: Path) -> Path:
    path.symlink_to(path.name)
    return path


def directory(path: Path) -> Path:
    path.mkdir()
    (path / "note.txt").write_text("not yaml\n")
    return path


def dev_zero(_path: Path) -> Path:
    return Path("/dev/zero")


# name -> (maker, expected lint exit code)
INPUTS: dict[str, tuple[Callable[[Path], Path], int]] = {
    "alias-bomb-block-9": (write_text(laughs_block(9)), 1),
    "alias-bomb-block-10": (write_text(laughs_block(10)), 1),
    "alias-bomb-flow-in-block-9": (write_text(laughs_flow_in_block(9)), 1),
    "alias-bomb-all-flow-10": (write_text(laughs_all_flow(10)), 1),
    "alias-bomb-mappings-9": (write_text(laughs_mappings(9)), 1),
    "alias-bomb-merge-keys-10": (write_text(laughs_merge(10)), 1),
    "alias-bomb-merge-lists-flow-9": (write_text(laughs_merge_lists(9)), 1),
    "alias-bomb-wide-2x40": (write_text(laughs_flow_in_block(40, width=2)), 1),
    "deep-10k-[": (write_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n"), 1),
    "deep-10k-{": (write_text("a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n"), 1),
    "deep-10k-unclosed-[": (write_text("a: " + "[" * 10_000 + "\n"), 1),
    "deep-10k-block-seq": (write_text("a:\n" + "- " * 10_000 + "1\n"), 1),
    "deep-1k-block-map": (write_text(deep_block_map(1_000)), 1),
    "size-12MB": (over_size, 1),
    "line-2MB": (write_text('a: "' + "x" * (2 * 1024 * 1024) + '"\n'), 1),
    "nodes-60k-one-line": (write_text("a: [" + ",".join(["1"] * 60_000) + "]\n"), 1),
    "lines-600k": (write_text("a: 1\n" + "#\n" * 600_000), 1),
    "nul-byte": (write_bytes(b'global:\n  a: 1\nb: "x\x00y"\n'), 1),
    "invalid-utf8": (write_bytes(b'global:\n  a: 1\nb: "\xff\xfe\xc3("\n'), 1),
    "utf16": (write_bytes("global:\n  a: 1\n".encode("utf-16")), 1),
    "fifo": (fifo, 1),
    "unix-socket": (unix_socket, 1),
    "dev-zero": (dev_zero, 1),
    "symlink-to-dev-zero": (symlink_to("/dev/zero"), 1),
    "symlink-to-fifo": (symlink_to("fifo.yaml"), 1),
    "symlink-loop": (symlink_loop, 1),
    "dangling-symlink": (symlink_to("nowhere/values.yaml"), 1),
    "directory": (directory, 2),  # lint walks a folder: no *.yaml in it is "no file found", a usage error
}
GROWING = "growing-file"


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def hostile_files(hostile_dir: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for name in ["fifo", *[n for n in INPUTS if n != "fifo"]]:  # symlink-to-fifo needs the FIFO first
        make, _code = INPUTS[name]
        files[name] = make(hostile_dir / f"{name}.yaml")
    return files


def note_run(name: str, command: str, r: dict[str, Any]) -> None:
    FIGURES.setdefault("inputs", [])
    if name not in FIGURES["inputs"]:
        FIGURES["inputs"].append(name)
    FIGURES["hostile_inputs_tried"] = len(FIGURES["inputs"])
    FIGURES["runs"] = FIGURES.get("runs", 0) + 1
    if r["wall"] > FIGURES.get("max_wall_s", 0):
        FIGURES["max_wall_s"], FIGURES["max_wall_run"] = round(r["wall"], 3), f"{command} {name}"
    if r["maxrss_kib"] > FIGURES.get("max_rss_kib", 0):
        FIGURES["max_rss_kib"], FIGURES["max_rss_run"] = r["maxrss_kib"], f"{command} {name}"


@pytest.fixture(scope="module")
def command_results(hostile_files: dict[str, Path], hostile_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every (input, command) run, two at a time (the machine has two cores)."""
    jobs = [(name, cmd) for name in hostile_files for cmd in COMMANDS]

    def run(job: tuple[str, str]) -> dict[str, Any]:
        name, cmd = job
        argv = [a.format(file=hostile_files[name]) for a in COMMANDS[cmd]]
        return measure(argv, hostile_dir)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(run, jobs), strict=True))


def check_run(name: str, command: str, r: dict[str, Any], lint_code: int) -> None:
    where = f"{command} {name}"
    assert r["rc"] is not None, f"{where}: still running after {TIMEOUT_S} s (killed)"
    out, err = r["stdout"], r["stderr"]
    assert "Traceback" not in out + err, f"{where}: {err}"
    assert "internal error" not in err, f"{where}: {err}"
    if command == "lint" and lint_code == 1:
        assert r["rc"] == 1, f"{where}: exit {r['rc']}: {out} {err}"
        findings = [line for line in out.splitlines() if ": error: " in line]
        assert len(findings) == 1, f"{where}: {out}"
        assert "1 file checked: 1 error" in out, f"{where}: {out}"
        assert err == "", f"{where}: {err}"
    else:
        assert r["rc"] == 2, f"{where}: exit {r['rc']}: {out} {err}"
        assert out == "", f"{where}: {out[:300]}"
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{where}: {err}"
        assert len(lines[0]) < 400, f"{where}: {lines[0][:500]}"
    assert r["cpu"] < CPU_LIMIT_S, f"{where}: {r['cpu']:.2f} s CPU"  # the work it may cost, load or not
    assert r["wall"] < MAX_WALL_S, f"{where}: {r['wall']:.2f} s"
    assert r["maxrss_kib"] < MAX_RSS_KIB, f"{where}: {r['maxrss_kib']} KiB"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(INPUTS))
def test_hostile_input(command_results: dict[tuple[str, str], dict[str, Any]], name: str, command: str) -> None:
    r = command_results[(name, command)]
    note_run(name, command, r)
    check_run(name, command, r, INPUTS[name][1])


GROWER = r"""
import os, sys, time
path, header = sys.argv[1], b"global:\n  items: [\n"
chunk = b"    1,\n" * (65536 // 7)
with open(path, "wb") as fh:
    fh.write(header)
    fh.flush()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        fh.write(chunk)
        fh.flush()
        if fh.tell() > 11 * 1024 * 1024:  # past the 10 MB limit: shrink back, and grow again
            fh.seek(len(header))
            fh.truncate()
        time.sleep(0.001)
"""


def test_file_growing_while_read(hostile_dir: Path) -> None:
    """A file another process keeps appending to (and truncating when it passes 11 MB): whatever the
    snapshot, it is refused (unclosed list, too many lines or nodes, over the size limit, or grew past it)."""
    path = hostile_dir / f"{GROWING}.yaml"
    grower = subprocess.Popen([sys.executable, "-c", GROWER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert grower.stdout is not None and grower.stdout.readline() == "ready\n"
        time.sleep(0.05)
        for command in COMMANDS:
            r = measure([a.format(file=path) for a in COMMANDS[command]], hostile_dir)
            assert grower.poll() is None, "the writer stopped"
            note_run(GROWING, command, r)
            shown = (r["stdout"] if command == "lint" else r["stderr"]).replace(str(path), "FILE")
            FIGURES.setdefault("growing_file_messages", []).append(f"{command}: {shown.splitlines()[0]}")
            check_run(GROWING, command, r, 1)
    finally:
        grower.kill()
        grower.wait()
        if grower.stdout is not None:
            grower.stdout.close()


def test_hostile_figures(command_results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Runs after the tests above (file order): every input was tried with every command."""
    assert len(command_results) == len(INPUTS) * len(COMMANDS)
    FIGURES["max_cpu_s"] = round(max(r["cpu"] for r in command_results.values()), 3)
    FIGURES["limits"] = {"wall_s": MAX_WALL_S, "rss_kib": MAX_RSS_KIB}


@pytest.mark.parametrize("platform", [None, "0.37.7"])
def test_lint_refuses_too_many_lines_as_a_finding(tmp_path: Path, platform: str | None) -> None:
    from astro_config.document import reader as document
    from astro_config.errors import InputError
    from astro_config.lint import engine as linting

    good = tmp_path / "good.yaml"
    good.write_bytes((SAMPLES / "half-enabled.yaml").read_bytes())
    many = tmp_path / "many-lines.yaml"
    many.write_text("global:\n  dagOnlyDeployment:\n    enabled: false\n" + "\n" * (document.MAX_LINES + 10))
    with pytest.raises(InputError):
        document.load_file(many)
    result = linting.lint_paths([str(good), str(many)], platform)
    mine = [p for p in result.problems if p.file == str(many)]
    assert [p.rule for p in mine] == ["syntax"]
    assert any(p.file == str(good) for p in result.problems)
