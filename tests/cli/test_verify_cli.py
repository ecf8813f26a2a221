"""``astro-config dag-deploy verify``: real renders say whether Houston reads what status says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import SHARED

CHARTS = SHARED / "charts"
HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="helm is not on PATH")
needs_charts = pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present")

ON_2 = """\
global:
  deployMechanisms:
    dagOnlyDeployment:
      enabled: true
      resources:
        requests: {cpu: "2", memory: 3Gi}
        limits: {cpu: "2", memory: 3Gi}
astronomer:
  houston:
    config:
      deployments:
        deployMechanisms:
          configureDagDeployment:
            enabled: true
"""
ON_1 = """\
global:
  dagOnlyDeployment:
    enabled: true
    resources:
      requests: {cpu: "2", memory: 3Gi}
      limits: {cpu: "2", memory: 3Gi}
astronomer:
  houston:
    config:
      deployments:
        configureDagDeployment: true
"""


def run(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ASTRO_PLATFORM_VERSION"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "astro_config", "dag-deploy", "verify", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.helm
@needs_helm
@needs_charts
def test_a_consistent_2x_file_agrees(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(ON_2)
    r = run("-f", str(f), "--chart", str(CHARTS / "astronomer-2.1.0.tgz"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Houston reads what status says." in r.stdout
    assert "quay.io/astronomer/ap-dag-deploy:0.9.11" in r.stdout
    assert "DIFF" not in r.stdout


@pytest.mark.helm
@needs_helm
@needs_charts
def test_a_passthrough_override_is_read_by_both_json(tmp_path: Path) -> None:
    """``astronomer.houston.config.deployments.dagOnlyDeployment: false`` (set with --set here) wins over the
    global flag: status's Houston model and the render agree that the switch is off."""
    f = tmp_path / "v.yaml"
    f.write_text(ON_1)
    r = run("-f", str(f), "--set", "astronomer.houston.config.deployments.dagOnlyDeployment=false",
            "--chart", str(CHARTS / "astronomer-1.2.0.tgz"), "--format", "json")  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["agree"] is True and out["chart_version"] == "1.2.0"
    by_name = {c["check"]: c for c in out["checks"]}
    assert by_name["global switch"]["status_says"] is False and by_name["global switch"]["houston_reads"] is False
    assert by_name["global switch"]["from"].startswith("local-production.yaml")
    assert by_name["houston switch"]["houston_reads"] is True
    assert "not judged" in by_name["server resources"]["note"]
    assert "astronomer.houston.config.deployments.dagOnlyDeployment=false" in out["helm"]


@pytest.mark.helm
@needs_helm
@needs_charts
def test_a_tag_houston_reads_as_a_number_is_a_difference(tmp_path: Path) -> None:
    """The chart renders the tag unquoted: Houston reads ``"0.10"`` as the number 0.1."""
    f = tmp_path / "v.yaml"
    f.write_text(ON_1.replace("    resources:", "    tag: '0.10'\n    resources:"))
    r = run("-f", str(f), "--chart", str(CHARTS / "astronomer-1.2.0.tgz"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "DIFF image" in r.stdout and "ap-dag-deploy:0.10" in r.stdout and "ap-dag-deploy:0.1 at" in r.stdout
    assert "Houston does NOT read what status says: 1 difference." in r.stdout


@pytest.mark.helm
@needs_helm
@needs_charts
def test_0_34_0_resources_are_checked_at_the_key_that_release_generates(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(ON_1)
    r = run("-f", str(f), "--chart", str(CHARTS / "astronomer-0.34.0.tgz"), "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["server resources"]["houston_key"] == "deployments.dagDeploy.resources"  # not .server.resources
    assert "client resources" not in checks


@pytest.mark.helm
@needs_helm
@needs_charts
def test_a_chart_directory_of_0_37_0_needs_the_kube_version_quirk(tmp_path: Path) -> None:
    with tarfile.open(CHARTS / "astronomer-0.37.0.tgz") as tar:
        tar.extractall(tmp_path, filter="data")
    f = tmp_path / "v.yaml"
    f.write_text("global:\n  baseDomain: astro.example.org\n")
    r = run("-f", str(f), "--chart", str(tmp_path / "astronomer"), "--platform-version", "0.37.0", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["helm"][6:8] == ["--kube-version", "1.28.0"]
    assert "global.baseDomain=example.com" not in out["helm"]  # the values set it
    assert [c["houston_reads"] for c in out["checks"][:2]] == [False, False]


def test_usage_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(ON_1)
    bad = tmp_path / "chart.tgz"
    bad.write_bytes(b"junk")
    cases = [
        (["-f", str(f)], "--chart"),
        (["--chart", str(bad)], "-f FILE"),
        (["-f", str(f), "--chart", str(bad)], "not a chart"),
        (["-f", str(f), "--chart", str(bad), "--format", "xml"], "--format"),
    ]
    for args, needle in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and needle in r.stderr, r.stderr


@needs_charts
def test_without_helm_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(ON_1)
    r = run("-f", str(f), "--chart", str(CHARTS / "astronomer-1.2.0.tgz"), path=str(tmp_path))
    assert r.returncode == 2
    assert r.stderr == "error: helm is not on PATH: install Helm 3 to render the chart\n"
    other = run("-f", str(f), "--chart", str(CHARTS / "astronomer-1.2.0.tgz"), "--platform-version", "2.1.0")
    assert other.returncode == 2 and "is release 1.2.0" in other.stderr


@pytest.mark.helm
@needs_helm
@needs_charts
@pytest.mark.parametrize(
    ("version", "text"),
    [("0.34.5", ON_1), ("0.35.4", ON_1), ("0.36.1", ON_1), ("0.37.7", ON_1), ("1.0.1", ON_1), ("1.1.7", ON_1),
     ("1.2.0", ON_1), ("2.0.1", ON_2), ("2.1.0", ON_2)],
)  # fmt: skip
def test_every_minor_line_agrees_on_a_consistent_file(version: str, text: str, tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(text)
    r = run("-f", str(f), "--chart", str(CHARTS / f"astronomer-{version}.tgz"), "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
    assert set(checks) == {"global switch", "houston switch", "server resources", "client resources", "image"}
    assert all(c["agree"] and not c["note"] for c in checks.values())
    assert checks["server resources"]["houston_reads"] == {
        "requests": {"cpu": "2", "memory": "3Gi"}, "limits": {"cpu": "2", "memory": "3Gi"},
    }  # fmt: skip
    assert checks["image"]["from"].startswith("production.yaml")


@pytest.mark.helm
@needs_helm
@needs_charts
@pytest.mark.parametrize(("version", "cpu"), [("2.0.1", "100m"), ("2.1.0", "200m")])
def test_the_2x_chart_default_resources_per_release(version: str, cpu: str, tmp_path: Path) -> None:
    """2.1.0's chart sets 200m/384Mi; 2.0.x sets none (Houston's 100m/384Mi applies): status says so per release."""
    f = tmp_path / "v.yaml"
    lines = [ln for ln in ON_2.splitlines(keepends=True) if "resources" not in ln and "cpu" not in ln]
    f.write_text("".join(lines))
    r = run("-f", str(f), "--chart", str(CHARTS / f"astronomer-{version}.tgz"), "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    server = {c["check"]: c for c in json.loads(r.stdout)["checks"]}["server resources"]
    assert server["status_says"]["requests"]["cpu"] == cpu == server["houston_reads"]["requests"]["cpu"]
