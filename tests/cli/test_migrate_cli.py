"""``astro-config migrate``: write modes, reports, errors, and what the real 2.1.0 chart renders from the result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SHARED

CHARTS = SHARED / "charts"
HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None or not CHARTS.is_dir(), reason="no helm on PATH or no ../shared/charts")

SIZED_1X = """\
# platform values
global:
  baseDomain: example.com
  # RBAC on
  rbacEnabled: true  # keep it
  # DAG-only deploys
  dagOnlyDeployment:
    enabled: true
    repository: quay.io/astronomer/ap-dag-deploy
    tag: "0.9.2"
    resources:
      requests: {cpu: "2", memory: 3Gi}
      limits:
        cpu: "2"
        memory: 3Gi   # sized for 30MB
  nginxEnabled: true

vector:
  enabled: true
astronomer:
  houston:
    config:
      publicSignups: false
      deployments:
        # both flags must agree
        configureDagDeployment: true
        dagOnlyDeployment: true
        hardDeleteDeployment: true
"""

SIZED_034 = """\
global:
  baseDomain: example.com
  dagOnlyDeployment:
    enabled: true
    # pinned
    image: quay.io/astronomer/ap-dag-deploy:0.6.2
    securityContext:
      fsGroup: 50000
    resources:
      requests:
        cpu: "3"
        memory: 4608Mi
      limits:
        cpu: "3"
        memory: 4608Mi
astronomer:
  houston:
    config:
      deployments:
        configureDagDeployment: true
"""


PASSTHROUGH_1X = """\
global:
  dagOnlyDeployment:
    enabled: true
    resources: {requests: {cpu: "1", memory: 1536Mi}, limits: {cpu: "1", memory: 1536Mi}}
astronomer:
  houston:
    config:
      deployments:
        configureDagDeployment: true
        # the passthrough wins over the global flag: off
        dagOnlyDeployment: false
        dagDeploy:
          server:
            resources:
              requests: {cpu: "4", memory: 6Gi}
              limits: {cpu: "4", memory: 6Gi}
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    full.pop("ASTRO_PLATFORM_VERSION", None)
    return subprocess.run(
        [sys.executable, "-m", "astro_config", *args], capture_output=True, text=True, env=full, timeout=120
    )


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.stderr
    return lines[0]


@pytest.fixture
def sized(tmp_path: Path) -> Path:
    f = tmp_path / "values.yaml"
    f.write_text(SIZED_1X)
    return f


# --------------------------------------------------------------------------------------------------------------
# Write modes and reports
# --------------------------------------------------------------------------------------------------------------


def test_default_prints_the_diff_and_writes_nothing(sized: Path) -> None:
    r = run("migrate", str(sized), "--to", "2.1.0")
    assert r.returncode == 0, r.stderr
    assert sized.read_text() == SIZED_1X
    assert r.stdout.startswith(f"--- a/{sized}\n+++ b/{sized}\n")
    assert "-  rbacEnabled: true  # keep it\n+  rbac:\n+    enabled: true  # keep it\n" in r.stdout
    assert f"{sized}: 1.x -> 2.x (inferred from global.dagOnlyDeployment.repository" in r.stderr
    assert "  moved   global.rbacEnabled -> global.rbac.enabled [G1 rbacEnabled]" in r.stderr
    assert "  deleted astronomer.houston.config.deployments.hardDeleteDeployment (deprecated)" in r.stderr
    assert '  added   astronomer.houston.strictSchemaCheck: {"enabled": true} [1x add]' in r.stderr


def test_write_backup_check_output_and_diff_file(sized: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    patch = tmp_path / "p.diff"
    r = run("migrate", str(sized), "--to", "2.1", "-o", str(out), "--diff-file", str(patch))
    assert r.returncode == 0, r.stderr
    assert sized.read_text() == SIZED_1X
    migrated = out.read_text()
    assert "deployMechanisms:" in migrated and patch.read_text().startswith("--- a/")
    r = run("migrate", str(sized), "--to", "2.1.0", "--check")
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    r = run("migrate", str(sized), "--to", "2.1.0", "-w", "--backup")
    assert r.returncode == 0, r.stderr
    assert sized.read_text() == migrated
    assert sized.with_name("values.yaml.bak").read_text() == SIZED_1X
    # a 2.x file: nothing to do
    r = run("migrate", str(sized), "--to", "2.1.0", "--check")
    assert r.returncode == 0, r.stderr
    assert "2.x -> 2.x" in r.stderr and "nothing to migrate" in r.stderr


def test_json_report_on_stdout(sized: Path) -> None:
    r = run("migrate", str(sized), "--to", "2.1.0", "--format", "json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["from"] == "1.x" and report["to"] == "2.x" and report["steps"] == ["1.x -> 2.x"]
    assert report["changed"] is True and report["diff"].startswith("--- a/")
    first = report["actions"][0]
    assert first == {
        "action": "move",
        "path": "global.rbacEnabled",
        "to": "global.rbac.enabled",
        "rule": "G1 rbacEnabled",
    }
    kinds = [a["action"] for a in report["actions"]]
    assert kinds.count("delete") == 1 and kinds[-1] == "add"
    assert r.stderr == ""


def test_errors_are_one_line_exit_2(sized: Path, tmp_path: Path) -> None:
    assert "upgrades only" in one_line_error(run("migrate", str(sized), "--to", "0.37.7", "--from", "2.1.0"))
    assert run("migrate", str(sized), "--to", "0.37.7", "--from", "2.1.0").returncode == 2
    assert "cannot read platform version" in one_line_error(run("migrate", str(sized), "--to", "two"))
    assert "newer than" in one_line_error(run("migrate", str(sized), "--to", "3.0.0"))
    plain = tmp_path / "plain.yaml"
    plain.write_text("global:\n  dagOnlyDeployment:\n    enabled: true\n    tag: x\n")
    r = run("migrate", str(plain), "--to", "2.1.0")
    assert r.returncode == 2 and "give --from" in one_line_error(r)
    r = run("migrate", str(plain), "--to", "2.1.0", "--from", "0.37.7", "--format", "yaml")
    assert r.returncode == 2 and "--format" in one_line_error(r)
    r = run("migrate", str(tmp_path / "missing.yaml"), "--to", "2.1.0")
    assert r.returncode == 2 and "no such file" in one_line_error(r)


def test_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(SIZED_1X.replace("\n", "\r\n").encode())
    r = run("migrate", str(f), "--to", "2.1.0", "-w")
    assert r.returncode == 0, r.stderr
    raw = f.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"deployMechanisms:" in raw


def test_034_chain_to_2_and_status(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(SIZED_034)
    r = run("migrate", str(f), "--to", "2.1.0", "-w")
    assert r.returncode == 0, r.stderr
    assert "0.34-0.35 -> 2.x" in r.stderr and "0.34/0.35 -> 0.36+, 0.37.x -> 2.x" in r.stderr
    data = yaml.safe_load(f.read_text())
    block = data["global"]["deployMechanisms"]["dagOnlyDeployment"]
    assert block["repository"] == "quay.io/astronomer/ap-dag-deploy" and block["tag"] == "0.6.2"
    assert block["securityContexts"] == {"pod": {"fsGroup": 50000}}
    assert "      # pinned\n      repository: quay.io/astronomer/ap-dag-deploy\n      tag: 0.6.2\n" in f.read_text()
    status = _status(f, "2.1.0")["files"][0]
    assert status["state"] == "enabled"
    assert status["resources"] == {
        "requests": {"cpu": "3", "memory": "4608Mi"},
        "limits": {"cpu": "3", "memory": "4608Mi"},
    }


def _status(f: Path, version: str) -> Any:
    r = run("dag-deploy", "status", str(f), "--platform-version", version, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_status_after_migration_reports_the_same_state_and_resources(sized: Path) -> None:
    before = _status(sized, "1.2.0")
    assert run("migrate", str(sized), "--to", "2.1.0", "-w").returncode == 0
    after = _status(sized, "2.1.0")
    b, a = before["files"][0], after["files"][0]
    assert a["state"] == b["state"] == "enabled"
    assert (
        a["resources"]
        == b["resources"]
        == {
            "requests": {"cpu": "2", "memory": "3Gi"},
            "limits": {"cpu": "2", "memory": "3Gi"},
        }
    )
    assert a["layout"]["label"] == "2.x" and b["layout"]["label"] == "0.36-1.x"


# --------------------------------------------------------------------------------------------------------------
# The real charts
# --------------------------------------------------------------------------------------------------------------


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _merge(a[k], v) if k in a else v
        return out
    return b


def houston_config(version: str, values: Path) -> dict[str, Any]:
    """Houston's effective config: production.yaml then local-production.yaml, deep-merged (node-config order)."""
    cmd = [
        str(HELM),
        "template",
        "astro",
        str(CHARTS / f"astronomer-{version}.tgz"),
        "-n",
        "astronomer",
        "-f",
        str(values),
        "--set",
        "global.baseDomain=example.com",
        "--show-only",
        "charts/astronomer/templates/houston/houston-configmap.yaml",
    ]
    if tuple(int(x) for x in version.split(".")) <= (0, 37, 0):
        cmd += ["--kube-version", "1.28.0"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    cm = yaml.safe_load(r.stdout)
    prod = yaml.safe_load(cm["data"]["production.yaml"]) or {}
    local = yaml.safe_load(cm["data"]["local-production.yaml"]) or {}
    return dict(_merge(prod, local))


def dag_facts(cfg: dict[str, Any], v2: bool) -> dict[str, Any]:
    d = cfg["deployments"]
    if v2:
        mech = d.get("deployMechanisms", {})
        on = (mech.get("dagOnlyDeployment", {}).get("enabled"), mech.get("configureDagDeployment", {}).get("enabled"))
    else:
        on = (d.get("dagOnlyDeployment"), d.get("configureDagDeployment"))
    dd = d.get("dagDeploy", {})
    return {
        "switches": on,
        "server": dd.get("server", {}).get("resources"),
        "client": dd.get("client", {}).get("resources"),
        "image": dd.get("images", {}).get("dagServer"),
        # (0.34/0.35 render `securityContext`, 0.36+ `securityContexts.pod`)
        "fsGroup": dd.get("securityContexts", {}).get("pod", dd.get("securityContext", {})).get("fsGroup"),
    }


@needs_helm
@pytest.mark.helm
@pytest.mark.parametrize(
    ("text", "old_version", "switches"),
    [
        (SIZED_1X, "1.2.0", (True, True)),
        (SIZED_1X, "0.37.7", (True, True)),
        (SIZED_034, "0.35.4", (True, True)),
        (PASSTHROUGH_1X, "1.2.0", (False, True)),
        (PASSTHROUGH_1X, "0.37.7", (False, True)),
    ],
)
def test_render_on_2_1_0_has_the_same_switches_and_resources(
    tmp_path: Path, text: str, old_version: str, switches: tuple[bool, bool]
) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(text)
    new = tmp_path / "new.yaml"
    r = run("migrate", str(old), "--to", "2.1.0", "--from", old_version, "-o", str(new))
    assert r.returncode == 0, r.stderr
    before = dag_facts(houston_config(old_version, old), v2=False)
    after = dag_facts(houston_config("2.1.0", new), v2=True)
    assert before["switches"] == after["switches"] == switches
    assert before["server"] == after["server"] and before["client"] == after["client"]
    assert before["server"] is not None
    if "tag:" in text or "image:" in text:  # a pinned image arrives where 2.x reads it
        assert before["image"] == after["image"]
        assert after["image"]["tag"] in ("0.9.2", "0.6.2")
    assert before["fsGroup"] == after["fsGroup"] == 50000
    # the un-migrated file loses DAG-only deploys on 2.x: the very reason for migrate
    if switches[0]:
        assert dag_facts(houston_config("2.1.0", old), v2=True)["switches"][0] is not True


@needs_helm
@pytest.mark.helm
@pytest.mark.parametrize("version", ["0.37.7", "1.2.0"])
def test_chart_defaults_migrate_and_render_on_2_1_0(tmp_path: Path, version: str) -> None:
    show = subprocess.run(
        [str(HELM), "show", "values", str(CHARTS / f"astronomer-{version}.tgz")], capture_output=True, text=True
    )
    assert show.returncode == 0, show.stderr
    old = tmp_path / "defaults.yaml"
    old.write_text(show.stdout)
    new = tmp_path / "new.yaml"
    r = run("migrate", str(old), "--to", "2.1.0", "--from", version, "-o", str(new))
    assert r.returncode == 0, r.stderr
    assert "note:" not in r.stderr  # every key moved as lines, no fallback
    after = houston_config("2.1.0", new)
    before = houston_config(version, old)
    assert dag_facts(after, v2=True)["switches"][0] is False
    assert before["deployments"].get("dagOnlyDeployment") is False
