"""Several files, sizing guard rails, honest output and next steps, through the installed command."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from admin_helpers import SAMPLES, run

BIG = """\
global:
  deployMechanisms:
    dagOnlyDeployment:
      enabled: true
      resources:
        requests:
          cpu: 8
          memory: 16Gi
        limits:
          cpu: 8
          memory: 16Gi
astronomer:
  houston:
    config:
      deployments:
        deployMechanisms:
          configureDagDeployment:
            enabled: true
"""
REDIS = "architecture: replication\nauth:\n  enabled: true\nmaster:\n  persistence:\n    size: 8Gi\n"
BODY_SIZE = (
    "warning: the values show ingress-nginx as the third-party controller without a "
    "nginx.ingress.kubernetes.io/proxy-body-size annotation in global.extraAnnotations: uploads above 1 MB "
    'will get HTTP 413 (set it, e.g. to "0")'
)


# ------------------------------------------------------------------------------------------ status, several


def test_status_goes_on_past_a_missing_file() -> None:
    r = run("dag-deploy", "status", "platform-0.37.yaml", "missing.yaml", "half-enabled.yaml")
    assert r.returncode == 2  # the worst: an unusable file
    assert r.stderr == "error: missing.yaml: no such file\n"
    heads = [line for line in r.stdout.splitlines() if line and not line.startswith(" ")]
    assert heads == ["platform-0.37.yaml", "half-enabled.yaml"]
    assert "HALF-ENABLED" in r.stdout


def test_status_worst_code_without_bad_files() -> None:
    assert run("dag-deploy", "status", "platform-0.37.yaml", "half-enabled.yaml").returncode == 1
    assert run("dag-deploy", "status", "platform-0.37.yaml", "platform-2.1.yaml").returncode == 0


def test_status_mixed_fleet_infers_each_layout() -> None:
    r = run("dag-deploy", "status", "platform-0.37.yaml", "platform-2.1.yaml", "--format", "json")
    assert r.returncode == 0, r.stderr
    files = json.loads(r.stdout)["files"]
    assert [f["layout"]["generation"] for f in files] == ["0.36", "2"]
    assert files[0]["global_flag"]["key"] == "global.dagOnlyDeployment.enabled"
    assert files[1]["global_flag"]["key"] == "global.deployMechanisms.dagOnlyDeployment.enabled"


def test_status_file_at_version() -> None:
    r = run(
        "dag-deploy", "status", "platform-0.37.yaml@0.37.7", "platform-2.1.yaml", "no-layout.yaml@2.1.0",
        "--platform-version", "2.1.0", "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    files = json.loads(r.stdout)["files"]
    assert [f["file"] for f in files] == ["platform-0.37.yaml", "platform-2.1.yaml", "no-layout.yaml"]
    assert [f["layout"]["platform_version"] for f in files] == ["0.37.7", "2.1.0", "2.1.0"]
    assert [f["layout"]["generation"] for f in files] == ["0.36", "2", "2"]


def test_status_json_has_error_records() -> None:
    r = run("dag-deploy", "status", "no-layout.yaml", "platform-2.1.yaml", "--format", "json")
    assert r.returncode == 2
    files = json.loads(r.stdout)["files"]
    assert files[0]["file"] == "no-layout.yaml" and files[0]["error"].startswith("cannot tell the platform layout")
    assert files[1]["state"] == "enabled"


# --------------------------------------------------------------------------------------------- lint, several


def test_lint_layered_set_counts_its_files() -> None:
    r = run("lint", "-f", "platform-0.37.yaml", "-f", "third-party-ingress.yaml")
    assert r.stdout.splitlines()[-1].startswith("2 files in 1 layered set checked: ")
    r = run("lint", "platform-2.1.yaml", "-f", "platform-0.37.yaml", "-f", "third-party-ingress.yaml")
    assert r.stdout.splitlines()[-1].startswith("3 files (2 in 1 layered set) checked: ")
    data = json.loads(run("lint", "-f", "platform-0.37.yaml", "-f", "platform-2.1.yaml", "--format", "json").stdout)
    assert data["summary"]["files"] == 2 and data["summary"]["layered_sets"] == 1


def test_lint_several_files_each_on_its_own(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "platform-0.37.yaml", tmp_path / "a.yaml")
    shutil.copy(SAMPLES / "platform-2.1.yaml", tmp_path / "b.yaml")
    r = run("lint", "a.yaml", "missing.yaml", "b.yaml", cwd=tmp_path)
    # a path that names nothing is a finding of its own; the good files are still linted and reported
    assert r.returncode == 1 and "missing.yaml" in r.stdout and "no file found" in r.stdout, r
    assert "3 files checked: 1 error" in r.stdout, r.stdout
    (tmp_path / "bad.yaml").write_text("a: [\n")
    r = run("lint", "a.yaml", "bad.yaml", "b.yaml@2.1.0", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.yaml:" in r.stdout and "[syntax]" in r.stdout and "3 files checked" in r.stdout


@pytest.fixture
def deploy(tmp_path: Path) -> Path:
    d = tmp_path / "deploy"
    d.mkdir()
    shutil.copy(SAMPLES / "platform-2.1.yaml", d / "astronomer.yaml")
    (d / "redis.yaml").write_text(REDIS)
    return d


def test_folder_lint_skips_other_charts(deploy: Path) -> None:
    r = run("lint", "deploy/", cwd=deploy.parent)
    assert r.returncode == 0, r.stdout
    assert r.stdout == (
        "deploy/redis.yaml: skipped: holds no key of any platform layout (a values file of another chart?)\n"
        "\n"
        "1 file checked, 1 skipped (no platform keys): no problems\n"
    )
    strict = run("lint", "deploy/", "--strict", cwd=deploy.parent)
    assert strict.returncode == 1 and "deploy/redis.yaml: error: holds no key" in strict.stdout
    data = json.loads(run("lint", "deploy/", "--format", "json", cwd=deploy.parent).stdout)
    assert data["skipped"] == [
        {"file": "deploy/redis.yaml", "reason": "holds no key of any platform layout (a values file of another chart?)"}
    ]
    sarif = json.loads(run("lint", "deploy/", "--format", "sarif", cwd=deploy.parent).stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["deploy/redis.yaml"]
    junit = ET.fromstring(run("lint", "deploy/", "--format", "junit", cwd=deploy.parent).stdout)
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("skipped") == "1"


# ------------------------------------------------------------------------------------ enable: guard rails


@pytest.fixture
def big(tmp_path: Path) -> Path:
    f = tmp_path / "big.yaml"
    f.write_text(BIG)
    return f


def test_enable_never_lowers_resources(big: Path) -> None:
    r = run("dag-deploy", "enable", str(big), "--upload", "20MB", "-w")
    assert r.returncode == 0, r.stderr
    assert big.read_text() == BIG  # 8 CPU / 16Gi kept
    prefix = "note: global.deployMechanisms.dagOnlyDeployment.resources"
    assert f"{prefix}.requests.cpu is 8, above the 2 needed: kept (--exact writes 2)" in r.stderr
    assert f"{prefix}.limits.memory is 16Gi, above the 3Gi needed: kept (--exact writes 3Gi)" in r.stderr
    assert "already enabled and the DAG server's resources suffice; nothing to change" in r.stderr
    r = run("dag-deploy", "enable", str(big), "--upload", "20MB", "--exact", "-w")
    assert r.returncode == 0, r.stderr
    assert 'cpu: "2"' in big.read_text() and "memory: 3Gi" in big.read_text()
    assert "lowered to the computed size" in r.stderr


def test_enable_keeps_what_is_larger_and_raises_the_rest(big: Path) -> None:
    big.write_text(BIG.replace("cpu: 8", "cpu: 500m", 2))
    r = run("dag-deploy", "enable", str(big), "--upload", "20MB", "-w")
    assert r.returncode == 0, r.stderr
    text = big.read_text()
    assert text.count('cpu: "2"') == 2 and text.count("memory: 16Gi") == 2


def test_size_says_when_resources_are_above_the_need(big: Path) -> None:
    r = run("dag-deploy", "size", "--upload", "20MB", "-f", str(big))
    assert r.returncode == 0
    assert "suffice, and are above the need" in r.stdout
    assert "- resources.requests.cpu is 8, above the 2 needed" in r.stdout
    data = json.loads(run("dag-deploy", "size", "--upload", "20MB", "-f", str(big), "--format", "json").stdout)
    assert len(data["current"]["above_need"]) == 4 and data["current"]["suffices"] is True


@pytest.mark.parametrize(("upload", "cpu"), [("40G", "2667"), ("1.5GiB", "108")])
def test_enable_ceiling(upload: str, cpu: str, tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.37.yaml", f)
    before = f.read_bytes()
    r = run("dag-deploy", "enable", str(f), "--upload", upload, "-w")
    assert r.returncode == 2 and f.read_bytes() == before and r.stdout == ""
    error = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert f"{cpu} CPU" in error[0] and "16 CPU / 64Gi ceiling" in error[0]
    assert "split the DAGs over several Deployments" in error[0] and "--force" in error[0]
    forced = run("dag-deploy", "enable", str(f), "--upload", upload, "--force", "-w")
    assert forced.returncode == 0, forced.stderr
    assert f'cpu: "{cpu}"' in f.read_text() and "warning: --force:" in forced.stderr


def test_enable_just_under_the_ceiling_is_fine(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.37.yaml", f)
    r = run("dag-deploy", "enable", str(f), "--upload", "240MB", "-w")
    assert r.returncode == 0, r.stderr
    assert 'cpu: "16"' in f.read_text()


def test_enable_warns_about_413_as_size_and_status_do() -> None:
    enable = run("dag-deploy", "enable", "third-party-ingress.yaml", "--upload", "5MB")
    size = run("dag-deploy", "size", "--upload", "5MB", "-f", "third-party-ingress.yaml")
    assert BODY_SIZE in enable.stderr.splitlines() and BODY_SIZE in size.stderr.splitlines()
    status = run("dag-deploy", "status", "third-party-ingress.yaml")
    assert "HTTP 413" in status.stdout


def test_size_over_the_ingress_cap_prints_its_result() -> None:
    for fmt, expected in (("text", "verdict       above the 8 MB"), ("yaml", "resources:\n  requests:")):
        r = run("dag-deploy", "size", "--upload", "9MB", "-f", "third-party-ingress.yaml", "--format", fmt)
        assert r.returncode == 1 and expected in r.stdout
        assert "error: an upload of 9 MB is above the 8 MB" in r.stderr
    r = run("dag-deploy", "size", "--upload", "9MB", "-f", "third-party-ingress.yaml", "--format", "json")
    assert r.returncode == 1 and json.loads(r.stdout)["over_cap"] is True


# --------------------------------------------------------------------------------------------- next steps


def test_next_steps_match_the_change(big: Path, tmp_path: Path) -> None:
    big.write_text(BIG.replace("cpu: 8", "cpu: 1").replace("memory: 16Gi", "memory: 1536Mi"))
    resize = run("dag-deploy", "enable", str(big), "--upload", "40MB")
    assert resize.returncode == 0, resize.stderr
    assert "Next steps:\n  1. Apply it: helm upgrade" in resize.stderr
    assert "DAG Only Deployment" in resize.stderr and "nothing to switch or redeploy" in resize.stderr
    assert "switch each Deployment" not in resize.stderr and "astro deploy --dags" not in resize.stderr
    switch = run("dag-deploy", "enable", "platform-0.37.yaml", "--upload", "40MB")
    assert "switch each Deployment that should use it" in switch.stderr and "astro deploy --dags" in switch.stderr


# --------------------------------------------------------------------------------------- --dags-dir project


def test_dags_dir_on_a_project_root(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "dags").mkdir(parents=True)
    (proj / "dags" / "etl.py").write_text("import airflow\n" * 20)
    (proj / "include").mkdir()
    (proj / "include" / "big.bin").write_bytes(bytes(range(256)) * 200_000)  # 51 MB: would be 4 blocks
    (proj / "Dockerfile").write_text("FROM quay.io/astronomer/astro-runtime:12.0.0\n")
    data = json.loads(run("dag-deploy", "size", "--dags-dir", str(proj), "--format", "json").stdout)
    assert data["blocks"] == 1 and data["dags_dir"]["project_root"] == str(proj)
    assert data["dags_dir"]["path"] == str(proj / "dags")
    text = run("dag-deploy", "size", "--dags-dir", str(proj)).stdout
    assert "is an Astro project" in text and "astro deploy --dags" in text
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.37.yaml", f)
    r = run("dag-deploy", "enable", str(f), "--dags-dir", str(proj))
    assert r.returncode == 0 and f"note: {proj} is an Astro project" in r.stderr


# ------------------------------------------------------------------------------------------------------ set


def test_set_warns_about_a_close_key(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-2.1.yaml", f)
    r = run("set", str(f), "global.deployMechanisms.dagOnlyDeploymnet.enabled=true", "-w")
    assert r.returncode == 0
    assert (
        "warning: global.deployMechanisms.dagOnlyDeploymnet is a new key, one edit away from "
        "global.deployMechanisms.dagOnlyDeployment, a key the chart reads" in r.stderr
    )
    assert "dagOnlyDeploymnet:" in f.read_text()  # still written: a warning, not a refusal
    quiet = run("set", str(f), "global.deployMechanisms.dagOnlyDeployment.enabled=false")
    assert "warning" not in quiet.stderr  # an existing key: nothing to say
    far = run("set", str(f), "global.somethingElse=1")
    assert "warning" not in far.stderr


def test_set_types_a_string_where_the_schema_wants_one(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "third-party-ingress.yaml", f)
    key = r"global.extraAnnotations.nginx\.ingress\.kubernetes\.io/proxy-body-size"
    r = run("set", str(f), f"{key}=0", "-w")
    assert r.returncode == 0, r.stderr
    assert 'nginx.ingress.kubernetes.io/proxy-body-size: "0"' in f.read_text()
    assert f'note: {key}: the schema says a string here, so 0 is written as the string "0"' in r.stderr
    lint = run("lint", str(f))
    assert lint.returncode == 0, lint.stdout  # lint accepts what set wrote
    other = run("set", str(f), "global.nginxEnabled=false", "-w")  # a boolean where a boolean belongs
    assert other.returncode == 0 and "nginxEnabled: false" in f.read_text() and "note" not in other.stderr


# ----------------------------------------------------------------------------------------------------- diff


def test_diff_unchanged_secret_marks(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("db:\n  password: hunter2\n  user: a\n")
    (tmp_path / "b.yaml").write_text("db:\n  password: hunter2\n  user: b\n")
    r = run("diff", "a.yaml", "b.yaml", cwd=tmp_path)
    assert r.returncode == 1
    assert "hunter2" not in r.stdout
    assert "-  password" not in r.stdout and "+  password" not in r.stdout
    assert "   password: <redacted, unchanged>" in r.stdout
