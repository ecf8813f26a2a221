"""What the command modules share: error handling, option types, the write modes, layered sets, progress.

Every command body runs inside :func:`handle_errors`, which turns the tool's own errors into one stderr line
and their exit code. Core objects are imported lazily here (start-up: ``--help`` must not load them).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO

import typer

from astro_config.errors import AstroConfigError, ExitCode

if TYPE_CHECKING:
    from typer._click._termui_impl import ProgressBar

    from astro_config.document.editing import EditResult
    from astro_config.document.writing import WriteOptions
    from astro_config.helm.layered import LayeredDocument

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
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Write even a read-only file (no write permission for its owner).")
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
ForceLayoutOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Go on even when the file's keys belong to another layout than the declared platform version."
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


def write_options(
    write: bool, backup: bool, output: Path | None, diff_file: Path | None, check: bool, force: bool = False
) -> WriteOptions:
    from astro_config.document.writing import WriteOptions

    opts = WriteOptions(write=write, backup=backup, output=output, diff_file=diff_file, check=check, force=force)
    opts.validate()
    return opts


def edit_lock(opts: WriteOptions, path: Path | None) -> AbstractContextManager[None]:
    """The lock an in-place write (``-w``) holds on ``path`` from before the read until after the rename, so
    that two astro-config writers on one file never lose an edit (a no-op for the other write modes)."""
    from astro_config.document.writing import hold_lock

    return hold_lock(path if opts.write else None)


def finish_edit(
    result: EditResult,
    opts: WriteOptions,
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
        style_diff=colorize_diff if should_color(sys.stdout) else None,
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
) -> LayeredDocument:
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


def should_color(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Colour for a terminal only: never with ``NO_COLOR`` set (non-empty, see no-color.org); always with
    ``FORCE_COLOR`` set (non-empty, not ``0``); otherwise when ``stream`` is a terminal and ``TERM`` is not
    ``dumb``."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


# what each kind of line of a unified diff looks like in colour
DIFF_STYLES: dict[str, dict[str, Any]] = {
    "header": {"bold": True},
    "-": {"fg": "red"},
    "+": {"fg": "green"},
    "@": {"fg": "cyan"},
}


def colorize_diff(diff: str) -> str:
    """A unified diff styled with click's ``style`` line by line (line endings, CRLF too, left outside)."""
    out: list[str] = []
    for line in diff.splitlines(keepends=True):
        kind = "header" if line.startswith(("---", "+++")) else line[:1]
        if kind in DIFF_STYLES:
            end = "\r\n" if line.endswith("\r\n") else ("\n" if line.endswith("\n") else "")
            out.append(typer.style(line[: len(line) - len(end)], **DIFF_STYLES[kind]) + end)
        else:
            out.append(line)
    return "".join(out)


# what each role of a lint report looks like in colour (see astro_config.lint.reporters.ROLES)
LINT_STYLES: dict[str, dict[str, Any]] = {
    "file": {"bold": True},
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
    "info": {"fg": "cyan", "bold": True},
    "dim": {"dim": True},
    "ok": {"fg": "green", "bold": True},
}


def lint_style(text: str, role: str) -> str:
    """The ``style`` callable the lint reporters take: click's ``style`` for each role."""
    return typer.style(text, **LINT_STYLES[role])


class progress_bar:
    """The core's ``progress(done, total)`` callbacks shown with click's progress bar on ``stream`` (stderr).

    Drawn only once the total reaches ``min_total``, at most every 0.1 s (and at the end); the caller creates
    one only for a terminal. :meth:`close` erases the line (and shows the cursor click hid), so what follows
    starts on a clean line, as if no bar had been there.
    """

    def __init__(self, label: str, unit: str = "", min_total: int = 0, stream: TextIO | None = None) -> None:
        self.label, self.unit, self.min_total = label, unit, min_total
        self.stream = stream if stream is not None else sys.stderr
        self._bar: ProgressBar[int] | None = None
        self._last = 0.0

    def _info(self, _item: object) -> str:
        assert self._bar is not None
        unit = f" {self.unit}" if self.unit else ""
        return f"({self._bar.pos}/{self._bar.length}{unit})"

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        now = time.monotonic()
        if self._bar is not None and now - self._last < 0.1 and done < total:
            return
        self._last = now
        if self._bar is None or self._bar.length != total:
            self._bar = typer.progressbar(
                length=total,
                label=self.label,
                file=self.stream,
                bar_template="%(label)s [%(bar)s] %(info)s",
                info_sep=" ",
                fill_char="#",
                empty_char=".",
                width=30,
                show_eta=False,
                show_percent=True,
                item_show_func=self._info,
            )
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        if self._bar is not None:
            self.stream.write("\r\x1b[K\x1b[?25h")  # erase the bar; show the cursor again
            self.stream.flush()
            self._bar = None
