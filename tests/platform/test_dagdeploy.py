"""dag-deploy status / enable / disable: on the real chart files, the project's samples, and inference cases."""

from __future__ import annotations

import copy
import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ASTRONOMER, ASTRONOMER_RELEASES, ROOT, SAMPLES, needs_shared

from astro_config.document import editing
from astro_config.document import reader as document
from astro_config.platform import dagdeploy
from astro_config.platform.profiles import GEN_034, GEN_036, GEN_2, generation_for_version, resolve_platform

GOLDEN = ROOT / "tests" / "data" / "status"
UPDATE = os.environ.get("ASTRO_CONFIG_UPDATE_GOLDEN") == "1"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("ASTRO_PLATFORM_VERSION", None)
    return subprocess.run(
        [sys.executable, "-m", "astro_config", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


# --------------------------------------------------------------------------------------------------------------
# Real chart files
# --------------------------------------------------------------------------------------------------------------

RELEASES = sorted(ASTRONOMER_RELEASES.items())


@needs_shared
@pytest.mark.parametrize(("folder", "version"), RELEASES)
def test_enable_real_chart_changes_only_the_flags(folder: str, version: str, tmp_path: Path) -> None:
    src = ASTRONOMER / folder / "values.yaml"
    f = tmp_path / "values.yaml"
    shutil.copyfile(src, f)  # (not the mode: ../shared is read-only, and a read-only file is refused without --force)
    original = f.read_bytes()
    gen = generation_for_version(version).generation

    r = run("dag-deploy", "enable", str(f), "--platform-version", version, "-w")
    assert r.returncode == 0, r.stderr
    enabled = f.read_bytes()
    removed, added = changed_lines(original.decode(), enabled.decode())
    # the global flag line flips; the Houston flag is added with its missing parents (flag last)
    assert removed == (["      enabled: false"] if gen.id == "2" else ["    enabled: false"])
    assert added[0].strip() == "enabled: true"
    houston_leaf = gen.houston_flag[-1]
    assert added[-1].strip() == f"{houston_leaf}: true"
    # every added line other than the flag is a parent key on the Houston flag's path
    parents = {f"{k}:" for k in gen.houston_flag[:-1]}
    assert all(a.strip() in parents for a in added[1:-1]), added
    doc = document.load_file(f)
    assert doc.get(gen.global_flag) is True and doc.get(gen.houston_flag) is True
    old_doc = document.load_bytes(original, "old")
    changed = editing.changed_paths(old_doc.data, doc.data)
    assert sorted(changed) == sorted(
        [gen.global_flag, gen.houston_flag[: len(gen.houston_flag) - len(added) + 2]]
    ) or set(changed) <= {gen.global_flag, *[gen.houston_flag[:i] for i in range(3, len(gen.houston_flag) + 1)]}

    r = run("dag-deploy", "enable", str(f), "--platform-version", version, "--check")
    assert r.returncode == 0, r.stderr
    assert "already enabled" in r.stderr

    r = run("dag-deploy", "disable", str(f), "--platform-version", version, "-w")
    assert r.returncode == 0, r.stderr
    disabled = f.read_bytes()
    removed, added = changed_lines(enabled.decode(), disabled.decode())
    assert [x.strip() for x in removed] == ["enabled: true", f"{houston_leaf}: true"]
    assert [x.strip() for x in added] == ["enabled: false", f"{houston_leaf}: false"]

    # both flags false now: enable then disable gives back these bytes exactly
    run("dag-deploy", "enable", str(f), "--platform-version", version, "-w")
    assert f.read_bytes() != disabled
    run("dag-deploy", "disable", str(f), "--platform-version", version, "-w")
    assert f.read_bytes() == disabled


@needs_shared
@pytest.mark.parametrize(("folder", "version"), RELEASES)
def test_real_chart_status_at_own_version(folder: str, version: str) -> None:
    r = run(
        "dag-deploy",
        "status",
        str(ASTRONOMER / folder / "values.yaml"),
        "--platform-version",
        version,
        "--format",
        "json",
    )
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)["files"][0]
    assert rec["state"] == "disabled"
    assert rec["wrong_generation_keys"] == []
    assert rec["global_flag"]["set"] is True and rec["global_flag"]["value"] is False
    assert rec["houston_flag"]["set"] is False


@needs_shared
def test_real_chart_inference() -> None:
    for folder, version in RELEASES:
        doc = document.load_file(ASTRONOMER / folder / "values.yaml")
        platform = resolve_platform(None, doc.data, doc.name)
        assert platform.generation is generation_for_version(version).generation, folder


# --------------------------------------------------------------------------------------------------------------
# Samples: status snapshots
# --------------------------------------------------------------------------------------------------------------

STATUS_SAMPLES = [
    ("platform-0.34.yaml", 0),
    ("platform-0.37.yaml", 0),
    ("platform-2.1.yaml", 0),
    ("third-party-ingress.yaml", 0),
    ("half-enabled.yaml", 1),
]


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"golden file {path} is missing (run with ASTRO_CONFIG_UPDATE_GOLDEN=1 to create it)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
    assert actual == path.read_text()


@pytest.mark.parametrize(("sample", "code"), STATUS_SAMPLES)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_status_snapshots(sample: str, code: int, fmt: str) -> None:
    r = run("dag-deploy", "status", sample, "--format", fmt, cwd=SAMPLES)
    assert r.returncode == code, r.stderr
    _golden(f"{Path(sample).stem}.{fmt}", r.stdout)


def test_half_enabled_spells_out_the_fix() -> None:
    r = run("dag-deploy", "status", "half-enabled.yaml", cwd=SAMPLES)
    assert r.returncode == 1
    assert "HALF-ENABLED" in r.stdout
    assert "astro-config dag-deploy enable half-enabled.yaml" in r.stdout


def test_status_ambiguous_file_stops_with_choices() -> None:
    r = run("dag-deploy", "status", "no-layout.yaml", cwd=SAMPLES)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "cannot tell the platform layout" in r.stderr
    for label in ("0.34-0.35", "0.36-1.x", "2.x"):
        assert label in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_enable_ambiguous_file_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "no-layout.yaml", f)
    before = f.read_bytes()
    r = run("dag-deploy", "enable", str(f), "-w")
    assert r.returncode == 2
    assert f.read_bytes() == before
    r = run("dag-deploy", "enable", str(f), "-w", "--platform-version", "2.1.0")
    assert r.returncode == 0, r.stderr
    doc = document.load_file(f)
    assert doc.get(GEN_2.global_flag) is True and doc.get(GEN_2.houston_flag) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: false\n", "2"),
        ("global:\n  nginx:\n    enabled: false\n", "2"),
        ("global:\n  dagOnlyDeployment:\n    image: quay.io/x:1\n", "0.34"),
        ("global:\n  dagOnlyDeployment:\n    repository: quay.io/x\n    tag: '1'\n", "0.36"),
        # a leftover 0.x block in a 2.x file does not make it ambiguous: the 2.x key decides
        ("global:\n  deployMechanisms: {}\n  dagOnlyDeployment:\n    enabled: true\n", "2"),
        # two stories: 0.34's image and 2.x's deployMechanisms
        ("global:\n  deployMechanisms: {}\n  dagOnlyDeployment:\n    image: x:1\n", None),
        # only keys shared by 0.34 and 0.36
        ("global:\n  dagOnlyDeployment:\n    enabled: true\n  nginxEnabled: false\n", None),
        ("global:\n  baseDomain: x\n", None),
    ],
)
def test_inference(text: str, expected: str | None) -> None:
    from astro_config.errors import PlatformVersionError

    doc = document.load_text(text, "x.yaml")
    if expected is None:
        with pytest.raises(PlatformVersionError):
            resolve_platform(None, doc.data, doc.name)
    else:
        assert resolve_platform(None, doc.data, doc.name).generation.id == expected


def test_platform_version_env_var(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "no-layout.yaml", f)
    env = {**os.environ, "ASTRO_PLATFORM_VERSION": "v0.37.7", "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "astro_config", "dag-deploy", "status", str(f), "--format", "json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files"][0]["layout"]["generation"] == "0.36"


# --------------------------------------------------------------------------------------------------------------
# Unsafe releases, wrong-generation keys, the helm command
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "refused"), [("0.34.0", True), ("0.34.2", True), ("0.35.0", True),
                                                  ("0.34.3", False), ("0.35.1", False), ("0.34.5", False)])  # fmt: skip
def test_unsafe_releases_refused_without_force(version: str, refused: bool, tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.34.yaml", f)
    before = f.read_bytes()
    r = run("dag-deploy", "enable", str(f), "--platform-version", version, "-w")
    if refused:
        assert r.returncode == 2
        assert "reachable from other namespaces" in r.stderr
        assert f.read_bytes() == before
        r = run("dag-deploy", "enable", str(f), "--platform-version", version, "-w", "--force")
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode == 0, r.stderr
    assert f.read_bytes() != before


def test_wrong_generation_keys_reported_and_named_on_enable(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(
        "global:\n  dagOnlyDeployment:\n    enabled: true\n    image: quay.io/astronomer/ap-dag-deploy:0.3.2\n"
        "astronomer:\n  houston:\n    config:\n      deployments:\n        configureDagDeployment: true\n"
    )
    # the file holds 0.34 keys only: without --force the declared 2.1.0 stops the command (exit 2)
    assert run("dag-deploy", "status", str(f), "--platform-version", "2.1.0").returncode == 2
    r = run("dag-deploy", "status", str(f), "--platform-version", "2.1.0", "--force")
    assert r.returncode == 0, r.stderr
    assert "global.dagOnlyDeployment (v.yaml:2)" in r.stdout.replace(str(tmp_path) + "/", "")
    assert "configureDagDeployment (v.yaml:9)" in r.stdout.replace(str(tmp_path) + "/", "")
    assert "state         disabled" in r.stdout
    r = run("dag-deploy", "enable", str(f), "--platform-version", "2.1.0", "--force")
    assert r.returncode == 0, r.stderr
    assert "is ignored by this release" in r.stderr and "global.dagOnlyDeployment (" in r.stderr
    assert "+  deployMechanisms:" in r.stdout


def test_helm_command_and_next_steps(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.37.yaml", f)
    r = run("dag-deploy", "enable", str(f), "--platform-version", "0.37.7", "-w", "--release", "astro",
            "--namespace", "platform")  # fmt: skip
    assert r.returncode == 0, r.stderr
    expected = (
        f"helm upgrade astro astronomer/astronomer -f {f} -n platform --version 0.37.7 "
        "--set astronomer.houston.upgradeDeployments.enabled=false"
    )
    assert expected in r.stderr
    assert "astro deploy --dags" in r.stderr
    assert "DAG Only Deployment" in r.stderr


def test_already_enabled_changes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-2.1.yaml", f)
    before = f.read_bytes()
    r = run("dag-deploy", "enable", str(f), "-w")
    assert r.returncode == 0
    assert "already enabled" in r.stderr
    assert r.stdout == ""
    assert f.read_bytes() == before


def test_check_mode(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    shutil.copy(SAMPLES / "platform-0.37.yaml", f)
    before = f.read_bytes()
    assert run("dag-deploy", "enable", str(f), "--check").returncode == 1
    assert run("dag-deploy", "disable", str(f), "--check").returncode == 0
    assert f.read_bytes() == before


# --------------------------------------------------------------------------------------------------------------
# Overrides: layering the overrides file over the original gives exactly the edited data
# --------------------------------------------------------------------------------------------------------------


def helm_merge(base: Any, over: Any) -> Any:
    """Helm's rules for two -f files: maps merge deeply, anything else is replaced (a null stays null)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = helm_merge(base[k], v) if k in base else v
        return out
    return over


@pytest.mark.parametrize(
    ("sample", "version", "extra"),
    [
        ("platform-0.34.yaml", "0.34.5", []),
        ("platform-0.37.yaml", "0.37.7", ["--upload", "40MB"]),
        ("platform-2.1.yaml", "2.1.0", ["--upload", "16MB"]),
        ("half-enabled.yaml", "2.1.0", []),
    ],
)
def test_overrides_layered_over_original_give_the_edit(
    sample: str, version: str, extra: list[str], tmp_path: Path
) -> None:
    f = tmp_path / sample
    shutil.copy(SAMPLES / sample, f)
    edited = tmp_path / "edited.yaml"
    ov = tmp_path / "overrides.yaml"
    r = run(
        "dag-deploy", "enable", str(f), "--platform-version", version, "-o", str(edited), "--overrides", str(ov), *extra
    )
    assert r.returncode == 0, r.stderr
    original = document.load_file(f).data
    want = document.load_file(edited).data
    overrides = document.load_file(ov).data
    assert overrides, "the overrides file must not be empty"
    assert helm_merge(original, overrides) == want
    assert f"-f {edited}" in r.stderr


@pytest.mark.parametrize("gen", [GEN_034, GEN_036, GEN_2])
def test_overrides_data_minimal(gen: Any) -> None:
    old = {"global": {"x": 1}, "astronomer": {"houston": {"replicas": 2}}}
    new = copy.deepcopy(old)
    for edit in dagdeploy.toggle_edits(gen, True):
        assert isinstance(edit, editing.SetValue)
        cur = new
        for part in edit.path[:-1]:
            cur = cur.setdefault(part, {})
        cur[edit.path[-1]] = True
    ov = dagdeploy.overrides_data(old, new)
    assert helm_merge(old, ov) == new
    assert "x" not in ov["global"] and "replicas" not in ov["astronomer"]["houston"]


# --------------------------------------------------------------------------------------------------------------
# Secrets never show in diffs or printouts
# --------------------------------------------------------------------------------------------------------------

SECRET_FILE = """\
global:
  dagOnlyDeployment:
    enabled: false
    repository: quay.io/astronomer/ap-dag-deploy
    tag: 0.9.2
  registry:
    password: hunter2-very-secret
astronomer:
  houston:
    config:
      deployments:
        configureDagDeployment: false
"""


def test_secrets_redacted_in_diff_and_get(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(SECRET_FILE)
    r = run("set", str(f), "global.registry.password=new-secret-value")
    assert r.returncode == 0, r.stderr
    assert "hunter2" not in r.stdout + r.stderr
    assert "new-secret-value" not in r.stdout + r.stderr
    assert "redacted" in r.stdout
    r = run("set", str(f), "global.registry.password=new-secret-value", "--show-secrets")
    assert "new-secret-value" in r.stdout
    r = run("get", str(f), "global.registry.password")
    assert "hunter2" not in r.stdout
    r = run("get", str(f), "global.registry")
    assert "hunter2" not in r.stdout
    r = run("get", str(f), "global.registry.password", "--show-secrets")
    assert r.stdout == "hunter2-very-secret\n"
    for args in (["dag-deploy", "enable", str(f)], ["dag-deploy", "status", str(f), "--format", "json"],
                 ["dag-deploy", "status", str(f)]):  # fmt: skip
        r = run(*args)
        assert "hunter2" not in r.stdout + r.stderr, args


# --------------------------------------------------------------------------------------------------------------
# The resource block is edited in place: other keys, their order and comments stay
# --------------------------------------------------------------------------------------------------------------

RESOURCES_CASES = [
    (  # an existing block: only cpu and memory change, ephemeral-storage, order and comments stay
        "    resources:\n      limits:\n        cpu: 200m # keep me\n        ephemeral-storage: 1Gi\n"
        "      requests: {cpu: 100m}\n",
        '    resources:\n      limits:\n        cpu: "2" # keep me\n        ephemeral-storage: 1Gi\n'
        '        memory: 3Gi\n      requests: {cpu: "2", memory: 3Gi}\n',
    ),
    (  # a missing section is added whole
        "    resources:\n      limits:\n        cpu: 200m\n        memory: 384Mi\n",
        '    resources:\n      limits:\n        cpu: "2"\n        memory: 3Gi\n'
        '      requests:\n        cpu: "2"\n        memory: 3Gi\n',
    ),
    (  # nothing to edit in place: the block whole
        "    resources: {}\n",
        '    resources:\n      requests:\n        cpu: "2"\n        memory: 3Gi\n'
        '      limits:\n        cpu: "2"\n        memory: 3Gi\n',
    ),
]


@pytest.mark.parametrize(("before", "after"), RESOURCES_CASES)
def test_resources_edited_in_place(before: str, after: str) -> None:
    head = "global:\n  dagOnlyDeployment:\n    enabled: true\n"
    doc = document.load_text(head + before, "v.yaml")
    needed = {"requests": {"cpu": "2", "memory": "3Gi"}, "limits": {"cpu": "2", "memory": "3Gi"}}
    result = editing.apply_edits(doc, dagdeploy.resources_edits(doc, GEN_036, needed))
    assert result.new.text == head + after
    got = result.new.get(GEN_036.resources)
    assert {s: {k: got[s][k] for k in ("cpu", "memory")} for s in ("requests", "limits")} == needed
