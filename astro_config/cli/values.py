"""``astro-config get``, ``set`` and ``schema``: read one value, set values byte-exactly, print a schema."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from astro_config.cli.options import (
    BackupOpt,
    CheckOpt,
    DiffFileOpt,
    FileArg,
    ForceOpt,
    OutputOpt,
    ShowSecretsOpt,
    WriteOpt,
    edit_lock,
    err,
    fail,
    finish_edit,
    handle_errors,
    write_options,
)
from astro_config.errors import ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable

    from astro_config.document.editing import Edit
    from astro_config.document.reader import ValuesDocument
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
            fail(f"{doc.name}: {document.describe_missing(doc, path)}", ExitCode.FINDINGS)
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
    force: ForceOpt = False,
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
        opts = write_options(write, backup, output, diff_file, check, force)
        edits: list[editing.Edit] = []
        for item in assignments:
            key, raw = split_assignment(item)
            edits.append(editing.SetValue(keypath.parse(key), typed_value(raw, as_string)))
        with edit_lock(opts, file):
            doc = document.load_file(file)
            edits = schema_checks(doc, edits, assignments, as_string)
            result = editing.apply_edits(doc, edits)
            code = finish_edit(result, opts, show_secrets)
        raise typer.Exit(code)


def schema_checks(doc: ValuesDocument, edits: list[Edit], assignments: list[str], as_string: bool) -> list[Edit]:
    """What the platform schema knows about ``set``'s edits (warnings on stderr, never an error).

    A key the edit creates one edit away (a letter added, dropped, changed or two swapped; or only the case)
    from a key the schema knows at that place is a warning naming it. A value typed as a number, boolean or null
    where the schema wants a string is written as the string given, with a note (Kubernetes annotations must be
    strings: ``proxy-body-size=0`` writes ``"0"``). Nothing happens when the file's platform layout cannot be
    told. Returns the edits to apply."""
    from astro_config import keypath
    from astro_config.document import editing
    from astro_config.errors import PlatformVersionError
    from astro_config.lint import schemas
    from astro_config.platform import profiles

    try:
        gen = profiles.resolve_platform(None, doc.data, doc.name).generation
    except PlatformVersionError:
        return edits
    root = schemas.load_schema(gen.schema_name)
    raws: dict[KeyPath, str] = {}
    for item in assignments:
        key, text = split_assignment(item)
        raws[keypath.parse(key)] = text
    out: list[Edit] = []
    for edit in edits:
        if not isinstance(edit, editing.SetValue):
            out.append(edit)
            continue
        path = tuple(edit.path)
        _warn_close_keys(doc, path, root, keypath.format_path)
        raw = raws.get(path)
        if (
            not as_string
            and raw is not None
            and not isinstance(edit.value, str | dict | list)
            and _schema_wants_string(_schema_at(root, path))
        ):
            err(
                f"note: {keypath.format_path(path)}: the schema says a string here, so {raw} is written as the "
                f"string {json.dumps(raw)} (as --string would)"
            )
            edit = editing.SetValue(edit.path, raw)
        out.append(edit)
    return out


def _resolve(schema: Any, root: Any) -> Any:
    for _ in range(20):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        schema = target
    return schema


def _child(schema: Any, key: Any, root: Any) -> Any:
    """The schema of ``key`` under ``schema`` (None when the schema says nothing about it)."""
    import re

    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or isinstance(key, int):
        items = schema.get("items") if isinstance(schema, dict) else None
        return items if isinstance(key, int) else None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        if re.search(pattern, key):
            return sub
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _schema_at(root: Any, path: KeyPath) -> Any:
    schema: Any = root
    for part in path:
        schema = _child(schema, part, root)
        if schema is None:
            return None
    return _resolve(schema, root)


def _schema_wants_string(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    types = schema.get("type")
    kinds = {types} if isinstance(types, str) else set(types) if isinstance(types, list) else set()
    return kinds - {"null"} == {"string"}


def _one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one letter added, dropped or changed, two neighbours swapped, or only
    by case (``a != b``)."""
    if a == b:
        return False
    if a.lower() == b.lower():
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1 :]


def _warn_close_keys(doc: ValuesDocument, path: KeyPath, root: Any, fmt: Callable[[KeyPath], str]) -> None:
    """Warn when the edit creates a key one edit away from a key the schema knows beside it."""
    from astro_config.document.reader import MISSING

    schema: Any = root
    for depth, part in enumerate(path):
        here = _resolve(schema, root)
        if isinstance(part, str) and doc.get(path[: depth + 1]) is MISSING:  # created by this edit
            props = here.get("properties") if isinstance(here, dict) else None
            if props and part not in props:
                close = sorted(k for k in props if isinstance(k, str) and _one_edit_apart(part, k))
                if close:
                    known = fmt((*path[:depth], close[0]))
                    err(
                        f"warning: {fmt(path[: depth + 1])} is a new key, one edit away from {known}, a key the "
                        f"chart reads; nothing reads {part!r} (did you mean {close[0]!r}?)"
                    )
            return  # below a created key everything is new: one warning at most
        schema = _child(here, part, root)
        if schema is None:
            return


def split_assignment(item: str) -> tuple[str, str]:
    """``KEY=VALUE`` split at the first ``=`` that no backslash escapes (``a\\=b=c`` sets the key ``a=b``, as
    ``helm --set`` reads it). The key keeps its escapes (for :func:`astro_config.keypath.parse`)."""
    i = 0
    while i < len(item):
        if item[i] == "\\":
            i += 2
            continue
        if item[i] == "=":
            return item[:i], item[i + 1 :]
        i += 1
    fail(f"expected KEY=VALUE, got {item!r}")


def typed_value(raw: str, as_string: bool) -> Any:
    """A VALUE typed as ``helm --set`` types it (``--set-string`` with ``as_string``): the one typing function
    of every --set (:func:`astro_config.helm.setvalues.typed_value`)."""
    from astro_config.helm.setvalues import typed_value as helm_typed

    return helm_typed(raw, as_string)


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
