"""The enable/disable plan (platform/toggle.py), the size report (platform/sizereport.py) and the status records
(platform/status.py), called without the CLI: what they decide, say and refuse, and that they write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES

from astro_config.document import reader as document
from astro_config.document.writing import WriteOptions
from astro_config.errors import ExitCode, PlatformVersionError
from astro_config.keypath import parse
from astro_config.platform import dagdeploy, sizereport, sizing, status
from astro_config.platform.profiles import GEN_036, Platform
from astro_config.platform.toggle import (
    OVERRIDES_HEADER,
    Message,
    ToggleRequest,
    ToggleStopped,
    edited_path,
    guarded_block,
    plan_toggle,
    render_overrides,
    upgrade_files,
)

SAMPLE_037 = SAMPLES / "platform-0.37.yaml"
PASSTHROUGH = SAMPLES / "passthrough-override.yaml"
THIRD_PARTY = SAMPLES / "third-party-ingress.yaml"

GLOBAL = parse("global.dagOnlyDeployment.enabled")
HOUSTON = parse("astronomer.houston.config.deployments.configureDagDeployment")
PASS_DAG_ONLY = parse("astronomer.houston.config.deployments.dagOnlyDeployment")


def copy_of(src: Path, tmp_path: Path, name: str | None = None) -> Path:
    f = tmp_path / (name or src.name)
    f.write_bytes(src.read_bytes())
    return f


# --------------------------------------------------------------------------------------------------------------
# enable / disable on one file
# --------------------------------------------------------------------------------------------------------------


def test_enable_plans_both_flags_and_writes_nothing(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    before = f.read_bytes()
    plan = plan_toggle(ToggleRequest(True, f, opts=WriteOptions(write=True)))
    assert f.read_bytes() == before  # the plan decides; the CLI writes
    assert plan.exit_code is None and plan.result is not None and plan.result.changed
    assert [e.path for e in plan.edits] == [GLOBAL, HOUSTON]
    assert plan.result.new.data["global"]["dagOnlyDeployment"]["enabled"] is True
    assert plan.messages[0].kind == ""
    assert plan.messages[0].text.startswith(f"{f}: platform layout {GEN_036.label} (inferred from global.")
    assert plan.errors == [] and plan.warnings == []
    assert plan.command == (
        f"helm upgrade astronomer astronomer/astronomer -f {f} -n astronomer "
        "--set astronomer.houston.upgradeDeployments.enabled=false"
    )
    # the version is not known from the file: say so; switching the feature on: the three steps
    assert plan.next_steps[0].kind == "note" and "add --version" in plan.next_steps[0].text
    assert plan.next_steps[-1].text == dagdeploy.NEXT_STEPS.format(command=plan.command)
    assert len(plan.next_steps) == 2  # -w: no "(nothing written ...)" line


def test_a_plan_with_nothing_written_says_so_first(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    plan = plan_toggle(ToggleRequest(True, f, platform_version="0.37.7"))
    assert [str(m) for m in plan.next_steps[:1]] == [
        "(nothing written: add -w to write in place, -o OUT for a new file, or --overrides OUT)"
    ]
    assert "--version 0.37.7" in (plan.command or "")
    assert not any("add --version" in m.text for m in plan.next_steps)


def test_check_plans_no_next_steps(tmp_path: Path) -> None:
    plan = plan_toggle(ToggleRequest(True, copy_of(SAMPLE_037, tmp_path), opts=WriteOptions(check=True)))
    assert plan.exit_code is None and plan.result is not None and plan.result.changed
    assert plan.command is None and plan.next_steps == []


def test_disable_adds_no_keys_and_says_already_disabled(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text("global:\n  baseDomain: x\n  dagOnlyDeployment:\n    repository: r\n", encoding="utf-8")
    plan = plan_toggle(ToggleRequest(False, f, platform_version="0.37.7"))
    assert plan.edits == []
    assert plan.exit_code == ExitCode.OK and plan.result is None
    assert str(plan.messages[-1]) == f"{f}: DAG-only deploys are already disabled; nothing to change"


def test_disable_after_enable_gives_back_the_bytes(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(
        "global:\n  dagOnlyDeployment:\n    enabled: false  # off\n    repository: r\n"
        "astronomer:\n  houston:\n    config:\n      deployments:\n        configureDagDeployment: false\n",
        encoding="utf-8",
    )
    before = f.read_bytes()
    on = plan_toggle(ToggleRequest(True, f))
    assert on.result is not None
    f.write_bytes(on.result.new_bytes)
    off = plan_toggle(ToggleRequest(False, f))
    assert off.result is not None and off.result.new_bytes == before
    assert off.next_steps[-1].text.startswith("Apply it: helm upgrade ")


def test_the_passthrough_switch_is_set_too(tmp_path: Path) -> None:
    f = copy_of(PASSTHROUGH, tmp_path)
    plan = plan_toggle(ToggleRequest(True, f, platform_version="1.0.0"))
    assert PASS_DAG_ONLY in [e.path for e in plan.edits]
    assert any(
        n.startswith(f"also setting {'.'.join(map(str, PASS_DAG_ONLY))} ({f}:") and "from false to true" in n
        for n in plan.notes
    ), plan.notes
    assert plan.result is not None and plan.result.new.get(PASS_DAG_ONLY) is True


@pytest.mark.parametrize(
    ("request_kwargs", "error"),
    [
        ({}, "give the values FILE to edit (or -f FILE... for a layered set)"),
        ({"file": SAMPLE_037, "target": SAMPLE_037}, "--target goes with several -f files"),
        ({"file": SAMPLE_037, "layers": (SAMPLE_037,)}, "give either FILE or a layered set with -f FILE..., not both"),
        ({"sets": ("a=1",)}, "--set needs the files it layers over: -f FILE [-f FILE...]"),
        ({"layers": (SAMPLE_037,), "target": Path("other.yaml")}, "--target other.yaml is not one of the -f files"),
    ],
)
def test_usage_errors_are_one_error_message(request_kwargs: dict[str, object], error: str) -> None:
    plan = plan_toggle(ToggleRequest(True, **request_kwargs))  # type: ignore[arg-type]
    assert plan.messages == [Message("error", error)]
    assert plan.exit_code == ExitCode.USAGE and plan.result is None


def test_an_unreadable_file_is_an_error_message(tmp_path: Path) -> None:
    plan = plan_toggle(ToggleRequest(True, tmp_path / "missing.yaml"))
    assert plan.exit_code == ExitCode.USAGE and len(plan.errors) == 1 and "missing.yaml" in plan.errors[0]


def test_an_unsafe_release_is_refused_unless_forced(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text("global:\n  dagOnlyDeployment:\n    enabled: false\n    image: x:1\n", encoding="utf-8")
    refused = plan_toggle(ToggleRequest(True, f, platform_version="0.34.1"))
    assert refused.exit_code == ExitCode.USAGE and refused.result is None
    assert refused.errors[0].startswith("refusing to enable DAG-only deploys on 0.34.1:")
    assert len(refused.messages) == 2  # the layout line came first
    forced = plan_toggle(ToggleRequest(True, f, platform_version="0.34.1", force=True))
    assert forced.exit_code is None and forced.result is not None
    # an inexact 0.34/0.35 layout is a warning, not a refusal
    inexact = plan_toggle(ToggleRequest(True, f))
    assert inexact.exit_code is None and inexact.warnings[0].startswith("the exact 0.34/0.35 release is not known")


# --------------------------------------------------------------------------------------------------------------
# layered sets: the target, the verdict on the edited set, the command
# --------------------------------------------------------------------------------------------------------------


def layers(tmp_path: Path) -> tuple[Path, Path]:
    base = copy_of(SAMPLE_037, tmp_path, "base.yaml")
    site = tmp_path / "site.yaml"
    site.write_text("global:\n  baseDomain: site.example.com\n", encoding="utf-8")
    return base, site


def test_the_last_layer_is_edited_by_default(tmp_path: Path) -> None:
    base, site = layers(tmp_path)
    plan = plan_toggle(ToggleRequest(True, layers=(base, site), platform_version="0.37.7"))
    assert plan.result is not None and plan.result.old.name == str(site)
    assert str(plan.messages[1]) == f"editing {site} (the last -f file)"
    assert f"-f {base} -f {site} " in (plan.command or "")


def test_target_picks_the_file_to_edit(tmp_path: Path) -> None:
    base, site = layers(tmp_path)
    plan = plan_toggle(ToggleRequest(True, layers=(base, site), target=base, platform_version="0.37.7"))
    assert plan.result is not None and plan.result.old.name == str(base)
    assert str(plan.messages[1]) == f"editing {base} (the --target file)"


def test_a_set_argument_that_overrides_the_edit_is_a_finding(tmp_path: Path) -> None:
    base, site = layers(tmp_path)
    plan = plan_toggle(
        ToggleRequest(True, layers=(base, site), sets=("global.dagOnlyDeployment.enabled=false",), target=base)
    )
    assert plan.exit_code == ExitCode.FINDINGS and plan.result is None
    assert plan.errors and all(e.startswith(f"{base} is overridden by --set ") for e in plan.errors), plan.errors
    assert str(plan.messages[-1]).startswith("nothing written: DAG-only deploys would not be enabled as asked")


def test_check_on_a_layered_set_judges_the_effective_set(tmp_path: Path) -> None:
    base, site = layers(tmp_path)
    plan = plan_toggle(
        ToggleRequest(
            False, layers=(base, site), sets=("global.dagOnlyDeployment.enabled=true",), opts=WriteOptions(check=True)
        )
    )
    # --set switches one on: disabling the files cannot undo it (the verdict), not "already disabled"
    assert plan.exit_code == ExitCode.FINDINGS
    already = plan_toggle(ToggleRequest(False, layers=(base, site), opts=WriteOptions(check=True)))
    assert already.exit_code == ExitCode.OK and already.result is None
    assert str(already.messages[-1]) == f"-f {base} -f {site}: Houston already reads DAG-only deploys disabled"


def test_the_set_arguments_are_repeated_in_the_command_with_secrets_hidden(tmp_path: Path) -> None:
    base, site = layers(tmp_path)
    plan = plan_toggle(ToggleRequest(True, layers=(base, site), sets=("global.password=hunter2",)))
    assert plan.command is not None and "--set 'global.password=<redacted>'" in plan.command
    assert "hunter2" not in plan.command
    shown = plan_toggle(ToggleRequest(True, layers=(base, site), sets=("global.password=hunter2",), show_secrets=True))
    assert "global.password=hunter2" in (shown.command or "")


WRITE, OUT = WriteOptions(write=True), WriteOptions(output=Path("out.yaml"))


@pytest.mark.parametrize(
    ("layered", "opts", "overrides", "files"),
    [
        (False, WriteOptions(), None, ["v.yaml"]),
        (False, WRITE, None, ["v.yaml"]),
        (False, OUT, None, ["out.yaml"]),
        (False, WriteOptions(), Path("ov.yaml"), ["v.yaml", "ov.yaml"]),
        (False, WRITE, Path("ov.yaml"), ["v.yaml"]),
        (False, OUT, Path("ov.yaml"), ["out.yaml"]),
        (True, WriteOptions(), None, ["a.yaml", "v.yaml"]),
        (True, OUT, None, ["a.yaml", "out.yaml"]),
        (True, WriteOptions(), Path("ov.yaml"), ["a.yaml", "v.yaml", "ov.yaml"]),
        (True, WRITE, Path("ov.yaml"), ["a.yaml", "v.yaml"]),
    ],
)
def test_the_files_of_the_upgrade_command(
    layered: bool, opts: WriteOptions, overrides: Path | None, files: list[str]
) -> None:
    v = Path("v.yaml")
    req = ToggleRequest(True, layers=(Path("a.yaml"), v) if layered else (), opts=opts, overrides=overrides)
    assert upgrade_files(req, v) == files


def test_overrides_hold_only_the_changed_keys(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    out = tmp_path / "ov.yaml"
    plan = plan_toggle(ToggleRequest(True, f, overrides=out, opts=WriteOptions(write=True)))
    assert plan.overrides is not None and plan.extra_files == [(out, plan.overrides)]
    assert not out.exists()
    assert plan.overrides.decode().startswith(OVERRIDES_HEADER)
    data = document.load_text(plan.overrides.decode(), "ov").data
    assert data == {
        "global": {"dagOnlyDeployment": {"enabled": True}},
        "astronomer": {"houston": {"config": {"deployments": {"configureDagDeployment": True}}}},
    }
    # written in place and as overrides: the alternative command uses the overrides over the original
    assert (
        plan.command is not None and "\n     or, with the overrides file over the unedited original: " in plan.command
    )
    assert render_overrides({}) == (OVERRIDES_HEADER + "{}\n").encode()


# --------------------------------------------------------------------------------------------------------------
# enable --upload: the need, the guard rails, the passthrough blocks
# --------------------------------------------------------------------------------------------------------------


def test_upload_sizes_the_block(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    plan = plan_toggle(ToggleRequest(True, f, upload="16MB", platform_version="0.37.7"))
    sizing_line = next(m for m in plan.messages if m.text.startswith("sizing: "))
    assert sizing_line.text.startswith("sizing: 16 MB -> 2 block(s): 2 CPU / 3Gi; ")
    assert plan.result is not None
    res = plan.result.new.get(parse("global.dagOnlyDeployment.resources"))
    assert res == {"requests": {"cpu": "2", "memory": "3Gi"}, "limits": {"cpu": "2", "memory": "3Gi"}}


def test_upload_sizes_the_passthrough_blocks_too(tmp_path: Path) -> None:
    f = copy_of(PASSTHROUGH, tmp_path)
    plan = plan_toggle(ToggleRequest(True, f, upload="16MB", platform_version="1.0.0"))
    server = "astronomer.houston.config.deployments.dagDeploy.server.resources"
    assert any(n.startswith(f"also sizing {server} ({f}:") for n in plan.notes), plan.notes
    assert plan.result is not None
    assert plan.result.new.get(parse(server)) == {
        "requests": {"cpu": "2", "memory": "3Gi"},
        "limits": {"cpu": "2", "memory": "3Gi"},
    }


def test_upload_above_the_third_party_cap_is_a_finding(tmp_path: Path) -> None:
    f = copy_of(THIRD_PARTY, tmp_path)
    plan = plan_toggle(ToggleRequest(True, f, upload="9MB", platform_version="0.37.7"))
    assert plan.exit_code == ExitCode.FINDINGS and plan.result is None
    assert plan.errors == [sizing.over_cap_message(9_000_000)]
    assert plan.warnings == [dagdeploy.BODY_SIZE_WARNING]  # said before the refusal


def test_upload_already_sufficed(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    first = plan_toggle(ToggleRequest(True, f, upload="10MB"))
    assert first.result is not None
    f.write_bytes(first.result.new_bytes)
    again = plan_toggle(ToggleRequest(True, f, upload="10MB"))
    assert again.exit_code == ExitCode.OK
    assert str(again.messages[-1]).endswith(
        "DAG-only deploys are already enabled and the DAG server's resources suffice; nothing to change"
    )


def test_resize_only_has_its_own_next_steps(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    on = plan_toggle(ToggleRequest(True, f))
    assert on.result is not None
    f.write_bytes(on.result.new_bytes)
    resized = plan_toggle(ToggleRequest(True, f, upload="40MB"))
    assert resized.next_steps[-1].text == dagdeploy.RESIZE_NEXT_STEPS.format(command=resized.command)


def test_a_bad_upload_is_an_error_after_the_notes(tmp_path: Path) -> None:
    plan = plan_toggle(ToggleRequest(True, copy_of(SAMPLE_037, tmp_path), upload="12XB"))
    assert plan.exit_code == ExitCode.USAGE and len(plan.errors) == 1
    assert plan.messages[0].kind == "" and plan.messages[-1].kind == "error"


def test_guarded_block_refuses_above_the_ceiling_unless_forced() -> None:
    needed = sizing.size_for_upload(300 * sizing.MB, "bundled")
    assert needed.over_ceiling
    with pytest.raises(ToggleStopped) as e:
        guarded_block(needed, None, GEN_036, exact=False, force=False)
    assert e.value.exit_code == ExitCode.USAGE and str(e.value) == sizing.ceiling_message(needed)
    block, messages = guarded_block(needed, None, GEN_036, exact=False, force=True)
    assert block == needed.resources()
    assert messages[0].kind == "warning" and messages[0].text.startswith("--force: ")
    assert "--force writes it anyway" not in messages[0].text


def test_guarded_block_keeps_larger_values_unless_exact() -> None:
    needed = sizing.size_for_upload(10 * sizing.MB, "bundled")  # 1 CPU / 1536Mi
    current = {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}}
    kept, notes = guarded_block(needed, current, GEN_036, exact=False, force=False)
    assert kept == current and notes and all(m.kind == "note" for m in notes)
    exact, lowered = guarded_block(needed, current, GEN_036, exact=True, force=False)
    assert exact == needed.resources()
    assert lowered and all(m.text.startswith("--exact: ") for m in lowered)


# --------------------------------------------------------------------------------------------------------------
# size and status records
# --------------------------------------------------------------------------------------------------------------


def test_size_report_without_values() -> None:
    report = sizereport.size_report("16MB", None, None, "auto", None)
    rec = report.record
    assert report.warnings == [] and "current" not in rec
    assert (rec["blocks"], rec["ingress"]) == (2, "bundled")
    assert rec["ingress_reason"].startswith("no values file: bundled assumed")
    assert sizereport.size_verdict(rec, force=False) == (ExitCode.OK, None)
    assert "resources:\n" in sizereport.size_text(rec) and sizereport.size_yaml(rec).startswith("resources:\n")


def test_size_report_with_third_party_values() -> None:
    doc = document.load_file(THIRD_PARTY)
    report = sizereport.size_report("9MB", None, doc, "auto", "0.37.7")
    assert report.warnings == [dagdeploy.BODY_SIZE_WARNING]
    rec = report.record
    assert rec["over_cap"] and rec["current"]["file"] == str(THIRD_PARTY)
    code, line = sizereport.size_verdict(rec, force=False)
    assert code == ExitCode.FINDINGS and line == f"error: {sizing.over_cap_message(9_000_000)}"
    assert sizereport.size_yaml(rec).startswith("# ")


def test_size_verdict_above_the_ceiling() -> None:
    rec = sizereport.size_report("300MB", None, None, "bundled", None).record
    assert rec["ingress_reason"] == "--ingress bundled"
    code, line = sizereport.size_verdict(rec, force=False)
    assert code == ExitCode.USAGE and line is not None and line.startswith("error: ")
    code, line = sizereport.size_verdict(rec, force=True)
    assert code == ExitCode.OK and line is not None and line.startswith("warning: --force: ")


@pytest.mark.parametrize(
    ("upload", "dags_dir", "ingress", "error"),
    [
        ("1MB", Path("d"), "auto", "give one of --upload and --dags-dir, not both"),
        (None, None, "auto", "give --upload SIZE or --dags-dir DIR"),
        ("1MB", None, "nginx", "--ingress must be auto, bundled or third-party, not 'nginx'"),
    ],
)
def test_size_usage_errors(upload: str | None, dags_dir: Path | None, ingress: str, error: str) -> None:
    with pytest.raises(Exception) as e:
        sizereport.size_report(upload, dags_dir, None, ingress, None)
    assert str(e.value) == error and getattr(e.value, "exit_code", None) == ExitCode.USAGE


def test_status_records_and_the_worst_code(tmp_path: Path) -> None:
    good = status.status_of_file(SAMPLE_037, None)
    half = status.status_of_file(SAMPLES / "half-enabled.yaml", None)
    bad = status.status_of_file(tmp_path / "missing.yaml", None)
    assert good["agree"] and good["_fix"] is None
    assert not half["agree"] and "Fix: astro-config dag-deploy enable" in half["_fix"]
    assert bad["_code"] == ExitCode.USAGE and bad["_line"] == f"error: {bad['file']}: {bad['error']}"
    assert status.worst([good]) == 0 and status.worst([good, half]) == 1 and status.worst([half, bad]) == 2
    out = status.status_json([good, bad], {"name": "t", "version": "0"})
    assert out["tool"] == {"name": "t", "version": "0"} and "fix" in out["files"][0] and "fix" not in out["files"][1]
    assert not any(k.startswith("_") for f in out["files"] for k in f)
    text = status.status_texts([good, bad, half])
    assert text.startswith(f"{SAMPLE_037}\n") and status.HALF_TEXT in text and str(tmp_path) not in text


def test_the_edited_path_is_what_the_lock_holds() -> None:
    a, b = Path("a.yaml"), Path("b.yaml")
    assert edited_path(ToggleRequest(True, a)) == a
    assert edited_path(ToggleRequest(True, layers=(a, b))) == b
    assert edited_path(ToggleRequest(True, layers=(a, b), target=a)) == a
    assert edited_path(ToggleRequest(True)) is None


# --------------------------------------------------------------------------------------------------------------
# the platform check (the seam for checking a declared version against the file's keys)
# --------------------------------------------------------------------------------------------------------------


def refuse(view: dagdeploy.ValuesView, platform: Platform, version: str | None) -> Platform:
    raise PlatformVersionError(f"{view.name}: keys of another layout than {version}")


def relabel(view: dagdeploy.ValuesView, platform: Platform, version: str | None) -> Platform:
    return platform._replace(decided_by=f"{version} checked against {Path(view.name).name}")


def test_the_platform_check_can_refuse_or_relabel(tmp_path: Path) -> None:
    f = copy_of(SAMPLE_037, tmp_path)
    refused = plan_toggle(ToggleRequest(True, f, platform_version="2.1.0", check_platform=refuse))
    assert refused.messages == [Message("error", f"{f}: keys of another layout than 2.1.0")]
    assert refused.exit_code == ExitCode.USAGE and refused.result is None
    relabelled = plan_toggle(ToggleRequest(True, f, platform_version="0.37.7", check_platform=relabel))
    assert str(relabelled.messages[0]).endswith("(0.37.7 checked against platform-0.37.yaml)")
    bad = status.status_of_file(f, "2.1.0", refuse)
    assert bad["_code"] == ExitCode.USAGE and bad["error"] == "keys of another layout than 2.1.0"
    relabelled_status = status.status_of_file(f"{f}@0.37.5", "0.37.7", relabel)
    assert relabelled_status["layout"]["decided_by"] == "0.37.5 checked against platform-0.37.yaml"  # FILE@VERSION
    with pytest.raises(PlatformVersionError):
        sizereport.size_report("1MB", None, document.load_file(f), "auto", "2.1.0", check=refuse)
    # no values: nothing to check
    assert sizereport.size_report("1MB", None, None, "auto", "2.1.0", check=refuse).record["blocks"] == 1
