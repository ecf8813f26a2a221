"""End-to-end tests of the commands built on the core modules: size, merge, explain, diff, and layered sets."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

from astro_config.document import reader as document

MB = 1_000_000


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    full.pop("ASTRO_PLATFORM_VERSION", None)
    return subprocess.run(
        [sys.executable, "-m", "astro_config", *args], capture_output=True, text=True, cwd=cwd, env=full, timeout=60
    )


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, r.stderr
    return lines[0]


# --------------------------------------------------------------------------------------------------------------
# size
# --------------------------------------------------------------------------------------------------------------

# (upload, blocks, cpu, memory) for the bundled nginx; behind a third-party ingress anything above 8 MB is exit 1
SIZES = [
    ("0", 1, "1", "1536Mi"),
    ("1MB", 1, "1", "1536Mi"),
    ("8MB", 1, "1", "1536Mi"),
    (str(8 * MB + 1), 1, "1", "1536Mi"),
    ("15MB", 1, "1", "1536Mi"),
    (str(15 * MB + 1), 2, "2", "3Gi"),
    ("16MB", 2, "2", "3Gi"),
    ("45MB", 3, "3", "4608Mi"),
    ("46MB", 4, "4", "6Gi"),
    ("1000MB", 67, "67", "102912Mi"),
]


@pytest.mark.parametrize(("upload", "blocks", "cpu", "memory"), SIZES)
@pytest.mark.parametrize("ingress", ["bundled", "third-party"])
def test_size_cli_table(upload: str, blocks: int, cpu: str, memory: str, ingress: str) -> None:
    r = run("dag-deploy", "size", "--upload", upload, "--ingress", ingress, "--format", "json")
    rec = json.loads(r.stdout)
    upload_bytes = rec["upload_bytes"]
    assert rec["blocks"] == blocks
    assert rec["resources"] == {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}}
    assert rec["ingress"] == ingress
    if ingress == "third-party" and upload_bytes > 8 * MB:
        assert r.returncode == 1
        err = one_line_error(r)
        assert "no DAG server size can fix that" in err and "bundled nginx" in err
        assert rec["max_upload_bytes"] == 8 * MB
    elif upload_bytes > 240 * MB:  # above the 16 CPU / 64Gi ceiling: the data, and exit 2 unless --force
        assert r.returncode == 2 and rec["over_ceiling"] is True
        assert "ceiling" in one_line_error(r)
        assert rec["max_upload_bytes"] == blocks * 15 * MB
        forced = run("dag-deploy", "size", "--upload", upload, "--ingress", ingress, "--format", "json", "--force")
        assert forced.returncode == 0 and json.loads(forced.stdout)["resources"] == rec["resources"]
    else:
        assert r.returncode == 0, r.stderr
        expected_max = blocks * 15 * MB if ingress == "bundled" else 8 * MB
        assert rec["max_upload_bytes"] == expected_max


def test_size_text_and_yaml_formats() -> None:
    r = run("dag-deploy", "size", "--upload", "40MB")
    assert r.returncode == 0, r.stderr
    assert "blocks        3 x 15 MB" in r.stdout
    assert "every DAG client (downloader) container" in r.stdout
    assert r.stdout.endswith('resources:\n  requests:\n    cpu: "3"\n    memory: 4608Mi\n  limits:\n    cpu: "3"\n'
                             "    memory: 4608Mi\n")  # fmt: skip
    r = run("dag-deploy", "size", "--upload", "40MB", "--format", "yaml")
    doc = document.load_text(r.stdout, "out")
    assert doc.data == {
        "resources": {"requests": {"cpu": "3", "memory": "4608Mi"}, "limits": {"cpu": "3", "memory": "4608Mi"}}
    }


def test_size_reads_ingress_and_resources_from_values() -> None:
    r = run("dag-deploy", "size", "--upload", "5MB", "-f", "third-party-ingress.yaml", "--format", "json", cwd=SAMPLES)
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["ingress"] == "third-party"
    assert rec["current"]["suffices"] is False
    assert "HTTP 413" in r.stderr  # ingress-nginx without proxy-body-size
    r = run("dag-deploy", "size", "--upload", "9MB", "-f", "third-party-ingress.yaml", cwd=SAMPLES)
    assert r.returncode == 1
    assert "8 MB" in one_line_error(r)
    # --ingress overrides the file
    r = run(
        "dag-deploy", "size", "--upload", "9MB", "-f", "third-party-ingress.yaml", "--ingress", "bundled", cwd=SAMPLES
    )
    assert r.returncode == 0, r.stderr


def test_size_current_resources_suffice(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.37.yaml", f)
    assert run("dag-deploy", "enable", str(f), "--upload", "40MB", "-w").returncode == 0
    r = run("dag-deploy", "size", "--upload", "40MB", "-f", str(f), "--format", "json")
    assert json.loads(r.stdout)["current"]["suffices"] is True
    r = run("dag-deploy", "size", "--upload", "46MB", "-f", str(f), "--format", "json")
    assert json.loads(r.stdout)["current"]["suffices"] is False
    # status runs the rule backwards on the written block
    r = run("dag-deploy", "status", str(f), "--format", "json")
    assert json.loads(r.stdout)["files"][0]["max_upload_bytes"] == 45 * MB


@pytest.mark.parametrize("bad", ["12 XMB", "1.5GB x", "-3MB", "12XB", "", "MB"])
def test_size_bad_upload_is_one_line_error(bad: str) -> None:
    r = run("dag-deploy", "size", "--upload", bad)
    assert r.returncode == 2
    one_line_error(r)


def test_size_dags_dir_matches_real_tar(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    (dags / "sub" / "__pycache__").mkdir(parents=True)
    for i in range(20):
        (dags / f"dag_{i}.py").write_text(f"# dag {i}\n" + "x = 1\n" * (i * 50))
    (dags / "sub" / "__pycache__" / "m.cpython-311.pyc").write_bytes(os.urandom(50_000))
    (dags / "data.bin").write_bytes(os.urandom(1_200_000))
    r = run("dag-deploy", "size", "--dags-dir", str(dags), "--format", "json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    subprocess.run(["tar", "-czf", str(tmp_path / "d.tgz"), "dags"], cwd=tmp_path, check=True)
    real = (tmp_path / "d.tgz").stat().st_size
    assert abs(rec["upload_bytes"] - real) <= real * 0.01
    kinds = {k["kind"] for k in rec["dags_dir"]["kinds"]}
    assert {"__pycache__", "large file"} <= kinds
    r = run("dag-deploy", "size", "--dags-dir", str(tmp_path / "missing"))
    assert r.returncode == 2
    one_line_error(r)


def test_enable_with_upload_third_party_over_cap_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "third-party-ingress.yaml", f)
    before = f.read_bytes()
    r = run("dag-deploy", "enable", str(f), "--upload", "9MB", "-w")
    assert r.returncode == 1
    assert f.read_bytes() == before
    r = run("dag-deploy", "enable", str(f), "--upload", "8MB", "-w")
    assert r.returncode == 0, r.stderr
    assert document.load_file(f).get(("global", "dagOnlyDeployment", "resources")) == {
        "requests": {"cpu": "1", "memory": "1536Mi"},
        "limits": {"cpu": "1", "memory": "1536Mi"},
    }


# --------------------------------------------------------------------------------------------------------------
# merge / explain / diff
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def layers(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "base.yaml"
    prod = tmp_path / "prod.yaml"
    base.write_text(
        "global:\n  baseDomain: base.example.com\n  nginxEnabled: true\n  dagOnlyDeployment:\n    enabled: false\n"
        "    repository: quay.io/astronomer/ap-dag-deploy\n    tag: 0.9.2\n  registry:\n    password: base-secret\n"
        "astronomer:\n  houston:\n    config:\n      deployments:\n        configureDagDeployment: false\n"
    )
    prod.write_text("global:\n  baseDomain: prod.example.com\n  dagOnlyDeployment:\n    enabled: true\n")
    return base, prod


def test_merge_layers_and_set(layers: tuple[Path, Path]) -> None:
    base, prod = layers
    r = run("merge", "-f", str(base), "-f", str(prod), "--set", "global.extra=1", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["global"]["baseDomain"] == "prod.example.com"
    assert data["global"]["dagOnlyDeployment"] == {"enabled": True, "repository": "quay.io/astronomer/ap-dag-deploy",
                                                   "tag": "0.9.2"}  # fmt: skip
    assert data["global"]["extra"] == 1
    assert data["global"]["registry"]["password"] != "base-secret"
    r = run("merge", "-f", str(base), "--format", "json", "--show-secrets")
    assert json.loads(r.stdout)["global"]["registry"]["password"] == "base-secret"


def test_explain_names_the_layer(layers: tuple[Path, Path]) -> None:
    base, prod = layers
    r = run("explain", "global.dagOnlyDeployment.enabled", "-f", str(base), "-f", str(prod))
    assert r.returncode == 0, r.stderr
    assert f"{prod}:4" in r.stdout
    assert f"{base}:5" in r.stdout
    r = run("explain", "global.nope", "-f", str(base))
    assert r.returncode == 1


def test_diff_exit_codes_and_formatting_only(tmp_path: Path, layers: tuple[Path, Path]) -> None:
    base, prod = layers
    same = tmp_path / "same.yaml"
    # same data, other formatting: comments, order, quoting, yes vs true
    same.write_text(
        "# reformatted\nastronomer:\n  houston: {config: {deployments: {configureDagDeployment: no}}}\n"
        "global:\n  registry: {password: 'base-secret'}\n  dagOnlyDeployment:\n    tag: '0.9.2'\n"
        "    repository: quay.io/astronomer/ap-dag-deploy\n    enabled: off\n  nginxEnabled: yes\n"
        '  baseDomain: "base.example.com"\n'
    )
    r = run("diff", str(base), str(same))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "formatting" in r.stdout
    r = run("diff", str(base), str(prod))
    assert r.returncode == 1
    assert "global.baseDomain" in r.stdout
    assert "base-secret" not in r.stdout
    r = run("diff", str(base), str(prod), "--format", "json")
    assert r.returncode == 1
    assert json.loads(r.stdout)
    # a layered new side: base + prod against base alone
    r = run("diff", "--old", str(base), "--new", str(base), "--new", str(prod), "--format", "json")
    assert r.returncode == 1
    paths = json.dumps(json.loads(r.stdout))
    assert "global.dagOnlyDeployment.enabled" in paths
    r = run("diff", str(base), str(tmp_path / "missing.yaml"))
    assert r.returncode == 2
    one_line_error(r)


# --------------------------------------------------------------------------------------------------------------
# layered sets in status / lint / enable
# --------------------------------------------------------------------------------------------------------------


def test_status_on_layered_set(layers: tuple[Path, Path]) -> None:
    base, prod = layers
    r = run("dag-deploy", "status", "-f", str(base), "-f", str(prod), "--format", "json")
    assert r.returncode == 1  # prod switches only the global flag on
    rec = json.loads(r.stdout)["files"][0]
    assert rec["state"] == "half-enabled"
    assert rec["global_flag"]["text"] == f"true ({prod}:4)"
    assert rec["houston_flag"]["text"] == f"false ({base}:14)"
    houston = "astronomer.houston.config.deployments.configureDagDeployment=true"
    r = run("dag-deploy", "status", "-f", str(base), "-f", str(prod), "--set", houston, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files"][0]["state"] == "enabled"


def test_lint_layered_points_at_the_layer(layers: tuple[Path, Path]) -> None:
    base, prod = layers
    r = run("lint", "-f", str(base), "-f", str(prod), "--platform-version", "0.37.7", "--format", "json")
    assert r.returncode == 1
    problems = json.loads(r.stdout)["problems"]
    flags = [p for p in problems if p["rule"] == "flags-disagree"]
    assert flags and flags[0]["file"] == str(prod) and flags[0]["line"] == 4


def test_enable_layered_edits_last_file_and_fails_on_override(layers: tuple[Path, Path]) -> None:
    # issue #12: a layered set must end in the asked state; a later layer or --set that leaves Houston in
    # another state is exit 1 (it was a warning and exit 0), naming the key and where, and nothing is written
    base, prod = layers
    base_before, prod_before = base.read_bytes(), prod.read_bytes()
    r = run("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--platform-version", "0.37.7", "-w",
            "--set", "global.dagOnlyDeployment.enabled=false")  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert base.read_bytes() == base_before and prod.read_bytes() == prod_before
    assert "is overridden by --set global.dagOnlyDeployment.enabled=false" in r.stderr
    assert "Houston would read deployments.dagOnlyDeployment = false" in r.stderr
    # a --set that does not contradict: the edit goes through and the printed command repeats the --set
    r = run("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--platform-version", "0.37.7", "-w",
            "--set", "global.baseDomain=x.example.com")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert base.read_bytes() == base_before
    doc = document.load_file(prod)
    assert doc.get(("astronomer", "houston", "config", "deployments", "configureDagDeployment")) is True
    assert "--set global.baseDomain=x.example.com --set astronomer.houston.upgradeDeployments" in r.stderr
    # --target picks another layer: prod still sets both flags to true, so disabling base alone is exit 1
    r = run("dag-deploy", "disable", "-f", str(base), "-f", str(prod), "--target", str(base), "--platform-version",
            "0.37.7", "-w")  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert f"is overridden by {prod}:4" in r.stderr  # prod still sets the flags to true
    assert base.read_bytes() == base_before
    r = run("dag-deploy", "enable", "-f", str(base), "--target", "nope.yaml")
    assert r.returncode == 2


def test_progress_bar_draws_and_clears() -> None:
    from astro_config.cli.options import progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    bar = progress_bar("linting", unit="files", min_total=20, stream=err)
    bar(5, 10)  # below min_total: nothing
    assert err.getvalue() == ""
    bar(20, 40)
    assert "linting [" + "#" * 15 + "." * 15 + "]  50% (20/40 files)" in err.getvalue()
    bar(40, 40)  # the end is drawn even within 0.1 s
    bar.close()
    drawn = err.getvalue()
    assert "linting [" + "#" * 30 + "] 100% (40/40 files)" in drawn
    assert drawn.endswith("\r\x1b[K\x1b[?25h")  # the line erased, the cursor shown again
    assert "\n" not in drawn  # one line, redrawn in place


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    """Through the command, stderr is not a terminal: no bar, even for enough files to draw one."""
    for i in range(25):
        shutil.copy(SAMPLES / "platform-2.1.yaml", tmp_path / f"v{i}.yaml")
    done = run("lint", str(tmp_path))
    assert done.stderr == "" and "25 files checked" in done.stdout


def test_lint_jobs_same_result(tmp_path: Path) -> None:
    for i in range(20):
        shutil.copy(SAMPLES / ("half-enabled.yaml" if i % 3 == 0 else "platform-2.1.yaml"), tmp_path / f"v{i}.yaml")
    one = run("lint", str(tmp_path), "--format", "json", "-j", "1")
    two = run("lint", str(tmp_path), "--format", "json", "-j", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
