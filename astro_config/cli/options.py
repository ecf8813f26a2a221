"""What the command modules share: error handling, option types, the write modes, layered sets, progress.

Every command body runs inside :func:`handle_errors`, which turns the tool's own errors into one stderr line
and their exit code. Core objects are imported lazily here (start-up: ``--help`` must not load them).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from astro_config.errors import AstroConfigError, ExitCode

# lazy imports: start-up. The core and rarely needed libraries are imported inside the command (or error
# path) that needs them: --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).

# ----------------------------------------------------------------------------------------------------------
# Error handling
# ----------------------------------------------------------------------------------------------------------


def err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn the tool's own errors into one stderr line and their exit code."""
    try:
        yield
    except AstroConfigError as e:
        err(f"error: {e}")
        raise typer.Exit(int(e.exit_code)) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(130) from None


def fail(message: str, code: int = ExitCode.USAGE) -> NoReturn:
    err(f"error: {message}")
    raise typer.Exit(int(code))


# ----------------------------------------------------------------------------------------------------------
# Shared options
# ----------------------------------------------------------------------------------------------------------


FileArg = Annotated[Path, typer.Argument(help="The values file.", show_default=False)]
WriteOpt = Annotated[bool, typer.Option("--write", "-w", help="Write the change in place (atomically).")]
BackupOpt = Annotated[
    bool, typer.Option("--backup", help="With -w: keep the original as FILE.bak (refuses to overwrite one).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the whole new file to OUT instead.", metavar="OUT")
]
DiffFileOpt = Annotated[
    Path | None,
    typer.Option("--diff-file", help="Also write the unified diff to PATCH (for patch -p1).", metavar="PATCH"),
]
CheckOpt = Annotated[
    bool,
    typer.Option("--check", help="Write nothing; exit 1 when the file would change, 0 when it is already so."),
]
ShowSecretsOpt = Annotated[
    bool, typer.Option("--show-secrets", help="Show values under secret-looking keys instead of <redacted>.")
]
MaxBytesOpt = Annotated[
    int, typer.Option("--max-bytes", help="Refuse files larger than this.", min=1, show_default=True, metavar="N")
]
PlatformOpt = Annotated[
    str | None,
    typer.Option(
        "--platform-version",
        envvar="ASTRO_PLATFORM_VERSION",
        help="Platform chart release, e.g. 0.34.5, 0.37.7, 1.2.0, 2.1 or v2.1.0. Inferred from the file if omitted.",
        metavar="V",
    ),
]
ValuesFilesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "-f", "--values", help="A values file; repeat for layers, later files win (as helm -f).", metavar="FILE"
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Helm --set: a.b=c, a.b[0]=x, comma-separated, \\, and \\. escapes.", metavar="KEY=VAL"),
]
SetStringOpt = Annotated[
    list[str] | None, typer.Option("--set-string", help="Helm --set-string: every value a string.", metavar="KEY=VAL")
]
UploadOpt = Annotated[
    str | None,
    typer.Option(
        "--upload", help="Target compressed DAG upload per deploy: 12MB, 12.5MB, 12MiB, 800KB or bytes.", metavar="SIZE"
    ),
]
DagsDirOpt = Annotated[
    Path | None,
    typer.Option("--dags-dir", help="Measure a real dags/ folder as `astro deploy --dags` packs it.", metavar="DIR"),
]


def write_options(write: bool, backup: bool, output: Path | None, diff_file: Path | None, check: bool) -> Any:
    from astro_config.document.writing import WriteOptions

    opts = WriteOptions(write=write, backup=backup, output=output, diff_file=diff_file, check=check)
    opts.validate()
    return opts


def finish_edit(
    result: Any,
    opts: Any,
    show_secrets: bool,
    extra_files: list[tuple[Path, bytes]] | None = None,
    quiet_messages: bool = False,
) -> int:
    """Run the write mode for an :class:`~astro_config.document.editing.EditResult`; print messages; return the code."""
    from astro_config.document.writing import emit

    diff_text = None
    shows_diff = opts.diff_file is not None or not (opts.write or opts.output or opts.check)
    if not show_secrets and shows_diff and result.changed:
        from astro_config.secrets.secretdiff import redacted_unified_diff

        diff_text = redacted_unified_diff(result.old, result.new, result.old.name)
    outcome = emit(
        name=result.old.name,
        path=result.old.path,
        old_bytes=result.old_bytes,
        new_bytes=result.new_bytes,
        old_text=result.old.text,
        new_text=result.new.text,
        opts=opts,
        stdout=sys.stdout,
        extra_files=extra_files or [],
        diff_text=diff_text,
    )
    for note in result.notes:
        err(f"note: {note}")
    if not quiet_messages:
        for m in outcome.messages:
            err(m)
    return outcome.exit_code


ChartValuesOpt = Annotated[
    Path | None,
    typer.Option(
        "--chart-values",
        help="The chart's defaults (helm show values astronomer/astronomer --version V) as the lowest layer.",
        metavar="FILE",
    ),
]


def layered_from_options(
    files: list[Path] | None,
    sets: list[str] | None,
    set_strings: list[str] | None,
    chart_values: Path | None = None,
    what: str = "-f FILE",
    show_secrets: bool = False,
) -> Any:
    from astro_config.helm import layered

    if not files and not sets and not set_strings:
        fail(f"give at least one {what}")
    args = layered.set_args_from(sets, set_strings)
    ld = layered.load_layered([str(f) for f in files or []], args, str(chart_values) if chart_values else None)
    ld.show_secrets = show_secrets
    return ld


def upload_target(upload: str | None, dags_dir: Path | None) -> tuple[int | None, str | None]:
    if upload is not None and dags_dir is not None:
        fail("give one of --upload and --dags-dir, not both")
    if upload is not None:
        from astro_config.platform import sizing

        return sizing.parse_size(upload), f"--upload {upload}"
    if dags_dir is not None:
        from astro_config.platform import bundle

        report = bundle.measure(dags_dir)
        return int(report.compressed_bytes), f"--dags-dir {dags_dir}"
    return None, None


class progress_bar:
    """A one-line progress bar on stderr (only drawn when the total reaches ``min_total``)."""

    def __init__(self, label: str, unit: str = "", min_total: int = 0) -> None:
        import time

        self.label, self.unit, self.min_total = label, unit, min_total
        self._clock = time.monotonic
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        now = self._clock()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        pct = int(100 * done / total) if total else 100
        unit = f" {self.unit}" if self.unit else ""
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {pct:3d}% ({done}/{total}{unit})")
        sys.stderr.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
