"""Hostile inputs cost bounded time and memory, and never reach the user as anything but a one-line error.

Every input is read (``get``), edited (``set``) and diffed in a process of its own: a driver process imports the
tool once and forks a child per input and operation; ``os.wait4`` gives each child's own resource usage (what
``getrusage(RUSAGE_CHILDREN)`` reports for one child). Each must use under 2 s of CPU time and under 200 MB
peak memory (the child's peak resident set plus everything the driver held when it forked: an upper bound),
and end either fine or with one of the tool's own errors (``AstroConfigError``, exit 2) -- never another
exception, never a verification failure.

A few of the worst inputs also run through the real command (``python -m astro_config``), measured the same way.

Set ``ASTRO_CONFIG_STATS_DIR`` to record the figures (for SECURITY.md) as JSON.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import astronomer_files

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "sample-values" / "broken"
CPU_LIMIT_S = 2.0
MEMORY_LIMIT_MB = 200
MB = 1024 * 1024

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

# --------------------------------------------------------------------------------------------------------------
# The hostile inputs
# --------------------------------------------------------------------------------------------------------------


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
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
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
    record("hostile", summary)
    print(f"\nhostile inputs: {json.dumps(summary)}")
    return out


def record(name: str, data: dict[str, Any]) -> None:
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")


def _names() -> list[str]:
    names = ["laughs-seq", "laughs-map", "laughs-merge", "laughs-block", "laughs-wide", "laughs-just-under"]
    names += sorted(set(MUST_REFUSE | MUST_READ) - set(names))
    names += [f"mutated-astronomer-{n}" for n in range(25)] if astronomer_files() else []
    names += [f"broken/{f.stem}" for f in sorted(BROKEN.glob("*.yaml")) if f"broken/{f.stem}" not in names]
    return names


@pytest.mark.parametrize("name", _names())
def test_bounded(results: dict[tuple[str, str], dict[str, Any]], name: str) -> None:
    for op in OPS[:2]:
        r = results[(name, op)]
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


def test_alias_bombs_are_named(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    for kind in ("seq", "map", "merge", "block", "wide"):
        message = results[(f"laughs-{kind}", "get")]["message"]
        assert "an alias bomb?" in message and message.count(":") >= 3, message  # FILE:LINE:COL: message


# --------------------------------------------------------------------------------------------------------------
# Through the real command
# --------------------------------------------------------------------------------------------------------------


LAUNCHER = r"""
import json, os, resource, sys
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    os.execv(sys.executable, [sys.executable, "-m", "astro_config", *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024}))
"""


def measured(args: list[str], cwd: Path) -> tuple[int, str, float, float]:
    """Run the command; its exit code, stderr, CPU seconds and peak memory (MB), from its own rusage.

    A small launcher process forks and execs the command and reports what ``wait4`` says about it: started
    straight from this (test) process, the command's figure would include this process's peak memory, which
    survives fork and exec."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    report = json.loads(done.stdout)
    return report["code"], done.stderr, report["cpu"], report["peak_mb"]


COMMAND_CASES: dict[str, Callable[[Path], Path]] = {
    "alias bomb": lambda d: BROKEN / "alias-bomb.yaml",
    "deep nesting": lambda d: BROKEN / "deep-nesting.yaml",
    "10 MB of comments": lambda d: _write(d / "c.yaml", "a: 1\n" + ("# " + "c" * 60 + "\n") * ((10 * MB - 200) // 63)),
    "10 MB block scalar": lambda d: _write(d / "b.yaml", "a: |\n" + ("  " + "x" * 70 + "\n") * ((10 * MB - 200) // 73)),
    "50,000 nodes after the edit": lambda d: _write(d / "n.yaml", "".join(f"k{i:06d}: v\n" for i in range(24_998))),
    "/dev/zero": lambda d: Path("/dev/zero"),
}


def _write(f: Path, text: str) -> Path:
    f.write_text(text)
    return f


@pytest.mark.parametrize("case", list(COMMAND_CASES))
def test_through_the_command(case: str, tmp_path: Path) -> None:
    path = COMMAND_CASES[case](tmp_path)
    code, err, cpu, peak = measured(
        ["set", str(path), "astroConfigProbe=1", "-o", str(tmp_path / "out.yaml")], tmp_path
    )
    COMMAND_FIGURES[case] = {"exit": code, "cpu_s": round(cpu, 3), "peak_mb": round(peak, 1)}
    assert code in (0, 2), err
    assert "Traceback" not in err and err.count("\n") <= 1
    assert cpu < CPU_LIMIT_S, (case, cpu)
    assert peak < MEMORY_LIMIT_MB, (case, peak)


COMMAND_FIGURES: dict[str, dict[str, float]] = {}


def test_record_command_figures() -> None:
    """(runs last in this file) the real command's figures above, for SECURITY.md."""
    record("hostile-command", COMMAND_FIGURES)
    print(f"\nthrough the command: {json.dumps(COMMAND_FIGURES)}")
