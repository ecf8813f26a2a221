"""``dag-deploy size`` as data: the target upload (given or measured), the need, the current resources of the
values (if any) against it, and the renderings of that record (text, yaml) with the verdict.

Kept apart from :mod:`astro_config.platform.dagdeploy`: ``dag-deploy size --upload`` reads no values file, so
neither the values reader nor the edit engine is imported for it (start-up, ``tests/cli/test_imports.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astro_config.document.render import Style, render_block
from astro_config.errors import AstroConfigError, ExitCode
from astro_config.platform import sizing

if TYPE_CHECKING:
    from astro_config.platform.bundle import BundleReport
    from astro_config.platform.dagdeploy import PlatformCheck, ValuesView


def resolve_ingress(choice: str, state_ingress: str | None) -> str:
    """``--ingress``: ``auto`` is what the values say (bundled without values)."""
    if choice == "auto":
        return state_ingress or "bundled"
    if choice in ("bundled", "third-party"):
        return choice
    raise AstroConfigError(f"--ingress must be auto, bundled or third-party, not {choice!r}")


def measure_upload(
    upload: str | None, dags_dir: Path | None, progress: Callable[[int, int], None] | None = None
) -> tuple[int, BundleReport | None]:
    """Bytes of the target upload (``--upload`` parsed, or ``--dags-dir`` measured as ``astro deploy --dags``
    packs it), and the bundle report when a folder was measured."""
    if upload is not None and dags_dir is not None:
        raise AstroConfigError("give one of --upload and --dags-dir, not both")
    if upload is not None:
        return sizing.parse_size(upload), None
    if dags_dir is None:
        raise AstroConfigError("give --upload SIZE or --dags-dir DIR")
    from astro_config.platform import bundle  # lazy: only --dags-dir measures a folder (start-up of size --upload)

    report = bundle.measure(dags_dir, progress=progress)
    return int(report.compressed_bytes), report


@dataclass
class SizeReport:
    """The ``size`` record (the JSON shape, see :func:`size_report`) and the warnings to show before it."""

    record: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def size_report(
    upload: str | None,
    dags_dir: Path | None,
    values: ValuesView | None,
    ingress_choice: str,
    version: str | None,
    progress: Callable[[int, int], None] | None = None,
    check: PlatformCheck | None = None,
) -> SizeReport:
    """What the upload needs (:meth:`Sizing.to_dict`), with the ingress reason, and with ``values``: whether
    their current resources suffice (``current``) and the HTTP 413 warning; with ``dags_dir``: the folder's
    report and the notes on a size close to a limit. ``check``: see
    :func:`~astro_config.platform.dagdeploy.platform_of`."""
    state = None
    warnings: list[str] = []
    if values is not None:
        # lazy: only with values (dag-deploy size --upload must not load the values reader: start-up)
        from astro_config.platform import dagdeploy

        state = dagdeploy.read_state(values, dagdeploy.platform_of(values, version, check))
        if state.ingress_nginx_without_body_size:
            warnings.append(dagdeploy.BODY_SIZE_WARNING)
    upload_bytes, report = measure_upload(upload, dags_dir, progress)
    ingress = resolve_ingress(ingress_choice, state.ingress if state else None)
    needed = sizing.size_for_upload(upload_bytes, ingress)
    rec: dict[str, Any] = needed.to_dict()
    if ingress_choice != "auto":
        rec["ingress_reason"] = f"--ingress {ingress_choice}"
    elif state is not None:
        rec["ingress_reason"] = state.ingress_reason
    else:
        rec["ingress_reason"] = "no values file: bundled assumed; give -f FILE or --ingress third-party"
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
        rec["boundary_notes"] = boundary_notes(upload_bytes, report.margin_bytes, ingress)
    rec["note"] = sizing.SHARED_RESOURCES_NOTE
    return SizeReport(rec, warnings)


def boundary_notes(upload_bytes: int, margin: int, ingress: str) -> list[str]:
    """A measured size close to a limit may land on the other side of it in the real upload."""
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


def size_verdict(rec: dict[str, Any], force: bool) -> tuple[int, str | None]:
    """The exit code of ``size`` and its stderr line: above the ingress cap (1, an error), above the ceiling
    (2, an error; with ``force`` 0 and a warning)."""
    if rec["over_cap"]:
        return ExitCode.FINDINGS, f"error: {sizing.over_cap_message(rec['upload_bytes'])}"
    if rec["over_ceiling"]:
        needed = sizing.size_for_upload(rec["upload_bytes"], rec["ingress"])
        if not force:
            return ExitCode.USAGE, f"error: {sizing.ceiling_message(needed)}"
        return (
            ExitCode.OK,
            f"warning: --force: {sizing.ceiling_message(needed).replace('; --force writes it anyway', '')}",
        )
    return ExitCode.OK, None


def size_yaml(rec: dict[str, Any]) -> str:
    """``--format yaml``: the resources block, headed by a comment when no size can or should carry it."""
    head = f"# {sizing.over_cap_message(rec['upload_bytes'])}\n" if rec["over_cap"] else ""
    if not head and rec["over_ceiling"]:
        head = "# above the 16 CPU / 64Gi ceiling: split or slim the bundle (see the message on stderr)\n"
    body = "\n".join(render_block(rec["resources"], 2, Style(2, 2)))
    return f"{head}resources:\n{body}\n"


def size_text(rec: dict[str, Any]) -> str:
    """The text report of ``size``."""
    format_bytes = sizing.format_bytes
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
        row("current", f"{sizing.format_resources(cur['resources'])} ({cur['source']}): {verdict}")
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
