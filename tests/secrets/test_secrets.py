"""A planted secret never shows in any output of any command or format, unless --show-secrets is given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "hunter2-PLANTED-7f3a"
SET_SECRET = "setsecret-PLANTED-91bc"
BLOCK_SECRET = "blocksecret-PLANTED-55e1"

VALUES = f"""\
global:
  baseDomain: astro.example.com
  nginxEnabled: true
  dagOnlyDeployment:
    enabled: false
    repository: quay.io/astronomer/ap-dag-deploy
    tag: 0.9.2
  registry:
    password: {SECRET}
    tls:
      key: |
        {BLOCK_SECRET}
        more-{BLOCK_SECRET}
  postgres: postgres://admin:{SECRET}@db:5432/houston
astronomer:
  houston:
    config:
      deployments:
        configureDagDeployment: false
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    v = tmp_path / "values.yaml"
    v.write_text(VALUES)
    other = tmp_path / "other.yaml"
    other.write_text(VALUES.replace(SECRET, SECRET + "-changed").replace("enabled: false", "enabled: true"))
    return {"v": v, "other": other, "dir": tmp_path}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("ASTRO_PLATFORM_VERSION", None)
    return subprocess.run([sys.executable, "-m", "astro_config", *args], capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip


def commands(f: dict[str, Path]) -> list[list[str]]:
    v, other, d = str(f["v"]), str(f["other"]), f["dir"]
    setarg = f"global.registry.password={SET_SECRET}"
    cmds = [
        ["get", v, "global.registry.password"],
        ["get", v, "global.registry"],
        ["get", v, "global"],
        ["set", v, setarg],
        ["set", v, setarg, "--check"],
        ["set", v, setarg, "--diff-file", str(d / "p.diff")],
        ["set", v, "global.registry.tls.key=x"],
        ["dag-deploy", "status", v],
        ["dag-deploy", "status", v, "--format", "json"],
        ["dag-deploy", "status", "-f", v, "--set", setarg, "--format", "json"],
        ["dag-deploy", "enable", v, "--overrides", str(d / "ov.yaml")],
        ["dag-deploy", "enable", "-f", v, "--set", setarg],
        ["dag-deploy", "disable", v],
        ["dag-deploy", "size", "--upload", "20MB", "-f", v, "--set", setarg, "--format", "json"],
        ["merge", "-f", v, "-f", other, "--set", setarg],
        ["merge", "-f", v, "--set", setarg, "--format", "json"],
        ["explain", "global.registry.password", "-f", v, "-f", other, "--set", setarg],
        ["explain", "global.postgres", "-f", v],
        ["diff", v, other],
        ["diff", v, other, "--format", "json"],
        ["diff", "--old", v, "--new", v, "--new-set", setarg],
    ]
    cmds += [["lint", v, "--format", fmt] for fmt in ("text", "json", "github", "sarif", "junit")]
    cmds += [
        ["lint", "-f", v, "--set", setarg, "--format", fmt] for fmt in ("text", "json", "github", "sarif", "junit")
    ]
    return cmds


def test_no_secret_in_any_output(files: dict[str, Path]) -> None:
    checked = 0
    for args in commands(files):
        r = run(*args)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        out = r.stdout + r.stderr
        for planted in (SECRET, SET_SECRET, BLOCK_SECRET):
            assert planted not in out, (args, planted, out)
        checked += 1
    for written in ("p.diff", "ov.yaml"):
        path = files["dir"] / written
        if path.exists():
            text = path.read_text()
            assert SECRET not in text and SET_SECRET not in text, written
    assert checked >= 30


def test_changed_and_unchanged_markers(files: dict[str, Path]) -> None:
    r = run("set", str(files["v"]), f"global.registry.password={SET_SECRET}")
    assert "-    password: <redacted, changed>" in r.stdout
    assert "+    password: <redacted, changed>" in r.stdout
    assert "<redacted, unchanged>" in r.stdout  # the tls key block in the context lines
    r = run("diff", str(files["v"]), str(files["other"]))
    assert "<redacted" in r.stdout


def test_show_secrets_shows_them(files: dict[str, Path]) -> None:
    r = run("set", str(files["v"]), f"global.registry.password={SET_SECRET}", "--show-secrets")
    assert SET_SECRET in r.stdout and SECRET in r.stdout
    r = run("get", str(files["v"]), "global.registry.password", "--show-secrets")
    assert r.stdout == SECRET + "\n"
    r = run("merge", "-f", str(files["v"]), "--show-secrets")
    assert SECRET in r.stdout


def test_configurable_secret_keys(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text("global:\n  licenseId: LIC-PLANTED-1\n")
    assert "LIC-PLANTED-1" in run("get", str(f), "global").stdout
    env = {**os.environ, "ASTRO_CONFIG_SECRET_KEYS": "^license_id$"}
    r = subprocess.run([sys.executable, "-m", "astro_config", "get", str(f), "global"], capture_output=True,
                       text=True, env=env, timeout=60)  # fmt: skip
    assert "LIC-PLANTED-1" not in r.stdout
    assert "<redacted>" in r.stdout
