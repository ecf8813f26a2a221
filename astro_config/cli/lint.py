"""``astro-config lint``: lint values files (or a layered set) and report in one of five formats."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from astro_config.cli.options import (
    DagsDirOpt,
    ForceLayoutOpt,
    MaxBytesOpt,
    PlatformOpt,
    SetOpt,
    SetStringOpt,
    UploadOpt,
    ValuesFilesOpt,
    fail,
    handle_errors,
    layered_from_options,
    lint_style,
    progress_bar,
    should_color,
    upload_target,
)

# lazy imports: start-up. The core and rarely needed libraries are imported inside the command (or error
# path) that needs them: --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).


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
    force: ForceLayoutOpt = False,
) -> None:
    """Lint values files for DAG-only deploy mistakes: typos, keys of the wrong platform generation, flags that
    disagree, bad quantities, resources too small for an upload, ingress limits, YAML 1.1 surprises.

    Each PATH is linted on its own (- is standard input). In a folder (or a glob), files that hold no key of any
    platform layout (values files of other charts) are skipped and listed; --strict makes them errors.

    With -f FILE (repeated) and --set, the effective values of that layered set are linted as one, and each
    finding points at the file and line of the layer that set the value.

    Exit 0 clean (warnings allowed), 1 any error (or warning with --strict), 2 usage error or no file found.
    """
    from astro_config.lint import engine as linting
    from astro_config.lint.reporters import REPORTERS
    from astro_config.models import Result

    with handle_errors():
        if fmt == "auto":
            fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
        if fmt not in REPORTERS:
            fail(f"--format must be one of {', '.join(REPORTERS)}, not {fmt!r}")
        if not paths and not layers and not sets and not set_strings:
            fail("give at least one PATH, or a layered set with -f FILE")
        upload_bytes, label = upload_target(upload, dags_dir)
        source = _version_label(platform_version) if platform_version else None
        if platform_version and not force:
            _check_layouts(paths, platform_version, max_bytes)
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
                    strict_skips=strict,
                    platform_label=source,
                )
                if paths
                else Result()
            )
        finally:
            if bar is not None:
                bar.close()
        if layers or sets or set_strings:
            ld = layered_from_options(layers, sets, set_strings)
            if platform_version and not force:
                _check_layouts(None, platform_version, max_bytes, ld)
            found = linting.lint_document(ld, platform_version, upload_bytes, upload_label=label, platform_label=source)
            result.files.append(ld.name)
            result.layered[ld.name] = len(ld.docs)
            result.problems.extend(ld.relocate(found))
        style = lint_style if should_color(sys.stdout) else None
        REPORTERS[fmt](sys.stdout, style, strict=strict).report(result)
        raise typer.Exit(result.exit_code(strict))


def _version_label(platform_version: str) -> str:
    """Where the declared version came from, for findings: ``--platform-version 2.1.0`` or
    ``ASTRO_PLATFORM_VERSION=2.1.0`` (Typer reads both into one parameter)."""
    from astro_config.platform.evidence import declared_source
    from astro_config.platform.profiles import generation_for_version

    shown = generation_for_version(platform_version).version_text or platform_version
    return declared_source(platform_version, sys.argv, os.environ).replace(platform_version, shown, 1)


def _check_layouts(paths: list[str] | None, platform_version: str, max_bytes: int, layered: object = None) -> None:
    """Exit 2 when a file's keys all belong to another layout than the declared version (--force skips this).
    Costs one extra read of each file, only when a version is declared."""
    from astro_config.errors import InputError
    from astro_config.lint import engine as linting
    from astro_config.platform.evidence import check_declared
    from astro_config.platform.profiles import generation_for_version

    declared = generation_for_version(platform_version)
    for name in linting.expand_paths(paths) if paths else []:
        try:
            doc = linting.load_for_lint(name, max_bytes)
            doc.data  # noqa: B018 - an unreadable file is a finding of the lint run, not of this check
        except InputError:
            continue
        check_declared(doc, declared, platform_version, sys.argv, os.environ)
    if layered is not None:
        check_declared(layered, declared, platform_version, sys.argv, os.environ)
