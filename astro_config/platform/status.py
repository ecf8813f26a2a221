"""``dag-deploy status`` as data: one record per file (or layered set), its text rendering and the exit code.

A record is the JSON shape of ``status --format json`` (keys starting with ``_`` are for the text and the exit
code only: ``_fix``, and ``_code``/``_line`` of a file that could not be read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from astro_config.document import reader as document
from astro_config.errors import AstroConfigError, ExitCode
from astro_config.keypath import format_path
from astro_config.platform import dagdeploy, sizing
from astro_config.platform.dagdeploy import Flag, PlatformCheck, State, ValuesView
from astro_config.platform.fileversion import split_file_version
from astro_config.platform.houston import show_value
from astro_config.platform.profiles import Platform, format_version, unsafe_release


def status_record(doc: ValuesView, version: str | None, check: PlatformCheck | None = None) -> dict[str, Any]:
    """The status of one file or layered set: layout, both flags, Houston's reading, resources, ingress, the
    largest upload they allow, ignored keys, an unsafe release, the fix of a half-enabled state. ``check``: see
    :func:`~astro_config.platform.dagdeploy.platform_of`."""
    platform = dagdeploy.platform_of(doc, version, check)
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
        "houston": houston_record(state),
        "_fix": fix_text(state, platform, doc.name),
    }


def status_of_file(arg: str | Path, version: str | None, check: PlatformCheck | None = None) -> dict[str, Any]:
    """One file's status record; a file that cannot be read or placed is an error record (``error``, and
    ``_code``, ``_line``: its exit code and its stderr line) so that the other files go on. ``FILE@VERSION``
    gives that file its own platform release."""
    name, own = split_file_version(str(arg))
    try:
        doc = document.load_file(name)
        return status_record(doc, own or version, check)
    except AstroConfigError as e:
        shown = document.display_name(name)
        message = str(e).removeprefix(f"{shown}: ")
        return {"file": shown, "error": message, "_code": int(e.exit_code), "_line": f"error: {e}"}


def worst(records: list[dict[str, Any]]) -> int:
    """The exit code of several status records: an unusable file (2) over half-enabled (1) over fine (0)."""
    codes = [r["_code"] if "error" in r else (ExitCode.OK if r["agree"] else ExitCode.FINDINGS) for r in records]
    return int(max(codes))


def status_json(records: list[dict[str, Any]], tool: dict[str, str]) -> dict[str, Any]:
    """``status --format json``: the records without their private keys, ``fix`` for each readable file, and
    ``tool`` (name and version)."""
    out: dict[str, Any] = {"files": [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]}
    for r, o in zip(records, out["files"], strict=True):
        if "error" not in r:
            o["fix"] = r["_fix"]
    out["tool"] = tool
    return out


def houston_record(state: State) -> dict[str, Any]:
    """What Houston reads (its effective config: built-in defaults, chart-generated, passthrough), each key
    with the layer, values key and FILE:LINE that set it, and the chart value a passthrough key overrides."""
    h = state.houston
    assert h is not None  # read_state always sets it
    return {
        "state": h.summary,
        "reads": {name: fact.to_dict() for name, fact in h.facts.items()},
        "overrides": [f.to_dict() for f in h.overrides()],
    }


def fix_text(state: State, platform: Platform, file: str) -> str | None:
    """The fix of a half-enabled state (None when the switches agree)."""
    if state.agree:
        return None
    version = f" --platform-version {platform.version_text}" if platform.version_text else ""
    h = state.houston
    assert h is not None  # read_state always sets it
    on, off = (h.fact("dag_only"), h.fact("configure")) if h.dag_only_on else (h.fact("configure"), h.fact("dag_only"))
    return (
        f"Houston reads {format_path(on.key)} on but {format_path(off.key)} off, so the feature is "
        f"half-configured (the Astro CLI refuses DAG deploys). "
        f"Fix: astro-config dag-deploy enable {file}{version} -w   (or `disable` to switch both off)"
    )


def houston_rows(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """``houston`` rows of the status text: the two switches as Houston reads them, then every other key a
    passthrough value overrides."""
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


HALF_TEXT = "HALF-ENABLED: Houston's two switches disagree"


def status_text(rec: dict[str, Any]) -> str:
    """The text report of one readable file's record."""
    lines = [rec["file"]]
    layout = rec["layout"]

    def row(label: str, text: str) -> None:
        lines.append(f"  {label:<13} {text}")

    row("layout", f"{layout['label']} ({layout['decided_by']})")
    row("global flag", f"{rec['global_flag']['key']} = {rec['global_flag']['text']}")
    row("houston flag", f"{rec['houston_flag']['key']} = {rec['houston_flag']['text']}")
    for label, text in houston_rows(rec):
        row(label, text)
    state = rec["state"]
    both = "on" if state == "enabled" else "off"
    row("state", f"{state} (Houston reads both switches {both})" if rec["agree"] else HALF_TEXT)
    row("resources", f"{sizing.format_resources(rec['resources'])}; from {rec['resources_source']}")
    mode = "bundled nginx" if rec["ingress"]["mode"] == "bundled" else "third-party ingress controller"
    row("ingress", f"{mode}; {rec['ingress']['reason']}")
    allowance = rec["allowance"]
    if rec["max_upload_bytes"]:
        row(
            "max upload",
            f"{sizing.format_bytes(rec['max_upload_bytes'])} compressed per deploy: {allowance['explanation']}",
        )
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


def status_texts(records: list[dict[str, Any]]) -> str:
    """The text report of several records (the unreadable files were said on stderr)."""
    return "\n".join(status_text(r) for r in records if "error" not in r)
