"""SIGKILL while a values file is being rewritten: afterwards it is always the complete old or the complete new
version, never a mix, never truncated, never missing.

1. Kill loops: a long-lived helper process (a "zygote", started once) imports astro-config and, for each
   round, forks a writer that rewrites a real values file in a loop, alternating version A and version B,
   until this test kills it with SIGKILL after a random delay (fixed seed). After every kill the file must be
   exactly A or exactly B, with its mode kept, and the path must still be a regular file. Two writers are
   used: ``writing.write_atomic`` in a tight loop, and the real command line (``astro_config.cli.main.main``
   in the writer process) running ``set FILE KEY=VALUE -w`` back and forth. Forking from a started process
   keeps a round at a few milliseconds (a fresh interpreter costs ~100 ms).

   A SIGKILL between creating the temporary file and renaming it leaves that temporary file behind (nothing
   can clean up after SIGKILL); they are counted, checked never to be the target name, never more readable
   than the file (mode 0600 until the copy of the file's mode), and a later successful write is shown not to
   remove them (a writer only removes its own temporary file).
2. Kills at a chosen step: a driver process forks writers that rewrite the file through the same code path
   as ``set -w`` (read, edit, verify, ``writing.emit``); every other writer is killed after a random delay,
   the others kill themselves at a chosen step of the write (create, write, fsync, chmod, replace).
3. The real command (``python -m astro_config set ... -w``) killed at random moments.

(This module merges the former ``test_hardening_kill.py`` and ``test_kill.py``.) ``ASTRO_CONFIG_FIGURES=FILE``
appends the figures to FILE as JSON lines; ``ASTRO_CONFIG_STATS_DIR=DIR`` writes them to ``DIR/<part>.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ASTRONOMER, SAMPLES, astronomer_files
from hardenkit import ROOT, record_figures

from astro_config.document import writing

# ------------------------------------------------------------------------------------------------------------
# 1. Kill loops
# ------------------------------------------------------------------------------------------------------------

SEED = 20240611
KILLS_WRITE_ATOMIC = 150
KILLS_CLI = 50
TMP_NAME = re.compile(r"^\.values\.yaml\..+\.tmp$")

FIGURES: Counter[str] = Counter()

ZYGOTE = r"""
import os, sys
from pathlib import Path
from astro_config.cli import main as cli
from astro_config.document import writing
from astro_config.document import reader as document  # what a run imports lazily
from astro_config.document import editing
from astro_config import keypath
from astro_config.secrets import redact
from astro_config.secrets import secretdiff

target = Path(sys.argv[1])
version_a = Path(sys.argv[2]).read_bytes()
version_b = Path(sys.argv[3]).read_bytes()
key = sys.argv[4]


def write_atomic_loop(done):
    i = 0
    while True:
        writing.write_atomic(target, version_b if i % 2 == 0 else version_a)
        os.write(done, b".")
        i += 1


def cli_loop(done):
    i = 0
    while True:
        value = "true" if i % 2 == 0 else "false"
        sys.argv = ["astro-config", "set", str(target), f"{key}={value}", "-w"]
        try:
            cli.main()
        except SystemExit as e:
            if e.code not in (0, None):
                os._exit(70)
        os.write(done, b".")
        i += 1


sys.stdout.write("ready\n")
sys.stdout.flush()
for line in sys.stdin:
    mode = line.strip()
    started_r, started_w = os.pipe()
    done_r, done_w = os.pipe()
    os.set_blocking(done_r, False)
    pid = os.fork()
    if pid == 0:
        os.close(started_r)
        os.close(done_r)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.write(started_w, b"!")
        os.close(started_w)
        try:
            (write_atomic_loop if mode == "write_atomic" else cli_loop)(done_w)
        finally:
            os._exit(71)
    os.close(started_w)
    os.close(done_w)
    os.read(started_r, 1)
    os.close(started_r)
    sys.stdout.write(f"{pid}\n")
    sys.stdout.flush()
    _, status = os.waitpid(pid, 0)
    writes = 0
    try:
        while True:
            chunk = os.read(done_r, 65536)
            if not chunk:
                break
            writes += len(chunk)
    except BlockingIOError:
        pass
    os.close(done_r)
    signalled = os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
    sys.stdout.write(f"{'killed' if signalled else 'exited'} {status} {writes}\n")
    sys.stdout.flush()
"""


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    FIGURES.clear()
    yield
    record_figures("test_kill_writes.py", "kill-loops", {"seed": SEED, **dict(sorted(FIGURES.items()))})


def real_values() -> bytes:
    """A real chart values file when ../shared is present (18 KB), else the sample."""
    chart = ASTRONOMER / "v0.37.7" / "values.yaml"
    return (chart if chart.is_file() else SAMPLES / "platform-0.37.yaml").read_bytes()


def versions() -> tuple[bytes, bytes, str]:
    """Version A (the file as is) and version B (a flag switched on): they differ in the middle of the file and
    in length, so a torn or truncated file is neither. B is what ``set KEY=true`` makes of A and A what
    ``set KEY=false`` makes of B."""
    from astro_config.document import editing
    from astro_config.document import reader as document

    key = "global.dagOnlyDeployment.enabled"
    path = ("global", "dagOnlyDeployment", "enabled")
    a = real_values()
    doc = document.load_bytes(a, "values.yaml")
    assert doc.get(path) is False
    b = editing.apply_edits(doc, [editing.SetValue(path, True)]).new_bytes
    back = editing.apply_edits(document.load_bytes(b, "values.yaml"), [editing.SetValue(path, False)]).new_bytes
    assert back == a and b != a and len(b) != len(a)
    first = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    assert 0 < first < len(a) - 100
    return a, b, key


class Zygote:
    def __init__(self, target: Path, a: Path, b: Path, key: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(target), str(a), str(b), key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.readline() == "ready"
        self.child: int | None = None

    def readline(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the helper process died"
        return line.strip()

    def start(self, mode: str) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(mode + "\n")
        self.proc.stdin.flush()
        self.child = int(self.readline())
        return self.child

    def kill_child(self) -> tuple[bool, int]:
        assert self.child is not None
        os.kill(self.child, signal.SIGKILL)
        self.child = None
        how, _status, writes = self.readline().split()
        return how == "killed", int(writes)

    def close(self) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child, signal.SIGKILL)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def check_after_kill(directory: Path, target: Path, a: bytes, b: bytes, seen_tmp: set[str]) -> str:
    assert target.is_file() and not target.is_symlink()
    data = target.read_bytes()
    assert data in (a, b), f"torn file: {len(data)} bytes, neither version A ({len(a)}) nor B ({len(b)})"
    assert (target.stat().st_mode & 0o7777) == 0o640
    names = {p.name for p in directory.iterdir()}
    strays = {n for n in names if TMP_NAME.match(n)}
    assert target.name not in strays
    assert names - strays <= {target.name, "a.yaml", "b.yaml"}, f"unexpected files: {sorted(names)}"
    for name in strays - seen_tmp:
        body = (directory / name).read_bytes()
        FIGURES["stray_temp_files"] += 1
        mode = (directory / name).stat().st_mode & 0o7777
        assert mode in (0o600, 0o640), f"a temporary file is readable by more than the file: {mode:o}"
        FIGURES[f"stray_temp_files_mode_{mode:o}"] += 1
        if body in (a, b):
            FIGURES["stray_temp_files_complete"] += 1
        elif not body:
            FIGURES["stray_temp_files_empty"] += 1
        else:
            assert a.startswith(body) or b.startswith(body), "a temporary file holds something else"
            FIGURES["stray_temp_files_partial"] += 1
    seen_tmp |= strays
    return "A" if data == a else "B"


def test_sigkill_during_rewrite_loops(tmp_path: Path) -> None:
    a, b, key = versions()
    (tmp_path / "a.yaml").write_bytes(a)
    (tmp_path / "b.yaml").write_bytes(b)
    work = tmp_path / "work"
    work.mkdir()
    target = work / "values.yaml"
    target.write_bytes(a)
    os.chmod(target, 0o640)
    rng = random.Random(SEED)
    seen_tmp: set[str] = set()
    outcomes: Counter[str] = Counter()
    zygote = Zygote(target, tmp_path / "a.yaml", tmp_path / "b.yaml", key)
    started = time.monotonic()
    try:
        plan = ["write_atomic"] * KILLS_WRITE_ATOMIC + ["cli"] * KILLS_CLI
        for mode in plan:
            zygote.start(mode)
            # write_atomic takes 1-18 ms here (fsync on ext4); a CLI run ~30-50 ms
            time.sleep(rng.uniform(0.0, 0.04) if mode == "write_atomic" else rng.uniform(0.0, 0.12))
            killed, writes = zygote.kill_child()
            assert killed, "the writer exited on its own (an error in the loop?)"
            FIGURES["kills"] += 1
            FIGURES[f"kills_{mode}"] += 1
            FIGURES[f"writes_completed_{mode}"] += writes
            version = check_after_kill(work, target, a, b, seen_tmp)
            outcomes[f"{mode}:{version}"] += 1
        # On a loaded machine a CLI run can take longer than the sleeps above, so that every kill lands before
        # its first rename and the file never leaves version A. Kill later (the window doubling, up to 1.5 s)
        # until both versions were seen: the check is that kills land *during* rewrites, whatever the load.
        window, extra = 0.24, 0
        while not (outcomes["cli:A"] and outcomes["cli:B"]) and extra < KILLS_CLI:
            zygote.start("cli")
            time.sleep(rng.uniform(0.0, window))
            killed, writes = zygote.kill_child()
            assert killed, "the writer exited on its own (an error in the loop?)"
            FIGURES["kills"] += 1
            FIGURES["kills_cli"] += 1
            FIGURES["kills_cli_extra"] += 1
            FIGURES["writes_completed_cli"] += writes
            outcomes[f"cli:{check_after_kill(work, target, a, b, seen_tmp)}"] += 1
            window, extra = min(window * 2, 1.5), extra + 1
    finally:
        zygote.close()
    FIGURES["seconds"] = round(time.monotonic() - started, 1)
    for k, v in outcomes.items():
        FIGURES[f"file_was_{k}"] = v
    assert FIGURES["kills"] == KILLS_WRITE_ATOMIC + KILLS_CLI + FIGURES["kills_cli_extra"]
    # both versions were seen after kills: the kills landed while the file was being rewritten
    assert outcomes["write_atomic:A"] and outcomes["write_atomic:B"]
    assert outcomes["cli:A"] and outcomes["cli:B"]
    assert FIGURES["writes_completed_cli"] > 0

    # A later successful write does not remove temporary files other writers left behind.
    strays_before = {p.name for p in work.iterdir() if TMP_NAME.match(p.name)}
    writing.write_atomic(target, b)
    strays_after = {p.name for p in work.iterdir() if TMP_NAME.match(p.name)}
    assert target.read_bytes() == b
    assert strays_after == strays_before
    FIGURES["stray_temp_files_left_after_next_write"] = len(strays_after)


# ------------------------------------------------------------------------------------------------------------
# 2. Kills at a chosen step of the write
# ------------------------------------------------------------------------------------------------------------

KILLS = 200  # writers killed in part 2

SAMPLE = "# values\nglobal:\n  baseDomain: example.com\n  dagOnlyDeployment:\n    enabled: false\n" + "".join(
    f"# filler line {i} to make the write a little longer\nkey{i}: value{i}\n" for i in range(400)
)

DRIVER = r"""
import io, json, os, random, signal, sys, time
from pathlib import Path
from astro_config.document import reader as document
from astro_config.document import editing
from astro_config.document import writing

path = Path(sys.argv[1])
kills = int(sys.argv[2])
seed = int(sys.argv[3])
rnd = random.Random(seed)
KEY = ("global", "dagOnlyDeployment", "enabled")
STEPS = ("create", "write", "fsync", "chmod", "replace")

def versions(raw):
    doc = document.load_bytes(raw, "v")
    on = editing.apply_edits(doc, [editing.SetValue(KEY, True)]).new_bytes
    off = editing.apply_edits(document.load_bytes(on, "v"), [editing.SetValue(KEY, False)]).new_bytes
    return on, off

def writer(die_at):
    if die_at:
        def fault(step):
            if step == die_at and rnd.random() < 0.5:
                os.kill(os.getpid(), signal.SIGKILL)
        writing._FAULT = fault
    while True:
        doc = document.load_file(path)
        value = not doc.get(KEY)
        result = editing.apply_edits(doc, [editing.SetValue(KEY, value)])
        writing.emit(name="v", path=path, old_bytes=result.old_bytes, new_bytes=result.new_bytes,
                     old_text=result.old.text, new_text=result.new.text,
                     opts=writing.WriteOptions(write=True), stdout=io.StringIO())

original = path.read_bytes()
on, off = versions(original)
allowed = {original, on, off}  # (the original until the first write lands)
stats = {"kills": 0, "by_step": {}, "random_delay": 0, "states": {"on": 0, "off": 0, "original": 0}, "bad": 0,
         "temp_files_left": 0}
for n in range(kills):
    die_at = STEPS[n % len(STEPS)] if n % 2 else None
    pid = os.fork()
    if pid == 0:
        rnd.seed(seed * 1000 + n)
        try:
            writer(die_at)
        finally:
            os._exit(1)
    if die_at is None:
        time.sleep(rnd.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
        print(json.dumps({"error": f"writer ended with status {status}"}))
        sys.exit(1)
    stats["kills"] += 1
    if die_at:
        stats["by_step"][die_at] = stats["by_step"].get(die_at, 0) + 1
    else:
        stats["random_delay"] += 1
    now = path.read_bytes()
    if now not in allowed:
        stats["bad"] += 1
    else:
        stats["states"]["on" if now == on else "off" if now == off else "original"] += 1
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        stats["temp_files_left"] += 1
        leftover.unlink()
print(json.dumps(stats))
"""


def test_sigkill_at_chosen_write_steps(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    files = astronomer_files()
    values.write_bytes(files[-1].read_bytes() if files else SAMPLE.encode())
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(values), str(KILLS), "20241125"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    stats["seconds"] = round(time.monotonic() - started, 1)
    record_figures("test_kill_writes.py", "kill", stats)
    assert stats["kills"] == KILLS
    assert stats["bad"] == 0, "a kill left a file that is neither the old nor the new version"
    assert sum(stats["states"].values()) == KILLS
    assert stats["states"]["on"] > 0 and stats["states"]["off"] > 0
    assert all(stats["by_step"].get(s, 0) > 0 for s in ("create", "write", "fsync", "chmod", "replace"))


# ------------------------------------------------------------------------------------------------------------
# 3. The real command
# ------------------------------------------------------------------------------------------------------------


def test_sigkill_the_real_command(tmp_path: Path) -> None:
    """The installed command, killed at random moments of ``set -w`` (startup, parse, write)."""
    values = tmp_path / "values.yaml"
    original = SAMPLE.encode()
    values.write_bytes(original)
    new = original.replace(b"enabled: false", b"enabled: true")
    rnd = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    seen = {"old": 0, "new": 0}
    for _ in range(6):
        values.write_bytes(original)
        proc = subprocess.Popen(
            [sys.executable, "-m", "astro_config", "set", str(values), "global.dagOnlyDeployment.enabled=true", "-w"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rnd.uniform(0.1, 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = values.read_bytes()
        assert now in (original, new)
        seen["old" if now == original else "new"] += 1
        for leftover in tmp_path.glob(".values.yaml.*.tmp"):
            leftover.unlink()
    print(f"\nreal command killed 6 times: {seen}")
