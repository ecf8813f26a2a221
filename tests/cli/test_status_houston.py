"""`dag-deploy status` reports what Houston reads: equal to Houston's effective config rendered by the real chart
(Helm 3.17, ../shared/charts), before and after `enable --upload`, `disable` and `size`, on files with passthrough
overrides of each kind; layered sets end in the asked state or fail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES
from houston_helpers import RELEASE_LINES, charts, get, render_houston, sample_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from astro_config.cli.main import app
from astro_config.platform.houston import houston_defaults, houston_keys, houston_merge
from astro_config.platform.profiles import generation_for_version

OVERRIDE = SAMPLES / "passthrough-override.yaml"
COMPARED = ("dag_only", "configure", "dag_deploy_enabled", "server_resources", "client_resources")


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def status(files: list[Path], version: str, *extra: str) -> dict[str, Any]:
    args = ["dag-deploy", "status"]
    if len(files) == 1 and not extra:
        args.append(str(files[0]))
    else:
        for f in files:
            args += ["-f", str(f)]
    r = cli(*args, *extra, "--platform-version", version, "--format", "json")
    assert r.exit_code in (0, 1), r.output
    rec = json.loads(r.stdout)["files"][-1]
    assert isinstance(rec, dict)
    return rec


def houston_effective(version: str, files: list[Path], sets: tuple[str, ...] = ()) -> dict[str, Any]:
    """Houston's effective config: its built-in defaults, then production.yaml, then local-production.yaml."""
    keys = houston_keys(generation_for_version(version))
    merged = houston_merge(houston_defaults(keys), render_houston(version, files, sets))
    assert isinstance(merged, dict)
    return merged


def assert_status_is_render(version: str, files: list[Path], *extra: str) -> dict[str, Any]:
    sets = tuple(a for i, a in enumerate(extra) if i > 0 and extra[i - 1] == "--set")
    rec = status(files, version, *extra)
    effective = houston_effective(version, files, sets)
    reads = rec["houston"]["reads"]
    for name in COMPARED:
        if name not in reads:
            continue
        key = tuple(reads[name]["key"].split("."))
        assert reads[name]["value"] == get(effective, key), f"{version} {name}"
    on = reads["dag_only"]["value"] is True and reads["configure"]["value"] is True
    off = reads["dag_only"]["value"] is not True and reads["configure"]["value"] is not True
    assert rec["state"] == ("enabled" if on else "disabled" if off else "half-enabled")
    return rec


def gen_id(version: str) -> str:
    return generation_for_version(version).generation.id


def override_file(tmp_path: Path, version: str) -> Path:
    """The sample file's case (both flags on, a passthrough switch off, a passthrough server block) in the
    layout of ``version``."""
    f = tmp_path / "values.yaml"
    if gen_id(version) == "2" or version < "0.36":
        r = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
        f.write_text(
            sample_values(gen_id(version), global_on=True, pt_dag_only=False, pt_configure=True, pt_server=r),
            encoding="utf-8",
        )
    else:
        shutil.copy(OVERRIDE, f)
    return f


def test_sample_file_shows_the_override() -> None:
    r = cli("dag-deploy", "status", str(OVERRIDE), "--platform-version", "1.2.0")
    assert r.exit_code == 1
    assert (
        f"deployments.dagOnlyDeployment = false from astronomer.houston.config.deployments.dagOnlyDeployment "
        f"({OVERRIDE}:15), overriding global.dagOnlyDeployment.enabled: true"
    ) in r.stdout
    assert "HALF-ENABLED" in r.stdout
    assert "override      deployments.dagDeploy.server.resources = {requests: {cpu: 500m" in r.stdout


@pytest.mark.parametrize("version", RELEASE_LINES)
@charts
def test_status_equals_render_on_every_minor_line(version: str, tmp_path: Path) -> None:
    f = override_file(tmp_path, version)
    rec = assert_status_is_render(version, [f])
    assert rec["state"] == "half-enabled"
    assert [o["from"].rsplit(".", 1)[-1] for o in rec["houston"]["overrides"]][:1] in (
        ["dagOnlyDeployment"],
        ["enabled"],
    )


@pytest.mark.parametrize("version", ["0.35.4", "1.2.0", "2.1.0"])
@charts
def test_enable_upload_sizes_the_block_houston_reads(version: str, tmp_path: Path) -> None:
    f = override_file(tmp_path, version)
    r = cli("dag-deploy", "enable", str(f), "--platform-version", version, "--upload", "40MB", "-w")
    assert r.exit_code == 0, r.output
    assert "also setting astronomer.houston.config.deployments." in r.stderr
    assert "also sizing astronomer.houston.config.deployments.dagDeploy.server.resources" in r.stderr
    rec = assert_status_is_render(version, [f])
    assert rec["state"] == "enabled"
    effective = houston_effective(version, [f])
    keys = houston_keys(generation_for_version(version))
    want = {"requests": {"cpu": "3", "memory": "4608Mi"}, "limits": {"cpu": "3", "memory": "4608Mi"}}
    assert get(effective, keys.server_resources) == want
    assert keys.client_resources is not None and get(effective, keys.client_resources) == want
    # the user's passthrough keys are still there, set, not deleted
    text = f.read_text()
    assert "dagOnlyDeployment" in text.split("config:")[1]
    # size judges the resources Houston reads
    r = cli("dag-deploy", "size", "--upload", "40MB", "-f", str(f), "--platform-version", version, "--format", "json")
    assert r.exit_code == 0, r.output
    current = json.loads(r.stdout)["current"]
    assert current["resources"] == want and current["suffices"] is True


@pytest.mark.parametrize("version", ["0.35.4", "1.2.0", "2.1.0"])
@charts
def test_size_before_enable_judges_the_passthrough_block(version: str, tmp_path: Path) -> None:
    f = override_file(tmp_path, version)
    r = cli("dag-deploy", "size", "--upload", "40MB", "-f", str(f), "--platform-version", version, "--format", "json")
    assert r.exit_code == 0, r.output
    current = json.loads(r.stdout)["current"]
    keys = houston_keys(generation_for_version(version))
    assert current["resources"] == get(houston_effective(version, [f]), keys.server_resources)
    assert current["suffices"] is False and "passthrough" in current["source"]


@pytest.mark.parametrize("version", ["0.37.7", "1.1.7", "2.0.1"])
@charts
def test_disable_switches_off_the_passthrough_switch(version: str, tmp_path: Path) -> None:
    # configs/local-1x.yaml's case: the passthrough switches on, the global flag off or unset
    f = tmp_path / "values.yaml"
    f.write_text(sample_values(gen_id(version), pt_dag_only=True, pt_configure=True), encoding="utf-8")
    assert assert_status_is_render(version, [f])["state"] == "enabled"  # not half-enabled
    r = cli("dag-deploy", "disable", str(f), "--platform-version", version, "-w")
    assert r.exit_code == 0, r.output
    assert "also setting astronomer.houston.config.deployments" in r.stderr
    rec = assert_status_is_render(version, [f])
    assert rec["state"] == "disabled"
    assert get(houston_effective(version, [f]), houston_keys(generation_for_version(version)).dag_only) is False


@charts
def test_layered_enable_fails_when_a_later_layer_turns_it_off(tmp_path: Path) -> None:
    base, prod = tmp_path / "base.yaml", tmp_path / "prod.yaml"
    base.write_text(sample_values("0.36", global_on=False, pt_configure=False), encoding="utf-8")
    prod.write_text(sample_values("0.36", global_on=False), encoding="utf-8")
    before = base.read_bytes()
    r = cli("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--target", str(base), "--platform-version",
            "1.2.0", "-w")  # fmt: skip
    assert r.exit_code == 1
    assert f"is overridden by {prod}:4" in r.stderr and base.read_bytes() == before
    # the set as it stands is what status reports
    assert_status_is_render("1.2.0", [base, prod])
    r = cli("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--platform-version", "1.2.0", "-w",
            "--set", "global.dagOnlyDeployment.enabled=false")  # fmt: skip
    assert r.exit_code == 1
    assert "is overridden by --set global.dagOnlyDeployment.enabled=false" in r.stderr
    # --check judges the effective set
    r = cli("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--platform-version", "1.2.0", "--check")
    assert r.exit_code == 1
    ok = "global.dagOnlyDeployment.enabled=true"
    houston = "astronomer.houston.config.deployments.configureDagDeployment=true"
    r = cli("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--platform-version", "1.2.0", "--check",
            "--set", ok, "--set", houston)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert_status_is_render("1.2.0", [base, prod], "--set", ok, "--set", houston)


_res = st.none() | st.fixed_dictionaries(
    {"requests": st.fixed_dictionaries({"cpu": st.sampled_from(["100m", "2"])})},
    optional={"limits": st.fixed_dictionaries({"memory": st.sampled_from(["512Mi", "4608Mi"])})},
)
_sw = st.none() | st.booleans()


@charts
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    version=st.sampled_from(["0.34.5", "1.0.1", "2.1.0"]),
    global_on=_sw,
    pt_dag_only=_sw,
    pt_configure=_sw,
    global_resources=_res,
    pt_server=_res,
    pt_client=_res,
)
def test_property_status_equals_render(
    tmp_path: Path,
    version: str,
    global_on: bool | None,
    pt_dag_only: bool | None,
    pt_configure: bool | None,
    global_resources: dict[str, Any] | None,
    pt_server: dict[str, Any] | None,
    pt_client: dict[str, Any] | None,
) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(
        sample_values(
            gen_id(version),
            global_on=global_on,
            pt_dag_only=pt_dag_only,
            pt_configure=pt_configure,
            global_resources=global_resources,
            pt_server=pt_server,
            pt_client=pt_client,
        ),
        encoding="utf-8",
    )
    assert_status_is_render(version, [f])


@charts
def test_layered_enable_writes_the_passthrough_keys_of_an_earlier_layer_into_the_target(tmp_path: Path) -> None:
    base, prod = tmp_path / "base.yaml", tmp_path / "prod.yaml"
    r500 = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
    base.write_text(sample_values("0.36", pt_dag_only=False, pt_configure=True, pt_server=r500), encoding="utf-8")
    prod.write_text(sample_values("0.36", global_on=True), encoding="utf-8")
    base_before = base.read_bytes()
    r = cli("dag-deploy", "enable", "-f", str(base), "-f", str(prod), "--platform-version", "1.2.0", "--upload",
            "40MB", "-w")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert base.read_bytes() == base_before  # only the target (the last -f) is edited
    assert f"({base}:" in r.stderr and f"in {prod}" in r.stderr
    rec = assert_status_is_render("1.2.0", [base, prod])
    assert rec["state"] == "enabled"
    server = rec["houston"]["reads"]["server_resources"]
    assert server["value"]["requests"] == {"cpu": "3", "memory": "4608Mi"} and server["where"].startswith(str(prod))
    # and disabling from the target alone works the same way
    r = cli("dag-deploy", "disable", "-f", str(base), "-f", str(prod), "--platform-version", "1.2.0", "-w")
    assert r.exit_code == 0, r.output
    assert assert_status_is_render("1.2.0", [base, prod])["state"] == "disabled"


@charts
def test_layered_disable_sets_a_flag_of_an_earlier_layer_in_the_target(tmp_path: Path) -> None:
    base, prod = tmp_path / "base.yaml", tmp_path / "prod.yaml"
    base.write_text(sample_values("2", global_on=True, pt_configure=True), encoding="utf-8")
    prod.write_text(sample_values("2"), encoding="utf-8")
    r = cli("dag-deploy", "disable", "-f", str(base), "-f", str(prod), "--platform-version", "2.1.0", "-w")
    assert r.exit_code == 0, r.output
    assert assert_status_is_render("2.1.0", [base, prod])["state"] == "disabled"
    assert "configureDagDeployment" in prod.read_text()
