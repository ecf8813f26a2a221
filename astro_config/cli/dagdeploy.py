"""``astro-config dag-deploy``: status, enable, disable and size (a Typer sub-app)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from astro_config.cli.options import (
    BackupOpt,
    ChartValuesOpt,
    CheckOpt,
    DagsDirOpt,
    DiffFileOpt,
    ForceLayoutOpt,
    OutputOpt,
    PlatformOpt,
    SetOpt,
    SetStringOpt,
    ShowSecretsOpt,
    UploadOpt,
    ValuesFilesOpt,
    WriteOpt,
    edit_lock,
    err,
    fail,
    finish_edit,
    handle_errors,
    layered_from_options,
    progress_bar,
    write_options,
)
from astro_config.errors import ExitCode

if TYPE_CHECKING:
    from collections.abc import Mapping

    from astro_config.document.editing import SetValue
    from astro_config.document.reader import ValuesDocument
    from astro_config.document.writing import WriteOptions
    from astro_config.helm.layered import LayeredDocument
    from astro_config.platform.bundle import BundleReport
    from astro_config.platform.dagdeploy import Flag, State, ValuesView
    from astro_config.platform.houston import Fact
    from astro_config.platform.profiles import Generation, Platform
    from astro_config.platform.sizing import Sizing

# lazy imports: start-up. The core and rarely needed libraries are imported inside the command (or error
# path) that needs them: --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).

app = typer.Typer(
    name="dag-deploy",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    help=(
        "DAG-only deploys: show the state, switch both settings on or off together, size the DAG server.\n\n"
        "The platform release decides which keys the chart reads (0.34-0.35, 0.36-1.x, 2.x); give it with "
        "--platform-version (or ASTRO_PLATFORM_VERSION), or let astro-config infer it from the file."
    ),
)

ReleaseOpt = Annotated[str, typer.Option("--release", help="Helm release name for the printed command.")]
NamespaceOpt = Annotated[str, typer.Option("--namespace", "-n", help="Namespace for the printed command.")]
OverridesOpt = Annotated[
    Path | None,
    typer.Option(
        "--overrides",
        help="Also write a minimal values file with only the changed keys, to pass as an extra -f after FILE.",
        metavar="OUT",
    ),
]
IngressOpt = Annotated[
    str,
    typer.Option(
        "--ingress",
        help="auto (from the values file; bundled without one), bundled or third-party.",
        metavar="auto|bundled|third-party",
    ),
]


def _platform(version: str | None, doc: ValuesView, force: bool = False) -> Platform:
    import os

    from astro_config.platform.evidence import check_declared
    from astro_config.platform.profiles import resolve_platform

    # a declared version against a file of another layout: exit 2 unless --force (platform/evidence.py)
    return check_declared(doc, resolve_platform(version, doc.data, doc.name), version, sys.argv, os.environ, force)


# --------------------------------------------------------------------------------------------------------
# status
# --------------------------------------------------------------------------------------------------------


def _fmt_resources(res: Any) -> str:
    """``requests 100m CPU / 384Mi, limits 1 CPU / 1536Mi`` (other keys named after)."""
    if not isinstance(res, dict) or not res:
        return "none"
    parts = []
    for kind in ("requests", "limits"):
        block = res.get(kind)
        if isinstance(block, dict) and block:
            cpu, memory = block.get("cpu"), block.get("memory")
            inner = " / ".join(x for x in (f"{cpu} CPU" if cpu is not None else "", str(memory or "")) if x)
            others = [k for k in block if k not in ("cpu", "memory")]
            if others:
                inner += " (+ " + ", ".join(others) + ")"
            parts.append(f"{kind} {inner}")
    other = [k for k in res if k not in ("requests", "limits")]
    if other:
        parts.append("also " + ", ".join(other))
    return ", ".join(parts) if parts else "none"


def _status_record(doc: ValuesView, version: str | None, force: bool = False) -> dict[str, Any]:
    from astro_config.keypath import format_path
    from astro_config.platform import dagdeploy, sizing
    from astro_config.platform.profiles import format_version, unsafe_release

    platform = _platform(version, doc, force)
    state = dagdeploy.read_state(doc, platform)
    allowance = sizing.allowed_upload(state.resources, state.ingress)
    gen = platform.generation

    def flag(f: Flag) -> dict[str, Any]:
        return {
            "key": format_path(f.path),
            "set": f.is_set,
            "value": f.value if f.is_set else None,
            "line": f.line,
            "text": f.describe(doc.name),
        }

    fix_release = unsafe_release(platform.version) if platform.exact_version else None
    return {
        "file": doc.name,
        "layout": {
            "generation": gen.id,
            "label": gen.label,
            "decided_by": platform.decided_by,
            "platform_version": platform.version_text,
        },
        "global_flag": flag(state.global_flag),
        "houston_flag": flag(state.houston_flag),
        "state": state.summary,
        "agree": state.agree,
        "resources": state.resources,
        "resources_source": state.resources_source,
        "ingress": {"mode": state.ingress, "reason": state.ingress_reason},
        "max_upload_bytes": allowance.max_upload_bytes,
        "allowance": allowance.to_dict(),
        "image": state.image,
        "wrong_generation_keys": [
            {"key": format_path(w.path), "line": w.line, "where": w.where, "explanation": w.explanation}
            for w in state.wrong_keys
        ],
        "unsafe_release": (
            {"version": format_version(platform.version), "fixed_in": fix_release}
            if fix_release and platform.version is not None
            else None
        ),
        "ingress_nginx_without_body_size": state.ingress_nginx_without_body_size,
        "houston": _houston_record(state),
        "_fix": _fix_text(state, platform, doc.name),
    }


def _houston_record(state: State) -> dict[str, Any]:
    """What Houston reads (its effective config: built-in defaults, chart-generated, passthrough), each key
    with the layer, values key and FILE:LINE that set it, and the chart value a passthrough key overrides."""
    h = state.houston
    assert h is not None  # read_state always sets it
    return {
        "state": h.summary,
        "reads": {name: fact.to_dict() for name, fact in h.facts.items()},
        "overrides": [f.to_dict() for f in h.overrides()],
    }


def _half_text(rec: dict[str, Any]) -> str:
    return "HALF-ENABLED: Houston's two switches disagree"


def _houston_rows(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """``houston`` rows of the status text: the two switches as Houston reads them, then every other key a
    passthrough value overrides."""
    from astro_config.platform.houston import show_value

    h = rec["houston"]
    rows = []
    for name in ("dag_only", "configure"):
        fact = h["reads"][name]
        rows.append(("houston reads", f"{fact['key']} = {show_value(fact['value'])} {fact['text']}"))
    for fact in h["overrides"]:
        if fact["key"] in (h["reads"]["dag_only"]["key"], h["reads"]["configure"]["key"]):
            continue
        rows.append(("override", f"{fact['key']} = {show_value(fact['value'])} {fact['text']}"))
    return rows


def _fix_text(state: State, platform: Platform, file: str) -> str | None:
    if state.agree:
        return None
    from astro_config.keypath import format_path

    version = f" --platform-version {platform.version_text}" if platform.version_text else ""
    h = state.houston
    assert h is not None  # read_state always sets it
    on, off = (h.fact("dag_only"), h.fact("configure")) if h.dag_only_on else (h.fact("configure"), h.fact("dag_only"))
    return (
        f"Houston reads {format_path(on.key)} on but {format_path(off.key)} off, so the feature is "
        f"half-configured (the Astro CLI refuses DAG deploys). "
        f"Fix: astro-config dag-deploy enable {file}{version} -w   (or `disable` to switch both off)"
    )


def _status_text(rec: dict[str, Any]) -> str:
    from astro_config.platform.sizing import format_bytes

    lines = [rec["file"]]
    layout = rec["layout"]

    def row(label: str, text: str) -> None:
        lines.append(f"  {label:<13} {text}")

    row("layout", f"{layout['label']} ({layout['decided_by']})")
    row("global flag", f"{rec['global_flag']['key']} = {rec['global_flag']['text']}")
    row("houston flag", f"{rec['houston_flag']['key']} = {rec['houston_flag']['text']}")
    for label, text in _houston_rows(rec):
        row(label, text)
    state = rec["state"]
    both = "on" if state == "enabled" else "off"
    row("state", f"{state} (Houston reads both switches {both})" if rec["agree"] else _half_text(rec))
    row("resources", f"{_fmt_resources(rec['resources'])}; from {rec['resources_source']}")
    mode = "bundled nginx" if rec["ingress"]["mode"] == "bundled" else "third-party ingress controller"
    row("ingress", f"{mode}; {rec['ingress']['reason']}")
    allowance = rec["allowance"]
    if rec["max_upload_bytes"]:
        row("max upload", f"{format_bytes(rec['max_upload_bytes'])} compressed per deploy: {allowance['explanation']}")
    else:
        row("max upload", f"none guaranteed: {allowance['explanation']}")
    if rec["image"]:
        row("image", rec["image"])
    for w in rec["wrong_generation_keys"]:
        where = f" ({w['where']})" if w.get("where") else ""
        row("ignored key", f"{w['key']}{where}: {w['explanation']}; it does nothing")
    if rec["unsafe_release"]:
        u = rec["unsafe_release"]
        row(
            "unsafe",
            f"{u['version']} is a release on which DAG-only deploys must not be enabled (DAG servers reachable "
            f"from other namespaces); upgrade to {u['fixed_in']} or later",
        )
    if rec["ingress_nginx_without_body_size"]:
        row(
            "warning",
            "ingress-nginx without global.extraAnnotations nginx.ingress.kubernetes.io/proxy-body-size: "
            "uploads above 1 MB get HTTP 413",
        )
    if rec["_fix"]:
        row("fix", rec["_fix"])
    return "\n".join(lines) + "\n"


@app.command("status")
def status_cmd(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Values files, each on its own (- is standard input; FILE@VERSION: that file's platform release).",
            show_default=False,
        ),
    ] = None,
    layers: ValuesFilesOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    chart_values: ChartValuesOpt = None,
    platform_version: PlatformOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.", metavar="text|json")] = "text",
    force: ForceLayoutOpt = False,
) -> None:
    """Show, per file: the layout, both flags (value and FILE:LINE), whether they agree, the effective resources,
    the ingress mode and the largest compressed DAG upload those allow. Half-enabled: exit 1, with the fix.

    Several files are reported each on its own, the layout of each inferred from its own keys (or given as
    FILE@VERSION); a file that cannot be read is an error line and the others go on. The exit code is the
    worst: 2 an unusable file, 1 half-enabled, 0 fine.

    With -f FILE (repeated) and --set, shows the effective values of that layered set, as Helm merges it, with
    each value's FILE:LINE taken from the layer that set it."""
    if fmt not in ("text", "json"):
        fail(f"--format must be text or json, not {fmt!r}")
    with handle_errors():
        records = [_status_of_file(f, platform_version, force) for f in files or []]
        if layers or sets or set_strings:
            ld = layered_from_options(layers, sets, set_strings, chart_values)
            records.append(_status_record(ld, platform_version, force))
        if not records:
            fail("give a values FILE, or a layered set with -f FILE [-f FILE...] [--set ...]")
        code = _worst(records)
        if fmt == "json":
            out: dict[str, Any] = {"files": [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]}
            for r, o in zip(records, out["files"], strict=True):
                if "error" not in r:
                    o["fix"] = r["_fix"]
            out["tool"] = _tool()
            sys.stdout.write(json.dumps(out, indent=2, default=str) + "\n")
        else:
            sys.stdout.write("\n".join(_status_text(r) for r in records if "error" not in r))
        raise typer.Exit(code)


# ------------------------------------------------------------------------------------ status: several files


def _tool() -> dict[str, str]:
    from astro_config import __version__

    return {"name": "astro-config", "version": __version__}


def _status_of_file(arg: Path, platform_version: str | None, force: bool = False) -> dict[str, Any]:
    """One file's status record; a file that cannot be read or placed is an error record (``error``, ``_code``)
    and the other files go on. ``FILE@VERSION`` gives that file its own platform release."""
    from astro_config.document import reader as document
    from astro_config.errors import AstroConfigError
    from astro_config.platform.fileversion import split_file_version

    name, version = split_file_version(str(arg))
    try:
        doc = document.load_file(name)
        return _status_record(doc, version or platform_version, force)
    except AstroConfigError as e:
        err(f"error: {e}")
        shown = document.display_name(name)
        message = str(e).removeprefix(f"{shown}: ")
        return {"file": shown, "error": message, "_code": int(e.exit_code)}


def _worst(records: list[dict[str, Any]]) -> int:
    """The exit code of several status records: an unusable file (2) over half-enabled (1) over fine (0)."""
    codes = [r["_code"] if "error" in r else (ExitCode.OK if r["agree"] else ExitCode.FINDINGS) for r in records]
    return int(max(codes))


# --------------------------------------------------------------------------------------------------------
# enable / disable
# --------------------------------------------------------------------------------------------------------


def _render_overrides(data: dict[str, Any]) -> bytes:
    from astro_config.document.render import Style, render_block

    header = "# Overrides written by astro-config: pass this file as an extra -f after the original values file.\n"
    body = "\n".join(render_block(data, 0, Style(2, 2))) + "\n" if data else "{}\n"
    return (header + body).encode("utf-8")


def _resolve_ingress(choice: str, state_ingress: str | None) -> str:
    if choice == "auto":
        return state_ingress or "bundled"
    if choice in ("bundled", "third-party"):
        return choice
    fail(f"--ingress must be auto, bundled or third-party, not {choice!r}")


def _measure_upload(upload: str | None, dags_dir: Path | None) -> tuple[int, BundleReport | None]:
    """Bytes of the target upload, and the bundle report when a folder was measured."""
    from astro_config.platform import sizing

    if upload is not None and dags_dir is not None:
        fail("give one of --upload and --dags-dir, not both")
    if upload is not None:
        return sizing.parse_size(upload), None
    if dags_dir is None:
        fail("give --upload SIZE or --dags-dir DIR")
    from astro_config.platform import bundle

    bar = progress_bar("measuring dags", min_total=20 * 1024 * 1024) if sys.stderr.isatty() else None
    try:
        report = bundle.measure(dags_dir, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return int(report.compressed_bytes), report


def _toggle(
    on: bool,
    file: Path | None,
    layers: list[Path] | None,
    target: Path | None,
    set_args: tuple[list[str] | None, list[str] | None],
    platform_version: str | None,
    force: bool,
    upload: str | None,
    dags_dir: Path | None,
    ingress_choice: str,
    opts: WriteOptions,
    overrides: Path | None,
    release: str,
    namespace: str,
    show_secrets: bool,
    exact: bool = False,
) -> int:
    from astro_config.document import editing
    from astro_config.document import reader as document
    from astro_config.keypath import format_path
    from astro_config.platform import dagdeploy
    from astro_config.platform.profiles import format_version, unsafe_release

    layered: LayeredDocument | None = None
    if layers or set_args[0] or set_args[1]:
        if file is not None:
            fail("give either FILE or a layered set with -f FILE..., not both")
        if not layers:
            fail("--set needs the files it layers over: -f FILE [-f FILE...]")
        layered = layered_from_options(layers, set_args[0], set_args[1], show_secrets=show_secrets)
        chosen = target if target is not None else layers[-1]
        matches = [d for d, p in zip(layered.docs, layers, strict=True) if Path(p) == Path(chosen)]
        if not matches:
            fail(f"--target {chosen} is not one of the -f files")
        doc = matches[-1]
        file = Path(chosen)
        view: ValuesView = layered
    else:
        if file is None:
            fail("give the values FILE to edit (or -f FILE... for a layered set)")
        if target is not None:
            fail("--target goes with several -f files")
        doc = document.load_file(file)
        view = doc
    platform = _platform(platform_version, view, force)
    gen = platform.generation
    err(f"{view.name}: platform layout {gen.label} ({platform.decided_by})")
    if layered is not None:
        err(f"editing {doc.name} (the {'--target' if target else 'last -f'} file)")
    if on:
        fixed = unsafe_release(platform.version) if platform.exact_version else None
        if fixed and not force:
            assert platform.version is not None
            fail(
                f"refusing to enable DAG-only deploys on {format_version(platform.version)}: on 0.34.0-0.34.2 and "
                f"0.35.0 the DAG servers are reachable from other namespaces; upgrade to {fixed} or later "
                "(or pass --force if you accept the risk)"
            )
        if gen.id == "0.34" and not platform.exact_version:
            err(
                "warning: the exact 0.34/0.35 release is not known; do not enable on 0.34.0-0.34.2 or 0.35.0 "
                "(give --platform-version X.Y.Z to have it checked)"
            )
    state = dagdeploy.read_state(view, platform)
    for w in state.wrong_keys:
        where = f" ({w.where})" if w.where else ""
        err(f"note: {format_path(w.path)}{where} is ignored by this release: {w.explanation}; it does nothing")
    if on and state.ingress_nginx_without_body_size:
        err(f"warning: {BODY_SIZE_WARNING}")
    was_enabled = on and state.summary == "enabled"
    if opts.check and layered is not None and _layered_check(layered, platform, on):
        return ExitCode.OK
    edits = dagdeploy.toggle_edits(gen, on)
    if not on:
        # an unset flag already means false: disabling does not add keys (in a set: unset in every layer)
        edits = [e for e in edits if view.get(e.path) is not document.MISSING]
    edits += _houston_switch_edits(doc, platform, on, view)
    needed: Sizing | None = None
    if on and (upload is not None or dags_dir is not None):
        from astro_config.platform import sizing

        upload_bytes, report = _measure_upload(upload, dags_dir)
        for note in report.notes if report is not None else ():
            err(f"note: {note}")
        ingress = _resolve_ingress(ingress_choice, state.ingress)
        needed = sizing.size_for_upload(upload_bytes, ingress)
        if needed.over_cap:
            fail(sizing.over_cap_message(upload_bytes), ExitCode.FINDINGS)
        err(
            f"sizing: {sizing.format_bytes(upload_bytes)} -> {needed.blocks} block(s): "
            f"{needed.resources()['requests']['cpu']} CPU / {needed.resources()['requests']['memory']}; "
            f"{sizing.SHARED_RESOURCES_NOTE}"
        )
        block = guarded_block(needed, state.resources, gen, exact, force)
        edits += _houston_sizing_edits(doc, platform, block, view)
    result = editing.apply_edits(doc, edits)
    if _houston_verdict(layered, doc, result.new.text, platform, on, needed):
        return ExitCode.FINDINGS
    if not result.changed:
        sized = " and the DAG server's resources suffice" if on and (upload or dags_dir) else ""
        err(f"{doc.name}: DAG-only deploys are already {'enabled' if on else 'disabled'}{sized}; nothing to change")
        return ExitCode.OK
    extra: list[tuple[Path, bytes]] = []
    if overrides is not None:
        extra.append((overrides, _render_overrides(dagdeploy.overrides_data(doc.data, result.new.data))))
    code = finish_edit(result, opts, show_secrets, extra_files=extra)
    if opts.check:
        return code
    version = platform.version_text if platform.exact_version else None
    assert file is not None
    edited = str(opts.output) if opts.output is not None else str(file)
    if layered is not None:
        files = [edited if Path(p) == Path(file) else str(p) for p in (layers or [])]
        if overrides is not None and not opts.write and opts.output is None:
            files = [*files, str(overrides)]
    elif opts.output is not None:
        files = [edited]
    elif overrides is not None and not opts.write:
        files = [str(file), str(overrides)]
    else:
        files = [str(file)]
    extra_sets = [(a.flag, layered.shown(a.text)) for a in layered.set_args] if layered is not None else []
    command = dagdeploy.helm_upgrade_command(files, release, namespace, version, extra_sets)
    if overrides is not None and (opts.write or opts.output is not None):
        alternative = dagdeploy.helm_upgrade_command([str(file), str(overrides)], release, namespace, version)
        command += f"\n     or, with the overrides file over the unedited original: {alternative}"
    if not opts.write and not opts.output and overrides is None:
        err("(nothing written: add -w to write in place, -o OUT for a new file, or --overrides OUT)")
    if version is None:
        err("note: add --version <your platform release> to the command below (the exact release is not known)")
    if on and was_enabled:  # only the resources changed: nothing to switch in the Deployments
        err(RESIZE_NEXT_STEPS.format(command=command))
    elif on:
        err(dagdeploy.NEXT_STEPS.format(command=command))
    else:
        err(f"Apply it: {command}")
    return code


# ------------------------------------------------------------------------------ enable: sizing guard rails

BODY_SIZE_WARNING = (
    "the values show ingress-nginx as the third-party controller without a "
    "nginx.ingress.kubernetes.io/proxy-body-size annotation in global.extraAnnotations: uploads above 1 MB "
    'will get HTTP 413 (set it, e.g. to "0")'
)
RESIZE_NEXT_STEPS = (
    "Next steps:\n"
    "  1. Apply it: {command}\n"
    "     (--set astronomer.houston.upgradeDeployments.enabled=false keeps every Airflow Deployment from "
    "restarting)\n"
    "  DAG-only deploys were already on: only the DAG server's resources change; Deployments already on "
    '"DAG Only Deployment" keep their DAGs, nothing to switch or redeploy.'
)


def guarded_block(
    needed: Sizing, current: dict[str, Any] | None, gen: Generation, exact: bool, force: bool
) -> dict[str, dict[str, Any]]:
    """The resource block ``enable`` writes for ``needed``: refused above the ceiling unless ``force``; the
    current values where they are larger unless ``exact`` (each kept value said on stderr)."""
    from astro_config.keypath import format_path
    from astro_config.platform import sizing

    if needed.over_ceiling:
        if not force:
            fail(sizing.ceiling_message(needed))
        err(f"warning: --force: {sizing.ceiling_message(needed).replace('; --force writes it anyway', '')}")
    prefix = format_path(gen.resources)
    if exact:
        above = sizing.above_need(current, needed, prefix=prefix)
        for line in above:
            err(f"note: --exact: {line}: lowered to the computed size")
        return {side: dict(amounts) for side, amounts in needed.resources().items()}
    kept = sizing.keep_larger(current, needed, prefix=prefix)
    for line in (*kept.kept, *kept.raised_limits):
        err(f"note: {line}")
    return kept.resources


# --------------------------------------------------------------------------------------------------------
# What Houston reads: the passthrough keys an edit must also set, and the verdict on the edited set
# --------------------------------------------------------------------------------------------------------


def _houston_switch_edits(doc: ValuesDocument, platform: Platform, on: bool, view: ValuesView) -> list[SetValue]:
    """Passthrough switches that contradict ``on``: set them too (never deleted), and say so."""
    from astro_config.keypath import format_path
    from astro_config.platform import dagdeploy

    out = []
    for h in dagdeploy.houston_switch_edits(doc, platform, on, view):
        where = f" ({h.where})" if h.where else ""
        err(
            f"note: also setting {format_path(h.edit.path)}{where} from {dagdeploy.yaml_scalar(h.old)} to "
            f"{dagdeploy.yaml_scalar(on)}{'' if view is doc else f' in {doc.name}'}: {h.reason}, so without it "
            f"Houston would keep DAG-only deploys {'off' if on else 'on'}"
        )
        out.append(h.edit)
    return out


def _houston_sizing_edits(
    doc: ValuesDocument, platform: Platform, resources: Mapping[str, Mapping[str, Any]], view: ValuesView
) -> list[SetValue]:
    """The global block, and the passthrough server/client blocks Houston reads over it, sized alike (a block
    set in another layer of the set is written into the edited file too, where it wins if that file is later)."""
    from astro_config.keypath import format_path
    from astro_config.platform import dagdeploy, houston

    edits, blocks = dagdeploy.houston_resources_edits(doc, platform, resources, view)
    for block in blocks:
        where = houston.where_of(view, block)
        err(
            f"note: also sizing {format_path(block)}{f' ({where})' if where else ''}: Houston reads it over "
            f"the global block"
        )
    return edits


def _overridden_text(fact: Fact, target: str) -> str:
    from astro_config.keypath import format_path
    from astro_config.platform import dagdeploy, houston

    w = fact.winner
    by = (w.where or w.describe()) if w is not None else "nothing"
    value = None if fact.value is houston.MISSING else fact.value
    return (
        f"{target} is overridden by {by}: Houston would read {format_path(fact.key)} = "
        f"{dagdeploy.yaml_scalar(value)} {fact.source_text()}"
    )


def _houston_verdict(
    layered: LayeredDocument | None,
    doc: ValuesDocument,
    new_text: str,
    platform: Platform,
    on: bool,
    needed: Sizing | None,
) -> bool:
    """After the edit, does Houston read what was asked (both switches, and resources for the upload)? Print
    why not (naming the key, the layer or --set and where) and return True when it does not: nothing is
    written then, exit 1."""
    from astro_config.document import reader as document
    from astro_config.platform import dagdeploy

    if layered is not None:
        from astro_config.helm import layered as layered_mod

        after: Any = layered_mod.reparse_with(layered, doc, new_text)
    else:
        after = document.load_text(new_text, doc.name)
    problems = [_overridden_text(f, doc.name) for f in dagdeploy.asked_state_problems(after, platform, on)]
    if needed is not None and not problems:
        from astro_config.platform import sizing  # only when sizing (start-up: tests/cli/test_imports.py)

        state = dagdeploy.read_state(after, platform)
        ok, reasons = sizing.check_resources(state.resources, needed)
        if not ok:
            problems.append(
                f"Houston would give the DAG server {_fmt_resources(state.resources)} from "
                f"{state.resources_source}: {'; '.join(reasons)}"
            )
    if not problems:
        return False
    for p in problems:
        err(f"error: {p}")
    hint = "change it there too, or edit that file with --target" if layered is not None else "fix it by hand"
    err(f"nothing written: DAG-only deploys would not be {'enabled' if on else 'disabled'} as asked ({hint})")
    return True


def _layered_check(layered: LayeredDocument, platform: Platform, on: bool) -> bool:
    """``--check`` on a layered set judges the effective set: True (exit 0) when Houston already reads the
    asked state."""
    from astro_config.platform import dagdeploy

    problems = dagdeploy.asked_state_problems(layered, platform, on)
    if problems:
        return False
    err(f"{layered.name}: Houston already reads DAG-only deploys {'enabled' if on else 'disabled'}")
    return True


ExactOpt = Annotated[
    bool,
    typer.Option(
        "--exact",
        help="With --upload/--dags-dir: write the computed size even where the current resources are larger.",
    ),
]
TargetOpt = Annotated[
    Path | None,
    typer.Option("--target", help="With several -f: the file to edit (default: the last -f).", metavar="FILE"),
]


@app.command("enable")
def enable_cmd(
    file: Annotated[Path | None, typer.Argument(help="The platform values file.", show_default=False)] = None,
    layers: ValuesFilesOpt = None,
    target: TargetOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    platform_version: PlatformOpt = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Enable even on releases the docs call unsafe, or with resources above the ceiling; write even a "
            "read-only file; go on with a file of another layout than the declared platform version.",
        ),
    ] = False,
    upload: UploadOpt = None,
    dags_dir: DagsDirOpt = None,
    ingress: IngressOpt = "auto",
    exact: ExactOpt = False,
    write: WriteOpt = False,
    backup: BackupOpt = False,
    output: OutputOpt = None,
    diff_file: DiffFileOpt = None,
    check: CheckOpt = False,
    overrides: OverridesOpt = None,
    release: ReleaseOpt = "astronomer",
    namespace: NamespaceOpt = "astronomer",
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Switch DAG-only deploys on: set the chart's global flag and Houston's configureDagDeployment to true at
    the paths of the platform's layout (creating missing parents, touching nothing else). With --upload or
    --dags-dir, also write the DAG server's resource block (requests and limits)."""
    with handle_errors():
        opts = write_options(write, backup, output, diff_file, check, force)
        with edit_lock(opts, _edited_file(file, layers, target)):
            code = _toggle(
                True, file, layers, target, (sets, set_strings), platform_version, force, upload, dags_dir, ingress,
                opts, overrides, release, namespace, show_secrets, exact=exact,
            )  # fmt: skip
        raise typer.Exit(code)


@app.command("disable")
def disable_cmd(
    file: Annotated[Path | None, typer.Argument(help="The platform values file.", show_default=False)] = None,
    layers: ValuesFilesOpt = None,
    target: TargetOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    platform_version: PlatformOpt = None,
    write: WriteOpt = False,
    backup: BackupOpt = False,
    output: OutputOpt = None,
    diff_file: DiffFileOpt = None,
    check: CheckOpt = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write even a read-only file; go on with a file of another layout than the declared platform version.",
        ),
    ] = False,
    overrides: OverridesOpt = None,
    release: ReleaseOpt = "astronomer",
    namespace: NamespaceOpt = "astronomer",
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Switch DAG-only deploys off: set both flags to false (resources are left alone)."""
    with handle_errors():
        opts = write_options(write, backup, output, diff_file, check, force)
        with edit_lock(opts, _edited_file(file, layers, target)):
            code = _toggle(
                False, file, layers, target, (sets, set_strings), platform_version, force, None, None, "auto",
                opts, overrides, release, namespace, show_secrets,
            )  # fmt: skip
        raise typer.Exit(code)


def _edited_file(file: Path | None, layers: list[Path] | None, target: Path | None) -> Path | None:
    """The file an enable/disable edits: FILE, or --target, or the last -f."""
    if file is not None:
        return file
    return target if target is not None else (layers[-1] if layers else None)


# --------------------------------------------------------------------------------------------------------
# size
# --------------------------------------------------------------------------------------------------------


def _size_record(
    upload: str | None,
    dags_dir: Path | None,
    values: list[Path] | None,
    sets: list[str] | None,
    set_strings: list[str] | None,
    ingress_choice: str,
    version: str | None,
    force: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    from astro_config.platform import sizing

    warnings: list[str] = []
    state = None
    if values or sets or set_strings:  # (the values machinery is imported only when there are values)
        from astro_config.document import reader as document
        from astro_config.platform import dagdeploy

        if values and len(values) == 1 and not sets and not set_strings:
            doc: ValuesView = document.load_file(values[0])
        else:
            doc = layered_from_options(values, sets, set_strings)
        state = dagdeploy.read_state(doc, _platform(version, doc, force))
    upload_bytes, report = _measure_upload(upload, dags_dir)
    ingress = _resolve_ingress(ingress_choice, state.ingress if state else None)
    needed = sizing.size_for_upload(upload_bytes, ingress)
    rec: dict[str, Any] = needed.to_dict()
    if ingress_choice != "auto":
        rec["ingress_reason"] = f"--ingress {ingress_choice}"
    elif state is not None:
        rec["ingress_reason"] = state.ingress_reason
    else:
        rec["ingress_reason"] = "no values file: bundled assumed; give -f FILE or --ingress third-party"
    if state and state.ingress_nginx_without_body_size:
        warnings.append(BODY_SIZE_WARNING)
    if state is not None:
        ok, reasons = sizing.check_resources(state.resources, needed)
        rec["current"] = {
            "file": state.file,
            "resources": state.resources,
            "source": state.resources_source,
            "suffices": ok,
            "reasons": reasons,
            "above_need": sizing.above_need(state.resources, needed),
        }
    if report is not None:
        rec["dags_dir"] = report.to_dict()
        rec["boundary_notes"] = _boundary_notes(upload_bytes, report.margin_bytes, ingress)
    rec["note"] = sizing.SHARED_RESOURCES_NOTE
    return rec, warnings


def _boundary_notes(upload_bytes: int, margin: int, ingress: str) -> list[str]:
    """A measured size close to a limit may land on the other side of it in the real upload."""
    from astro_config.platform import sizing

    notes = []
    limits = [(sizing.THIRD_PARTY_CAP, "the 8 MB third-party ingress cap")] if ingress == "third-party" else []
    blocks = sizing.blocks_for(upload_bytes)
    limits.append((blocks * sizing.BLOCK_BYTES, f"the {blocks * 15} MB edge of {blocks} block(s)"))
    for limit, what in limits:
        if abs(upload_bytes - limit) <= margin:
            notes.append(
                f"the measured size is within {sizing.format_bytes(margin)} of {what}; "
                "the real upload may land on the other side"
            )
    return notes


def _size_text(rec: dict[str, Any]) -> str:
    from astro_config.document.render import Style, render_block
    from astro_config.platform.sizing import format_bytes

    lines = []

    def row(label: str, text: str) -> None:
        lines.append(f"{label:<13} {text}")

    row("upload", f"{format_bytes(rec['upload_bytes'])} compressed per deploy")
    d = rec.get("dags_dir")
    if d:
        files = d.get("file_count", 0)
        row(
            "dags folder",
            f"{d.get('path')}: {files} file{'s' if files != 1 else ''}, packed as `astro deploy --dags` packs it "
            f"(within about {format_bytes(d.get('margin_bytes', 0))} of the real upload)",
        )
        for k in d.get("kinds", [])[:6]:
            row(
                "  trim",
                f"{k['kind']}: {k['paths']} item(s), {k['files']} file(s); leaving them out saves about "
                f"{format_bytes(k['savings_bytes'])}",
            )
        if d.get("kinds"):
            row("  top", ", ".join(f"{c['path']} ({format_bytes(c['savings_bytes'])})" for c in d["contributors"][:3]))
        for note in d.get("notes", []):
            row("  note", note)
        for note in rec.get("boundary_notes", []):
            row("  careful", note)
    mode = "bundled nginx" if rec["ingress"] == "bundled" else "third-party ingress controller"
    row("ingress", f"{mode}; {rec['ingress_reason']}")
    row("blocks", f"{rec['blocks']} x 15 MB (1 CPU and 1536Mi each)")
    row("needs", f"{rec['cpu']} CPU, {rec['memory']} memory (requests and limits)")
    cur = rec.get("current")
    if cur:
        verdict = "suffice" if cur["suffices"] else "do NOT suffice"
        above = cur.get("above_need") or []
        if cur["suffices"] and above:
            verdict = "suffice, and are above the need (enable --upload keeps them; --exact writes the need)"
        row("current", f"{_fmt_resources(cur['resources'])} ({cur['source']}): {verdict}")
        for r in cur["reasons"]:
            row("", f"- {r}")
        for r in above if cur["suffices"] else []:
            row("", f"- {r}")
    row("note", rec["note"])
    if rec["over_cap"]:
        row("verdict", "above the 8 MB third-party ingress cap: no DAG server size can carry this upload")
        return "\n".join(lines) + "\n"
    lines.append("")
    lines.append("# paste at the DAG-only block's resources key (or use `dag-deploy enable --upload ...`)")
    lines.append("resources:")
    lines.extend(render_block(rec["resources"], 2, Style(2, 2)))
    return "\n".join(lines) + "\n"


@app.command("size")
def size_cmd(
    upload: UploadOpt = None,
    dags_dir: DagsDirOpt = None,
    values: Annotated[
        list[Path] | None,
        typer.Option(
            "-f",
            "--values",
            help="Values file (repeat for layers): ingress mode and current resources.",
            metavar="FILE",
        ),
    ] = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    ingress: IngressOpt = "auto",
    platform_version: PlatformOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text, yaml or json.", metavar="text|yaml|json")] = "text",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Size above the 16 CPU / 64Gi ceiling without an error, or with values of another layout than the "
            "declared platform version.",
        ),
    ] = False,
) -> None:
    """Size the DAG deploy server for a target upload (--upload) or a real folder (--dags-dir): 1 CPU and
    1536Mi per started 15 MB of compressed DAGs. Behind a third-party ingress, more than 8 MB is exit 1; above
    16 CPU / 64Gi (240 MB) exit 2 unless --force. The result is printed in every case."""
    if fmt not in ("text", "yaml", "json"):
        fail(f"--format must be text, yaml or json, not {fmt!r}")
    with handle_errors():
        rec, warnings = _size_record(upload, dags_dir, values, sets, set_strings, ingress, platform_version, force)
        for w in warnings:
            err(f"warning: {w}")
        _write_size(rec, fmt)
        raise typer.Exit(_size_verdict(rec, force))


def _write_size(rec: dict[str, Any], fmt: str) -> None:
    """The size result on stdout, in every format and whatever the verdict."""
    from astro_config.document.render import Style, render_block
    from astro_config.platform.sizing import over_cap_message

    if fmt == "json":
        sys.stdout.write(json.dumps({**rec, "tool": _tool()}, indent=2, default=str) + "\n")
    elif fmt == "yaml":
        head = f"# {over_cap_message(rec['upload_bytes'])}\n" if rec["over_cap"] else ""
        if not head and rec["over_ceiling"]:
            head = "# above the 16 CPU / 64Gi ceiling: split or slim the bundle (see the message on stderr)\n"
        body = "\n".join(render_block(rec["resources"], 2, Style(2, 2)))
        sys.stdout.write(f"{head}resources:\n{body}\n")
    else:
        sys.stdout.write(_size_text(rec))
    sys.stdout.flush()  # (before any error line: the two streams may go to one pipe)


def _size_verdict(rec: dict[str, Any], force: bool) -> int:
    """The exit code of ``size``, with its error line: above the ingress cap (1), above the ceiling (2)."""
    from astro_config.platform import sizing

    if rec["over_cap"]:
        err(f"error: {sizing.over_cap_message(rec['upload_bytes'])}")
        return ExitCode.FINDINGS
    if rec["over_ceiling"]:
        needed = sizing.size_for_upload(rec["upload_bytes"], rec["ingress"])
        if not force:
            err(f"error: {sizing.ceiling_message(needed)}")
            return ExitCode.USAGE
        err(f"warning: --force: {sizing.ceiling_message(needed).replace('; --force writes it anyway', '')}")
    return ExitCode.OK
