"""``astro-config get``, ``set`` and ``schema``: read one value, set values byte-exactly, print a schema."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from astro_config.cli.options import (
    BackupOpt,
    CheckOpt,
    DiffFileOpt,
    FileArg,
    OutputOpt,
    ShowSecretsOpt,
    WriteOpt,
    fail,
    finish_edit,
    handle_errors,
    write_options,
)
from astro_config.errors import ExitCode

if TYPE_CHECKING:
    from astro_config.keypath import KeyPath

# lazy imports: start-up. The core and rarely needed libraries are imported inside the command (or error
# path) that needs them: --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).


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


def _redact_value(path: KeyPath, value: Any) -> Any:
    from astro_config.secrets import redact

    return redact.redact_at(path, value)


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
