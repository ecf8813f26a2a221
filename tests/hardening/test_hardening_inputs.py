"""Hardening: hostile and broken inputs are refused quickly, in bounded memory, with one line and no traceback.

Each input is given to ``astro-config lint FILE``, ``astro-config get FILE a`` and
``astro-config dag-deploy status FILE``, each run as a real process. ``lint`` reports an unusable file as a
finding (exit 1); ``get`` and ``status`` refuse it (exit 2). Every run must finish in under 2 s wall time
and 200 MB peak RSS. Each run is measured from a fresh intermediate Python process
(``resource.getrusage(RUSAGE_CHILDREN)`` there sees only the one ``astro-config`` process; ``ru_maxrss`` is
in KiB on Linux), and has a hard timeout so that a FIFO or a device can never hang the suite.

Run with ``ASTRO_CONFIG_FIGURES=FILE`` to append the figures to FILE as a JSON line.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES

MAX_WALL_S = 2.0
MAX_RSS_KIB = 200 * 1024
TIMEOUT_S = 15.0

COMMANDS: dict[str, list[str]] = {
    "lint": ["lint", "{file}"],
    "get": ["get", "{file}", "a"],
    "status": ["dag-deploy", "status", "{file}"],
}

MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.monotonic()
try:
    p = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]), stdin=subprocess.DEVNULL)
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


# ------------------------------------------------------------------------------------------------------------
# The inputs
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


FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    FIGURES.clear()
    yield
    record = {"file": "test_hardening_inputs.py", **FIGURES}
    print("\nfigures:", json.dumps(record))
    out = os.environ.get("ASTRO_CONFIG_FIGURES")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


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
def results(hostile_files: dict[str, Path], hostile_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
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
    assert r["wall"] < MAX_WALL_S, f"{where}: {r['wall']:.2f} s"
    assert r["maxrss_kib"] < MAX_RSS_KIB, f"{where}: {r['maxrss_kib']} KiB"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(INPUTS))
def test_hostile_input(results: dict[tuple[str, str], dict[str, Any]], name: str, command: str) -> None:
    r = results[(name, command)]
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


def test_hostile_figures(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Runs after the tests above (file order): every input was tried with every command."""
    assert len(results) == len(INPUTS) * len(COMMANDS)
    FIGURES["max_cpu_s"] = round(max(r["cpu"] for r in results.values()), 3)
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
