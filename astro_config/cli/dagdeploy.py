"""``astro-config dag-deploy``: status, enable, disable and size (a Typer sub-app)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from astro_config.platform.dagdeploy import PlatformCheck, ValuesView
    from astro_config.platform.profiles import Platform
    from astro_config.platform.toggle import ToggleRequest

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


def declared_check(force: bool) -> PlatformCheck:
    """The check of a declared platform version (--platform-version, ASTRO_PLATFORM_VERSION, FILE@VERSION)
    against the file's keys: ``decided_by`` names where it came from; a file of another layout is exit 2 unless
    ``force`` (platform/evidence.py). Here, not in the core: it reads argv and the environment."""

    def check(view: ValuesView, platform: Platform, version: str | None) -> Platform:
        import os

        from astro_config.platform.evidence import check_declared

        return check_declared(view, platform, version, sys.argv, os.environ, force)

    return check


# --------------------------------------------------------------------------------------------------------
# status
# --------------------------------------------------------------------------------------------------------


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
        from astro_config.platform import status

        check = declared_check(force)
        records = []
        for f in files or []:
            records.append(status.status_of_file(f, platform_version, check))
            if "error" in records[-1]:
                err(records[-1]["_line"])
        if layers or sets or set_strings:
            ld = layered_from_options(layers, sets, set_strings, chart_values)
            records.append(status.status_record(ld, platform_version, check))
        if not records:
            fail("give a values FILE, or a layered set with -f FILE [-f FILE...] [--set ...]")
        if fmt == "json":
            sys.stdout.write(json.dumps(status.status_json(records, _tool()), indent=2, default=str) + "\n")
        else:
            sys.stdout.write(status.status_texts(records))
        raise typer.Exit(status.worst(records))


# --------------------------------------------------------------------------------------------------------
# enable / disable
# --------------------------------------------------------------------------------------------------------


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
        from astro_config.platform.toggle import ToggleRequest, edited_path

        req = ToggleRequest(
            True, file, layers or (), target, sets or (), set_strings or (), platform_version, force, upload,
            dags_dir, ingress, exact, opts, overrides, release, namespace, show_secrets, declared_check(force),
        )  # fmt: skip
        with edit_lock(opts, edited_path(req)):
            code = _run_toggle(req)
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
        from astro_config.platform.toggle import ToggleRequest, edited_path

        req = ToggleRequest(
            False, file, layers or (), target, sets or (), set_strings or (), platform_version, force,
            opts=opts, overrides=overrides, release=release, namespace=namespace, show_secrets=show_secrets,
            check_platform=declared_check(force),
        )  # fmt: skip
        with edit_lock(opts, edited_path(req)):
            code = _run_toggle(req)
        raise typer.Exit(code)


def _run_toggle(req: ToggleRequest) -> int:
    """Plan the edit (the core decides everything), say what it says, write it, say what comes next."""
    from astro_config.platform.toggle import plan_toggle

    bar = progress_bar("measuring dags", min_total=20 * 1024 * 1024) if req.dags_dir and sys.stderr.isatty() else None
    try:
        plan = plan_toggle(req, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for message in plan.messages:
        err(str(message))
    if plan.exit_code is not None:
        return plan.exit_code
    assert plan.result is not None
    code = finish_edit(plan.result, req.opts, req.show_secrets, extra_files=plan.extra_files)
    for message in plan.next_steps:
        err(str(message))
    return code


# --------------------------------------------------------------------------------------------------------
# size
# --------------------------------------------------------------------------------------------------------


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
        view: ValuesView | None = None
        if values or sets or set_strings:  # (the values machinery is imported only when there are values)
            from astro_config.document import reader as document

            if values and len(values) == 1 and not sets and not set_strings:
                view = document.load_file(values[0])
            else:
                view = layered_from_options(values, sets, set_strings)
        raise typer.Exit(_run_size(upload, dags_dir, view, ingress, platform_version, fmt, force))


def _tool() -> dict[str, str]:
    from astro_config import __version__

    return {"name": "astro-config", "version": __version__}


def _run_size(
    upload: str | None,
    dags_dir: Path | None,
    view: ValuesView | None,
    ingress: str,
    platform_version: str | None,
    fmt: str,
    force: bool,
) -> int:
    """The size report on stdout in every format and whatever the verdict, warnings and the verdict on stderr."""
    from astro_config.platform import sizereport

    bar = progress_bar("measuring dags", min_total=20 * 1024 * 1024) if dags_dir and sys.stderr.isatty() else None
    try:
        report = sizereport.size_report(
            upload, dags_dir, view, ingress, platform_version, progress=bar, check=declared_check(force)
        )
    finally:
        if bar is not None:
            bar.close()
    for w in report.warnings:
        err(f"warning: {w}")
    rec = report.record
    if fmt == "json":
        sys.stdout.write(json.dumps({**rec, "tool": _tool()}, indent=2, default=str) + "\n")
    elif fmt == "yaml":
        sys.stdout.write(sizereport.size_yaml(rec))
    else:
        sys.stdout.write(sizereport.size_text(rec))
    sys.stdout.flush()  # (before any error line: the two streams may go to one pipe)
    code, line = sizereport.size_verdict(rec, force)
    if line is not None:
        err(line)
    return code
