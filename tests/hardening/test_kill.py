"""SIGKILL while a file is being rewritten: afterwards the file is always the complete old or the complete new
version, never a mix, never empty.

A driver process imports the tool and forks writers; each writer rewrites the values file in a loop (read, edit,
verify, atomic write: the same code path as ``set -w``), toggling ``global.dagOnlyDeployment.enabled``; the
driver kills it with SIGKILL after a random delay, or the writer kills itself at a chosen step of the write
(create, write, fsync, chmod, replace), then the file is checked. A few kills also hit the real command.

Set ``ASTRO_CONFIG_STATS_DIR`` to record the figures (for SECURITY.md).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import astronomer_files

ROOT = Path(__file__).resolve().parents[2]
KILLS = 200

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


def record(name: str, data: dict[str, object]) -> None:
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")


def test_sigkill_during_rewrites(tmp_path: Path) -> None:
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
    record("kill", stats)
    print(f"\nSIGKILL during rewrites: {json.dumps(stats)}")
    assert stats["kills"] == KILLS
    assert stats["bad"] == 0, "a kill left a file that is neither the old nor the new version"
    assert sum(stats["states"].values()) == KILLS
    assert stats["states"]["on"] > 0 and stats["states"]["off"] > 0
    assert all(stats["by_step"].get(s, 0) > 0 for s in ("create", "write", "fsync", "chmod", "replace"))


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
