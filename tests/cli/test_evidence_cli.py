"""status/enable/disable/size/lint stop (exit 2) on a file of another layout than the declared version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

V2 = "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: false\n"
V036 = "global:\n  dagOnlyDeployment:\n    enabled: false\n    tag: 0.9.2\n"

COMMANDS = {
    "status": ["dag-deploy", "status", "{f}"],
    "enable": ["dag-deploy", "enable", "{f}", "-w"],
    "disable": ["dag-deploy", "disable", "{f}", "-w"],
    "size": ["dag-deploy", "size", "--upload", "10MB", "-f", "{f}"],
    "lint": ["lint", "{f}"],
}


def run(args: list[str], env_version: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ASTRO_PLATFORM_VERSION"}
    if env_version:
        env["ASTRO_PLATFORM_VERSION"] = env_version
    return subprocess.run(
        [sys.executable, "-m", "astro_config", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_stops_and_force_goes_on(command: str, tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(V2)
    args = [a.format(f=f) for a in COMMANDS[command]]
    r = run([*args, "--platform-version", "0.37.7"])
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ")
    assert f"global.deployMechanisms ({f}:2)" in r.stderr and "--platform-version 0.37.7" in r.stderr
    assert f.read_text() == V2
    forced = run([*args, "--platform-version", "0.37.7", "--force"])
    assert forced.returncode in (0, 1), forced.stderr
    assert "holds 2.x keys only" not in forced.stderr


def test_the_environment_is_named_when_the_version_came_from_it(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(V2)
    r = run(["dag-deploy", "enable", str(f), "-w"], env_version="0.37.7")
    assert r.returncode == 2 and "ASTRO_PLATFORM_VERSION=0.37.7" in r.stderr and "--platform-version" not in r.stderr
    assert f.read_text() == V2  # the 0.x keys 2.x ignores are not written


def test_an_older_file_points_to_migrate(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(V036)
    r = run(["dag-deploy", "status", str(f), "--platform-version", "2.1.0"])
    assert r.returncode == 2
    assert f"astro-config migrate {f} --to 2.1.0" in r.stderr and f"global.dagOnlyDeployment.tag ({f}:4)" in r.stderr


def test_status_says_where_an_agreeing_version_came_from(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(V036)
    r = run(["dag-deploy", "status", str(f)], env_version="v0.37.7")
    assert r.returncode == 0, r.stderr
    assert "0.36-1.x (ASTRO_PLATFORM_VERSION=0.37.7)" in r.stdout


def test_a_layered_set_names_the_file_to_migrate(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("global:\n  nginxEnabled: true\n")
    f = tmp_path / "v.yaml"
    f.write_text(V036)
    r = run(["dag-deploy", "status", "-f", str(base), "-f", str(f), "--platform-version", "2.1.0"])
    assert r.returncode == 2
    assert f"astro-config migrate {f} --to 2.1.0" in r.stderr and f"({f}:4)" in r.stderr
    lint = run(["lint", "-f", str(base), "-f", str(f)], env_version="2.1.0")
    assert lint.returncode == 2 and "ASTRO_PLATFORM_VERSION=2.1.0" in lint.stderr


OLD_BLOCK = "global:\n  dagOnlyDeployment:\n    enabled: true\n"  # ignored by 2.x: a wrong-generation finding


@pytest.mark.parametrize(
    ("args", "env_version", "named"),
    [
        (["{f}", "--platform-version", "v2.1.0"], None, "--platform-version 2.1.0"),
        (["{f}", "--platform-version=2.0.1"], "2.1.0", "--platform-version 2.0.1"),  # the flag wins over the env
        (["{f}"], "v2.1.0", "ASTRO_PLATFORM_VERSION=2.1.0"),
        (["{f}@2.1.0"], None, "{f}@2.1.0"),
        (["{f}@2.1.0"], "2.0.1", "{f}@2.1.0"),  # the file's own release wins over the env
    ],
    ids=["flag", "flag-over-env", "env", "file", "file-over-env"],
)
def test_lint_findings_name_where_the_version_came_from(
    args: list[str], env_version: str | None, named: str, tmp_path: Path
) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(OLD_BLOCK)
    r = run(["lint", *[a.format(f=f) for a in args], "--force"], env_version=env_version)
    assert r.returncode == 1, r.stderr
    lines = [line for line in r.stdout.splitlines() if "[wrong-generation]" in line]
    assert len(lines) == 1, r.stdout
    assert f"ignored on a 2.x platform ({named.format(f=f)}): " in lines[0]


def test_lint_names_the_env_var_in_worker_processes_and_layered_sets(tmp_path: Path) -> None:
    files = []
    for i in range(16):  # two worker processes (lint_paths: at least 8 files each)
        f = tmp_path / f"v{i:02}.yaml"
        f.write_text(OLD_BLOCK)
        files.append(str(f))
    r = run(["lint", *files, "--force", "-j", "2"], env_version="2.1.0")
    lines = [line for line in r.stdout.splitlines() if "[wrong-generation]" in line]
    assert len(lines) == 16 and all("(ASTRO_PLATFORM_VERSION=2.1.0)" in line for line in lines), r.stdout
    r = run(["lint", "-f", files[0], "-f", files[1], "--force"], env_version="2.1.0")
    lines = [line for line in r.stdout.splitlines() if "[wrong-generation]" in line]
    assert lines and all("(ASTRO_PLATFORM_VERSION=2.1.0)" in line for line in lines), r.stdout
