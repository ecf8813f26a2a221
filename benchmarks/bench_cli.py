"""Benchmark: astro-config's commands against the tools an admin would otherwise use, side by side.

Installs the peers (yamllint, yamlpath's ``yaml-set``, check-jsonschema) and astro-config itself (a regular,
non-editable install of this working tree, byte-compiled as pip installs it for users) into virtual
environments under a scratch folder, then runs each pair of commands alternately (which one goes first
alternates too), several times, on the same files, after one untimed warm-up each::

    python benchmarks/bench_cli.py                         # everything, about 3-4 minutes on 2 cores
    python benchmarks/bench_cli.py --rounds 5 --fleet-rounds 3
    python benchmarks/bench_cli.py --strict                # exit 1 when a target fails
    python benchmarks/bench_cli.py --write benchmarks/results.md
    python benchmarks/bench_cli.py --ours-bin "$(command -v astro-config)" --no-install   # what is on PATH

Files: the real chart values of ``../shared/astronomer/`` and the public corpus of ``../shared/corpus/``
(``--shared`` or ``ASTRO_CONFIG_SHARED`` to point elsewhere). The 200-file fleet cycles through all of them;
every copy gets its own trailing comment, so no two files are byte-identical. Helm (``helm lint`` on a chart
made of the release's ``values.yaml``) is timed when ``.ci/bin/helm`` is there (``.ci/get-helm .ci/bin``
fetches it), for reference only.

Every process is timed with ``os.wait4``: wall time, CPU time (user + system) and peak memory (max RSS).
Prints the medians, the ratio to the peer and PASS/FAIL per target; ``--strict`` makes a FAIL exit 1.
Needs only Python 3.11+, pip access to PyPI and the files above.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ["yamllint", "yamlpath", "check-jsonschema", "PyYAML"]
# The floor for reading a fleet: PyYAML's libyaml loader (C parser and constructor) over every file, one process.
LIBYAML_LOAD = (
    "import sys, yaml\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as f:\n"
    "        yaml.load(f, Loader=yaml.CSafeLoader)\n"
)
ONE_FILE = "v0.37.7"  # the 745-line release the issue measured
FLEET_SIZE = 200
ENABLE_KEY = "global.dagOnlyDeployment.enabled"  # the 0.36+ layout's flag, set by yaml-set


# ----------------------------------------------------------------------------------------------------------
# Running and timing one process
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss_mb: float  # peak resident memory
    code: int


def run_once(argv: Sequence[str], env: dict[str, str], before: Callable[[], None] | None = None) -> Sample:
    if before is not None:
        before()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read()  # small: the tools print their findings to stdout
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    code = proc.returncode
    if code not in (0, 1):
        text = err.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{' '.join(argv)} exited {code}: {text[-1] if text else ''}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


@dataclass
class Command:
    label: str
    argv: list[str]
    before: Callable[[], None] | None = None  # untimed preparation before each run (a fresh copy to edit)
    samples: list[Sample] = field(default_factory=list)

    def run(self, env: dict[str, str]) -> Sample:
        s = run_once(self.argv, env, self.before)
        self.samples.append(s)
        return s

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mb for s in self.samples)


def alternate(ours: Command, peer: Command | None, rounds: int, env: dict[str, str], quiet: bool) -> None:
    """One untimed warm-up each, then ``rounds`` timed runs of each, alternating which goes first."""
    pair = [c for c in (ours, peer) if c is not None]
    for c in pair:
        run_once(c.argv, env, c.before)
    for i in range(rounds):
        for c in pair if i % 2 == 0 else reversed(pair):
            c.run(env)
        if not quiet:
            print(".", end="", flush=True, file=sys.stderr)


# ----------------------------------------------------------------------------------------------------------
# Setting up
# ----------------------------------------------------------------------------------------------------------


def venv_bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def pip(venv: Path, *args: str) -> None:
    cmd = [str(venv_bin(venv, "python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"error: pip install {' '.join(args)} failed")


def make_venv(venv: Path) -> bool:
    """Create ``venv`` unless it is there; True when it was created."""
    if venv_bin(venv, "python").exists():
        return False
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return True


def install(scratch: Path, skip: bool, extra: Sequence[str] = ()) -> tuple[Path, Path]:
    peers, ours = scratch / "peers", scratch / "ours"
    if skip:
        return peers, ours
    print(f"setting up {scratch} (peers: {', '.join(PEERS)}; astro-config from {ROOT}) ...", file=sys.stderr)
    if make_venv(peers):
        pip(peers, *PEERS)
    make_venv(ours)
    # A regular install of the working tree, byte-compiled by pip as for users (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module on every start).
    pip(ours, "--force-reinstall", "--no-deps", str(ROOT))
    pip(ours, str(ROOT), *extra)
    return peers, ours


def find_helm(get: bool) -> str | None:
    helm = ROOT / ".ci" / "bin" / "helm"
    if not helm.exists() and get and (ROOT / ".ci" / "get-helm").exists():
        subprocess.run(["bash", str(ROOT / ".ci" / "get-helm"), str(ROOT / ".ci" / "bin")], check=False)
    return str(helm) if helm.exists() else None


def build_fleet(real: list[Path], dest: Path, size: int) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for i in range(size):
        src = real[i % len(real)]
        out = dest / f"cluster-{i:03d}-{src.parent.name if src.name == 'values.yaml' else src.stem}.yaml"
        data = src.read_bytes()
        if not data.endswith(b"\n"):
            data += b"\n"
        out.write_bytes(data + f"# fleet copy {i}\n".encode())
        files.append(out)
    return files


def make_chart(values: Path, dest: Path) -> Path:
    """A chart folder holding the release's values.yaml, for ``helm lint``."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "templates").mkdir(exist_ok=True)
    version = values.parent.name.lstrip("v")
    (dest / "Chart.yaml").write_text(
        f"apiVersion: v2\nname: astronomer\nversion: {version}\ndescription: benchmark chart\n", encoding="utf-8"
    )
    shutil.copyfile(values, dest / "values.yaml")
    return dest


def version_of(argv: list[str], env: dict[str, str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else "?"


def pip_version(venv: Path, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    out = subprocess.run([str(venv_bin(venv, "python")), "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return {
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
    }


def git_state() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True)
    except OSError:
        return "?"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


# ----------------------------------------------------------------------------------------------------------
# Targets
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    target: str
    ours: Command
    peer: Command | None
    limit: float  # ratio to the peer, or seconds when there is no peer
    kind: str = "ratio"  # "ratio" | "seconds" | "info"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours.wall / self.peer.wall if self.peer is not None and self.peer.samples else None

    @property
    def verdict(self) -> str:
        if not self.ours.samples or (self.kind == "ratio" and self.ratio is None):
            return "SKIP"
        if self.kind == "info":
            return "info"
        value = self.ratio if self.kind == "ratio" else self.ours.wall
        assert value is not None
        return "PASS" if value <= self.limit else "FAIL"


def fmt_s(x: float) -> str:
    return f"{x:.3f}"


def table(rows: list[Row], memory: list[tuple[str, float]], mem_limit: float) -> list[str]:
    out = [
        "| target | astro-config median s (cpu s) | peer | peer median s (cpu s) | ratio | limit | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours = f"{fmt_s(r.ours.wall)} ({fmt_s(r.ours.cpu)})" if r.ours.samples else "-"
        if r.peer is not None and r.peer.samples:
            peer = f"{fmt_s(r.peer.wall)} ({fmt_s(r.peer.cpu)})"
            ratio = f"{r.ratio:.2f}x"
        else:
            peer, ratio = "-", "-"
        if r.kind == "ratio":
            limit = f"<= {r.limit:.2f}x"
        elif r.kind == "seconds":
            limit = f"<= {r.limit:.2f} s"
        else:
            limit = "-"
        name = r.peer.label if r.peer is not None else "-"
        out.append(f"| {r.target} | {ours} | {name} | {peer} | {ratio} | {limit} | {r.verdict} |")
    if memory:
        worst_label, worst = max(memory, key=lambda m: m[1])
        verdict = "PASS" if worst < mem_limit else "FAIL"
        out.append(
            f"| peak memory, every command, largest corpus file | {worst:.1f} MB ({worst_label}) | - | - | - "
            f"| < {mem_limit:.0f} MB | {verdict} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7, help="timed runs of each one-file command (default 7)")
    ap.add_argument("--fleet-rounds", type=int, default=3, help="timed runs of each 200-file command (default 3)")
    ap.add_argument("--fleet-size", type=int, default=FLEET_SIZE)
    ap.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "astro-config-bench",
                    help="folder for the virtual environments and files (kept for the next run)")  # fmt: skip
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("ASTRO_CONFIG_SHARED", ROOT.parent / "shared")))
    ap.add_argument("--no-install", action="store_true", help="reuse the scratch environments as they are")
    ap.add_argument("--ours-bin", help="the astro-config executable to time (default: the scratch install)")
    ap.add_argument("--ours-pip", action="append", default=[], metavar="REQ",
                    help="extra requirement for astro-config's environment, e.g. 'typer<0.29' (repeatable;\n"
                         "use another --scratch to keep both)")  # fmt: skip
    ap.add_argument("--no-helm", action="store_true", help="do not time helm lint (nor fetch helm)")
    ap.add_argument("--yamllint-fleet", action="store_true", help="also time yamllint over the fleet (~12 s a run)")
    ap.add_argument("--jobs", type=int, default=0,
                    help="also time lint --jobs N over the fleet, when the CLI has --jobs (0: not)")  # fmt: skip
    ap.add_argument("--write", type=Path, help="write the results as Markdown to this file")
    ap.add_argument("--json", type=Path, help="write every sample as JSON to this file")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    chart_files = sorted((args.shared / "astronomer").glob("v*/values.yaml"))
    corpus = sorted((args.shared / "corpus").glob("*.yaml"))
    if not chart_files or not corpus:
        print(f"error: no chart values under {args.shared}/astronomer or corpus files under {args.shared}/corpus",
              file=sys.stderr)  # fmt: skip
        return 2
    one = args.shared / "astronomer" / ONE_FILE / "values.yaml"
    largest = max(corpus, key=lambda p: p.stat().st_size)

    scratch: Path = args.scratch
    scratch.mkdir(parents=True, exist_ok=True)
    peers, ours_venv = install(scratch, args.no_install, args.ours_pip)
    ours_bin = args.ours_bin or str(venv_bin(ours_venv, "astro-config"))
    yamllint = str(venv_bin(peers, "yamllint"))
    cjs = str(venv_bin(peers, "check-jsonschema"))
    yaml_set = str(venv_bin(peers, "yaml-set"))
    helm = None if args.no_helm else find_helm(get=not args.no_install)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRO_", "GITHUB_"))}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "LC_ALL": "C.UTF-8"})

    work = scratch / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    fleet = build_fleet(chart_files + corpus, work / "fleet", args.fleet_size)
    fleet_args = [str(p) for p in fleet]
    trivial = work / "trivial.schema.json"
    trivial.write_text("{}\n", encoding="utf-8")
    schema_036 = ROOT / "schemas" / "values-0.36.schema.json"  # the layout of the one file: lint's own schema
    edit_ours, edit_peer = work / "edit-ours.yaml", work / "edit-peer.yaml"

    def fresh(dest: Path, src: Path = one) -> Callable[[], None]:
        def copy() -> None:
            shutil.copyfile(src, dest)

        return copy

    rows: list[Row] = []
    q = args.quiet
    start = time.perf_counter()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None

    # 1. lint one file
    lint_one = Command("astro-config lint FILE", [ours_bin, "lint", str(one)])
    cjs_one = Command("check-jsonschema (lint's 0.36 schema)", [cjs, "--schemafile", str(schema_036), str(one)])
    alternate(lint_one, cjs_one, args.rounds, env, q)
    rows.append(Row("lint one chart file (745 lines)", lint_one, cjs_one, 0.8))
    yl_one = Command("yamllint", [yamllint, str(one)])
    alternate(lint_one, yl_one, args.rounds, env, q)
    rows.append(Row("lint one chart file, vs yamllint", lint_one, yl_one, 0.8))
    if helm:
        chart = make_chart(one, work / "chart")
        helm_cmd = Command("helm lint (a chart of that values.yaml, no templates)", [helm, "lint", str(chart)])
        alternate(lint_one, helm_cmd, args.rounds, env, q)
        rows.append(Row("lint one chart file, vs helm lint", lint_one, helm_cmd, 0, "info"))

    # 2. lint 200 files
    lint_fleet = Command(f"astro-config lint ({len(fleet)} files)", [ours_bin, "lint", *fleet_args])
    cjs_fleet = Command("check-jsonschema, trivial schema", [cjs, "--schemafile", str(trivial), *fleet_args])
    alternate(lint_fleet, cjs_fleet, args.fleet_rounds, env, q)
    rows.append(Row(f"lint {len(fleet)} files in one run", lint_fleet, cjs_fleet, 0.25))
    # the architecture issue's target: the whole lint at most 1.5x the time of just loading the files with libyaml
    libyaml_fleet = Command(
        "PyYAML CSafeLoader, load each file",
        [str(venv_bin(peers, "python")), "-c", LIBYAML_LOAD, *fleet_args],
    )
    alternate(lint_fleet, libyaml_fleet, args.fleet_rounds, env, q)
    rows.append(Row(f"lint {len(fleet)} files, vs libyaml loading them", lint_fleet, libyaml_fleet, 1.5))
    if args.jobs:
        help_text = subprocess.run([ours_bin, "lint", "--help"], capture_output=True, text=True, env=env).stdout
        if "--jobs" in help_text:
            jobs = Command(f"astro-config lint --jobs {args.jobs}", [ours_bin, "lint", "--jobs", str(args.jobs),
                                                                     *fleet_args])  # fmt: skip
            alternate(jobs, None, args.fleet_rounds, env, q)
            rows.append(Row(f"lint {len(fleet)} files, --jobs {args.jobs}", jobs, cjs_fleet, 0.25))
    if args.yamllint_fleet:
        yl_fleet = Command("yamllint", [yamllint, *fleet_args])
        alternate(lint_fleet, yl_fleet, 1, env, q)
        rows.append(Row(f"lint {len(fleet)} files, vs yamllint", lint_fleet, yl_fleet, 0, "info"))

    # 3. start-up of the quick commands
    help_cmd = Command("astro-config --help", [ours_bin, "--help"])
    alternate(help_cmd, None, args.rounds, env, q)
    rows.append(Row("--help", help_cmd, None, 0.15, "seconds"))
    size_cmd = Command(
        "astro-config dag-deploy size --upload 40MB", [ours_bin, "dag-deploy", "size", "--upload", "40MB"]
    )
    alternate(size_cmd, None, args.rounds, env, q)
    rows.append(Row("dag-deploy size --upload 40MB", size_cmd, None, 0.15, "seconds"))
    python = str(venv_bin(ours_venv, "python")) if not args.ours_bin else sys.executable
    bare = Command("python -c pass (start-up floor)", [python, "-c", "pass"])
    alternate(bare, None, args.rounds, env, q)
    rows.append(Row("Python start-up (reference)", bare, None, 0, "info"))

    # 4. switch DAG-only deploys on, written in place
    enable = Command("astro-config dag-deploy enable -w", [ours_bin, "dag-deploy", "enable", "-w", str(edit_ours)],
                     before=fresh(edit_ours))  # fmt: skip
    yset = Command(f"yaml-set {ENABLE_KEY}", [yaml_set, f"--change={ENABLE_KEY}", "--value=true", str(edit_peer)],
                   before=fresh(edit_peer))  # fmt: skip
    alternate(enable, yset, args.rounds, env, q)
    rows.append(Row("dag-deploy enable -w one chart file", enable, yset, 0.8))

    # 5. peak memory of every command on the largest corpus file
    big = work / "largest.yaml"
    big_edit = work / "largest-edit.yaml"
    shutil.copyfile(largest, big)
    pv = ["--platform-version", "0.37.7"]  # a generic chart: the layout cannot be inferred
    memory_cmds: list[tuple[str, list[str], Callable[[], None] | None]] = [
        ("lint", ["lint", str(big)], None),
        ("lint --platform-version", ["lint", *pv, str(big)], None),
        ("get", ["get", str(big), "global"], None),
        ("set", ["set", str(big), "global.x=1"], None),
        ("set -w", ["set", "-w", str(big_edit), "global.x=1"], fresh(big_edit, largest)),
        ("schema", ["schema"], None),
        ("merge", ["merge", "-f", str(big), "-f", str(one)], None),
        ("explain", ["explain", "global", "-f", str(big)], None),
        ("diff", ["diff", str(big), str(one)], None),
        ("dag-deploy status", ["dag-deploy", "status", *pv, str(big)], None),
        ("dag-deploy enable", ["dag-deploy", "enable", *pv, str(big)], None),
        ("dag-deploy enable -w", ["dag-deploy", "enable", "-w", *pv, str(big_edit)], fresh(big_edit, largest)),
        ("dag-deploy disable", ["dag-deploy", "disable", *pv, str(big)], None),
        ("dag-deploy size", ["dag-deploy", "size", "--upload", "40MB"], None),
        ("--help", ["--help"], None),
    ]
    memory: list[tuple[str, float]] = []
    failed: list[str] = []
    for label, cmd, before in memory_cmds:
        try:
            samples = [run_once([ours_bin, *cmd], env, before) for _ in range(2)]
        except RuntimeError as e:
            failed.append(f"{label}: {e}")
            continue
        memory.append((label, max(s.rss_mb for s in samples)))
    elapsed = time.perf_counter() - start
    if not q:
        print(file=sys.stderr)

    # Report
    versions = {
        "astro-config": f"{pip_version(ours_venv, 'astro-config') if not args.ours_bin else ours_bin} "
        f"(git {git_state()})",
        "yamllint": pip_version(peers, "yamllint"),
        "yamlpath": pip_version(peers, "yamlpath"),
        "check-jsonschema": pip_version(peers, "check-jsonschema"),
        "typer (astro-config's)": pip_version(ours_venv, "typer") if not args.ours_bin else "?",
    }
    if helm:
        versions["helm"] = version_of([helm, "version", "--short"], env)
    m = machine()
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ""
    if load_before and load_after:
        load = f"; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    lines = [
        f"Measured {now} by `python benchmarks/bench_cli.py` ({args.rounds} rounds, {args.fleet_rounds} for the "
        f"fleet; medians of wall time, CPU time in parentheses; run time {elapsed:.0f} s).",
        "",
        f"Machine: {m['os']}, {m['cpu']}, {m['cores']} cores, {m['memory']}; Python {m['python']}{load}.",
        "",
        "Versions: " + "; ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        f"Files: `{one.relative_to(args.shared.parent) if one.is_relative_to(args.shared.parent) else one}` "
        f"(one file); a fleet of {len(fleet)} copies cycling through the {len(chart_files)} chart releases and the "
        f"{len(corpus)} corpus files (each copy made unique by a trailing comment); largest corpus file "
        f"`{largest.name}` ({largest.stat().st_size // 1024} KiB) for memory.",
        "",
        *table(rows, memory, 80.0),
        "",
        "Peak memory per command on the largest corpus file (MB): "
        + ", ".join(f"{label} {mb:.1f}" for label, mb in memory)
        + ".",
    ]
    if failed:
        lines += ["", "Commands that did not run: " + "; ".join(failed)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    if args.json:
        dump = {
            "rows": [
                {
                    "target": r.target,
                    "verdict": r.verdict,
                    "ratio": r.ratio,
                    "ours": {"label": r.ours.label, "samples": [s.__dict__ for s in r.ours.samples]},
                    "peer": None
                    if r.peer is None
                    else {"label": r.peer.label, "samples": [s.__dict__ for s in r.peer.samples]},
                }
                for r in rows
            ],
            "memory_mb": dict(memory),
            "machine": m,
            "versions": versions,
        }
        args.json.write_text(json.dumps(dump, indent=2), encoding="utf-8")
    fails = [r.target for r in rows if r.verdict == "FAIL"]
    if memory and max(mb for _, mb in memory) >= 80.0:
        fails.append("peak memory")
    if failed:
        fails.append("commands that did not run")
    if fails:
        print("FAIL: " + ", ".join(fails), file=sys.stderr)
        return 1 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
