"""The ``astro-config`` command line (Typer). Options -> core -> output -> exit code; no logic of its own."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from astro_config.errors import AstroConfigError, ExitCode

app = typer.Typer(
    name="astro-config",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    add_completion=False,
    help=(
        "Switch on, size and lint DAG-only deploys in Astronomer Software Helm values files.\n\n"
        "Edits are spliced into the original text: untouched lines stay byte-identical, every edit is verified "
        "before anything is written, and writes are atomic. By default an editing command prints a diff and "
        "writes nothing; add -w to write in place.\n\n"
        "Exit codes: 0 ok, 1 findings / would change / differs, 2 bad usage or unusable input, 3 internal error."
    ),
)


# ----------------------------------------------------------------------------------------------------------
# Error handling
# ----------------------------------------------------------------------------------------------------------


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn the tool's own errors into one stderr line and their exit code."""
    try:
        yield
    except AstroConfigError as e:
        _err(f"error: {e}")
        raise typer.Exit(int(e.exit_code)) from None
    except KeyboardInterrupt:
        _err("interrupted")
        raise typer.Exit(130) from None


def fail(message: str, code: int = ExitCode.USAGE) -> NoReturn:
    _err(f"error: {message}")
    raise typer.Exit(int(code))


def command_for(argv: list[str]) -> Any:
    """The click command that runs ``argv``, built for what it names only.

    Typer turns the signature of every registered command into click parameters on each run (about 15 ms for
    all of ours: as much as an edit's own work). When ``argv`` names a command (``lint``) or a group's command
    (``dag-deploy enable``), only that one is built, inside a group of the same name, so usage lines, help and
    errors read exactly as with the whole app. When it names no command (``--help``, nothing, an unknown name),
    nothing can run but the group's help or an error, which need each command's name and help text only: the
    commands are then stand-ins without parameters (that would refuse to run).
    """
    import copy

    from typer.main import get_group

    def stand_in(info: Any) -> Any:
        real = info.callback

        def not_run() -> None:  # pragma: no cover - click never runs a command argv does not name
            raise RuntimeError("a stand-in command ran")

        not_run.__doc__ = real.__doc__ if real is not None else None
        stand = copy.copy(info)
        stand.callback = not_run
        return stand

    def narrowed(typer_app: typer.Typer, words: list[str]) -> typer.Typer:
        small = copy.copy(typer_app)
        if words[:1] == ["--"]:  # `astro-config -- lint FILE`: the command name follows
            words = words[1:]
        first = words[0] if words and not words[0].startswith("-") else None
        commands = [c for c in typer_app.registered_commands if c.name == first]
        groups = [g for g in typer_app.registered_groups if g.name == first]
        if len(commands) + len(groups) != 1:
            names = {c.name for c in typer_app.registered_commands} | {g.name for g in typer_app.registered_groups}
            if names & set(words):  # a command name further on (after an option): build everything for real
                return typer_app
            # no command named anywhere: nothing can run, so stand-ins will do
            commands = [stand_in(c) for c in typer_app.registered_commands]
            groups = typer_app.registered_groups
            words = []
        small.registered_commands = commands
        small.registered_groups = []
        for g in groups:
            group = copy.copy(g)
            if g.typer_instance is not None:
                group.typer_instance = narrowed(g.typer_instance, words[1:])
            small.registered_groups.append(group)
        return small

    return get_group(narrowed(app, argv))


def main() -> None:
    """Console entry point: anything unexpected is a bug, reported in one line (never with local values)."""
    try:
        command_for(sys.argv[1:])()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except BaseException as e:
        import traceback

        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        # Only the exception type and location: messages may quote values from the files, which can be secrets.
        _err(
            f"internal error: {type(e).__name__}{where}. This is a bug in astro-config; nothing was written. "
            "Please report it with the command you ran (not your values)."
        )
        if os.environ.get("ASTRO_CONFIG_DEBUG"):
            traceback.print_exception(e)
        sys.exit(int(ExitCode.INTERNAL))


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
        _err(f"note: {note}")
    if not quiet_messages:
        for m in outcome.messages:
            _err(m)
    return outcome.exit_code


# ----------------------------------------------------------------------------------------------------------
# get / set
# ----------------------------------------------------------------------------------------------------------


def _show_value(value: Any) -> str:
    from astro_config.document.render import Style, render_block, render_scalar

    if isinstance(value, (dict, list)) and value:
        return "\n".join(render_block(value, 0, Style(2, 2))) + "\n"
    if isinstance(value, dict):
        return "{}\n"
    if isinstance(value, list):
        return "[]\n"
    if isinstance(value, str):
        return value + "\n"
    return render_scalar(value) + "\n"


@app.command("get")
def get_cmd(
    file: FileArg,
    key: Annotated[str, typer.Argument(help="Dotted key path: a.b.c, a.b[0].c, escape dots in keys as \\.")],
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Print the value at KEY: a scalar as plain text, a mapping or list as YAML. Missing key: exit 1."""
    from astro_config import keypath
    from astro_config.document import reader as document

    with handle_errors():
        path = keypath.parse(key)
        doc = document.load_file(file)
        value = doc.get(path)
        if value is document.MISSING:
            fail(f"{file}: {document.describe_missing(doc, path)}", ExitCode.FINDINGS)
        if not show_secrets:
            value = _redact_value(path, value)
        sys.stdout.write(_show_value(value))


def _redact_value(path: Any, value: Any) -> Any:
    from astro_config.secrets import redact

    return redact.redact_at(path, value)


@app.command("set")
def set_cmd(
    file: FileArg,
    assignments: Annotated[
        list[str],
        typer.Argument(help="KEY=VALUE pairs. VALUE is typed as helm --set types it.", metavar="KEY=VALUE..."),
    ],
    as_string: Annotated[
        bool, typer.Option("--string", "-s", help="Treat every VALUE as a string (like helm --set-string).")
    ] = False,
    write: WriteOpt = False,
    backup: BackupOpt = False,
    output: OutputOpt = None,
    diff_file: DiffFileOpt = None,
    check: CheckOpt = False,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Set KEY=VALUE pairs, creating missing parent mappings; untouched lines stay byte-identical.

    VALUE typing follows helm --set: true/false/null (any case) and plain integers are typed, everything else
    is a string (use --string to force strings). New strings are quoted when Helm would read them as another
    type ("on", "0777", "1e3").
    """
    from astro_config import keypath
    from astro_config.document import editing
    from astro_config.document import reader as document

    with handle_errors():
        opts = write_options(write, backup, output, diff_file, check)
        edits: list[editing.Edit] = []
        for item in assignments:
            if "=" not in item:
                fail(f"expected KEY=VALUE, got {item!r}")
            key, _, raw = item.partition("=")
            value: Any = raw if as_string else helm_set_type(raw)
            edits.append(editing.SetValue(keypath.parse(key), value))
        doc = document.load_file(file)
        result = editing.apply_edits(doc, edits)
        raise typer.Exit(finish_edit(result, opts, show_secrets))


def helm_set_type(raw: str) -> Any:
    """How ``helm --set`` types a value (Helm's strvals.typedVal)."""
    low = raw.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if low == "null":
        return None
    if raw == "0":
        return 0
    if len(raw) > 1 and raw[0] == "0":
        return raw
    if raw[:1] in "-+" or raw[:1].isdigit():
        body = raw[1:] if raw[:1] in "-+" else raw
        if body.isascii() and body.isdigit():
            value = int(raw)
            if -(2**63) <= value < 2**63:
                return value
    return raw


@app.command("lint")
def lint_cmd(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Values files, folders (every *.yaml/*.yml below) or globs.", metavar="PATH..."),
    ] = None,
    platform_version: PlatformOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="text, json, github, sarif, junit; auto = github under GitHub Actions, else text.",
            metavar="FORMAT",
        ),
    ] = "auto",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the run too.")] = False,
    upload: UploadOpt = None,
    dags_dir: DagsDirOpt = None,
    max_bytes: MaxBytesOpt = 10 * 1024 * 1024,
    layers: ValuesFilesOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Processes for big fleets (0 = one per CPU); same result.", min=0),
    ] = 1,
) -> None:
    """Lint values files for DAG-only deploy mistakes: typos, keys of the wrong platform generation, flags that
    disagree, bad quantities, resources too small for an upload, ingress limits, YAML 1.1 surprises.

    Each PATH is linted on its own. With -f FILE (repeated) and --set, the effective values of that layered set
    are linted as one, and each finding points at the file and line of the layer that set the value.

    Exit 0 clean (warnings allowed), 1 any error (or warning with --strict), 2 usage error or no file found.
    """
    from astro_config.lint import engine as linting
    from astro_config.lint.reporters import REPORTERS, should_color
    from astro_config.models import Result

    with handle_errors():
        if fmt == "auto":
            fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
        if fmt not in REPORTERS:
            fail(f"--format must be one of {', '.join(REPORTERS)}, not {fmt!r}")
        if not paths and not layers and not sets and not set_strings:
            fail("give at least one PATH, or a layered set with -f FILE")
        upload_bytes, label = _upload_target(upload, dags_dir)
        bar = progress_bar("linting", unit="files", min_total=20) if sys.stderr.isatty() else None
        try:
            result = (
                linting.lint_paths(
                    paths,
                    platform_version,
                    upload_bytes,
                    upload_label=label,
                    max_bytes=max_bytes,
                    jobs=jobs,
                    progress=bar,
                )
                if paths
                else Result()
            )
        finally:
            if bar is not None:
                bar.close()
        if layers or sets or set_strings:
            from astro_config.cli.layers import layered_from_options

            ld = layered_from_options(layers, sets, set_strings)
            found = linting.lint_document(ld, platform_version, upload_bytes, upload_label=label)
            result.files.append(ld.name)
            result.problems.extend(ld.relocate(found))
        REPORTERS[fmt](sys.stdout, should_color(sys.stdout, os.environ), strict=strict).report(result)
        raise typer.Exit(result.exit_code(strict))


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


def _upload_target(upload: str | None, dags_dir: Path | None) -> tuple[int | None, str | None]:
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


@app.command("schema")
def schema_cmd(
    platform_version: Annotated[
        str | None,
        typer.Option(
            "--platform-version",
            envvar="ASTRO_PLATFORM_VERSION",
            help="Platform chart release (default: the newest layout, 2.x).",
            metavar="V",
        ),
    ] = None,
) -> None:
    """Print the JSON Schema (bundled, offline) that lint uses for a platform release."""
    from astro_config.lint import schemas

    with handle_errors():
        _gen, text = schemas.schema_for_platform(platform_version)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _register() -> None:
    from astro_config.cli import dagdeploy as cli_dagdeploy

    app.add_typer(cli_dagdeploy.app, name="dag-deploy")


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
