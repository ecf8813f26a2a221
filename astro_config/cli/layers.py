"""``astro-config merge``, ``explain`` and ``diff``: layered values as Helm computes them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from astro_config.cli.options import (
    ChartValuesOpt,
    ForceOpt,
    SetOpt,
    SetStringOpt,
    ShowSecretsOpt,
    ValuesFilesOpt,
    err,
    fail,
    handle_errors,
    layered_from_options,
)
from astro_config.errors import ExitCode

if TYPE_CHECKING:
    from astro_config.helm.layered import LayeredDocument

# lazy imports: start-up. The core and rarely needed libraries are imported inside the command (or error
# path) that needs them: --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).


def _typing_warnings(ld: LayeredDocument) -> None:
    from astro_config.helm import layering

    texts = [(d.name, d.text) for d in ld.docs]
    for w in layering.typing_warnings(texts, ld.set_args):
        err(f"warning: {ld.shown(w.origin)}: {w.key}: {w.message}")


def merge_cmd(
    files: ValuesFilesOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    chart_values: ChartValuesOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="yaml (as toYaml) or json (as toJson).", metavar="yaml|json")
    ] = "yaml",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to OUT instead of stdout.", metavar="OUT")
    ] = None,
    force: ForceOpt = False,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Print the effective values of a layered set (what templates see as .Values), merged exactly as Helm
    merges -f files, --set and --set-string; keys in Helm's order; secrets redacted."""
    from astro_config.document.writing import is_stdout, refuse_read_only, write_atomic
    from astro_config.helm import layering

    if fmt not in ("yaml", "json"):
        fail(f"--format must be yaml or json, not {fmt!r}")
    with handle_errors():
        ld = layered_from_options(files, sets, set_strings, chart_values)
        _typing_warnings(ld)
        text = layering.render(ld.effective, fmt, show_secrets=show_secrets)
        if output is not None and not is_stdout(output):
            refuse_read_only(output, force)
            write_atomic(output, text.encode("utf-8"))
            err(f"wrote {output}")
        else:
            sys.stdout.write(text)


def explain_cmd(
    key: Annotated[str, typer.Argument(help="Dotted key path, e.g. global.dagOnlyDeployment.enabled.")],
    files: ValuesFilesOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    chart_values: ChartValuesOpt = None,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Show the effective value of KEY, the layer that set it (FILE:LINE or --set) and the values it overrode.
    Exit 1 when no layer sets it."""
    from astro_config import keypath
    from astro_config.helm import layering

    with handle_errors():
        path = keypath.parse(key)
        ld = layered_from_options(files, sets, set_strings, chart_values)
        ex = layering.explain(ld.effective, path)
        sys.stdout.write(layering.render_explanation(ex, show_secrets=show_secrets))
        raise typer.Exit(ExitCode.OK if ex.present else ExitCode.FINDINGS)


def diff_cmd(
    old: Annotated[Path | None, typer.Argument(help="Old values file.", show_default=False)] = None,
    new: Annotated[Path | None, typer.Argument(help="New values file.", show_default=False)] = None,
    old_files: Annotated[
        list[Path] | None,
        typer.Option("--old", help="Old side as a layered set (repeat, in -f order).", metavar="FILE"),
    ] = None,
    new_files: Annotated[
        list[Path] | None,
        typer.Option("--new", help="New side as a layered set (repeat, in -f order).", metavar="FILE"),
    ] = None,
    old_sets: Annotated[
        list[str] | None, typer.Option("--old-set", help="--set on the old side.", metavar="KEY=VAL")
    ] = None,
    new_sets: Annotated[
        list[str] | None, typer.Option("--new-set", help="--set on the new side.", metavar="KEY=VAL")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.", metavar="text|json")] = "text",
    unified: Annotated[int, typer.Option("--unified", "-U", help="Lines of context in the text diff.", min=0)] = 3,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Compare two sets of values as Helm sees them: the semantic change list (dotted key paths), then a
    unified diff. Formatting-only differences are "same data". Exit 0 same data, 1 different, 2 trouble.

    Compare `helm get values` output with the files in git: diff live.yaml --new base.yaml --new prod.yaml."""
    from astro_config.helm import diffing

    if fmt not in ("text", "json"):
        fail(f"--format must be text or json, not {fmt!r}")
    with handle_errors():
        old_list = ([old] if old else []) + list(old_files or [])
        new_list = list(new_files or []) if new_files else ([new] if new else [])
        if new_files and new is not None:
            new_list = [new, *new_files]
        if not old_list or not new_list:
            fail("give OLD and NEW (files), or --old FILE... and --new FILE...")
        old_ld = layered_from_options(old_list, old_sets, None)
        new_ld = layered_from_options(new_list, new_sets, None)
        result = diffing.diff(
            old_ld.effective.values,
            new_ld.effective.values,
            old_name=" ".join(str(p) for p in old_list),
            new_name=" ".join(str(p) for p in new_list),
            show_secrets=show_secrets,
            unified=unified,
            old_texts=[d.text for d in old_ld.docs],
            new_texts=[d.text for d in new_ld.docs],
        )
        sys.stdout.write(diffing.render_json(result) if fmt == "json" else diffing.render_text(result))
        raise typer.Exit(result.exit_code)
