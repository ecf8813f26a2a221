"""The lint engine: expand paths, load each file on its own, run the rules, apply inline suppressions.

A file that cannot be parsed becomes a ``syntax`` / ``duplicate-key`` finding and the run goes on; a file
whose layout cannot be decided becomes an ``unknown-platform`` finding. Only a bad ``--platform-version``
and paths that match no file stop the run (usage errors, exit 2).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from astro_config import profiles
from astro_config.errors import AstroConfigError, InputError, PlatformVersionError
from astro_config.keypath import format_path
from astro_config.models import Problem, Result
from astro_config.rules import RULES, LintContext, LintDocument, checked_rules

YAML_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARS = re.compile(r"[*?\[]")
_SUPPRESS = re.compile(r"#\s*astro-config:\s*disable=([A-Za-z0-9_,\s-]+)")

Loader = Callable[[str], LintDocument]


# ----------------------------------------------------------------------------------------------------------
# Paths
# ----------------------------------------------------------------------------------------------------------


def _walk(directory: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES):
                found.append(os.path.join(dirpath, name))
    return found


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Files to lint, in the order given: files as named, directories walked for ``*.yaml``/``*.yml`` (hidden
    folders below them skipped), globs (``**`` allowed) expanded and sorted. Each file appears once.

    Raises :class:`AstroConfigError` ("no file found ...") when a path matches nothing, or when nothing is
    left to lint.
    """
    files: list[str] = []
    seen: set[str] = set()
    missing: list[str] = []

    def add(name: str) -> None:
        key = os.path.normpath(os.path.abspath(name))
        if key not in seen:
            seen.add(key)
            files.append(name)

    given = [os.fspath(p) for p in paths]
    for raw in given:
        p = Path(raw)
        if p.is_dir():
            matched = _walk(p)
        elif p.exists() or p.is_symlink():
            matched = [raw]
        elif _GLOB_CHARS.search(raw):
            matched = []
            for hit in sorted(glob.glob(raw, recursive=True)):
                if os.path.isdir(hit):
                    matched.extend(_walk(Path(hit)))
                elif hit.endswith(YAML_SUFFIXES) or os.path.isfile(hit):
                    matched.append(hit)
        else:
            matched = []
        if not matched:
            missing.append(raw)
        for name in matched:
            add(name)
    if missing:
        shown = ", ".join(missing)
        raise AstroConfigError(f"no file found: {shown} (give values files, folders of *.yaml files or globs)")
    if not files:
        raise AstroConfigError("no file found: no paths given")
    return files


# ----------------------------------------------------------------------------------------------------------
# Suppressions
# ----------------------------------------------------------------------------------------------------------


def suppressed_rules(line_text: str) -> set[str]:
    """Rule ids named by ``# astro-config: disable=RULE[,RULE...]`` on this line."""
    ids: set[str] = set()
    for m in _SUPPRESS.finditer(line_text):
        ids.update(part.strip() for part in m.group(1).replace(" ", ",").split(",") if part.strip())
    return ids


def apply_suppressions(problems: list[Problem], lines: Sequence[str]) -> list[Problem]:
    """Drop findings disabled by a comment on their line or on the line above."""
    cache: dict[int, set[str]] = {}

    def ids(line: int) -> set[str]:
        if line not in cache:
            cache[line] = suppressed_rules(lines[line - 1]) if 1 <= line <= len(lines) else set()
        return cache[line]

    kept: list[Problem] = []
    for p in problems:
        if p.line > 0 and (p.rule in ids(p.line) or p.rule in ids(p.line - 1)):
            continue
        kept.append(p)
    return kept


# ----------------------------------------------------------------------------------------------------------
# One document
# ----------------------------------------------------------------------------------------------------------


def input_problem(error: InputError) -> Problem:
    """A file that could not be loaded, as a finding (``duplicate-key`` or ``syntax``)."""
    rule_id = "duplicate-key" if error.message.startswith("duplicate key") else "syntax"
    rule = RULES[rule_id]
    return Problem(
        file=error.file,
        line=error.line or 0,
        column=(error.column or 0) if error.line else 0,
        rule=rule_id,
        severity=rule.severity,
        message=error.message,
        key="",
        hint=rule.hint,
    )


def _unknown_platform(doc: LintDocument, error: PlatformVersionError) -> Problem:
    rule = RULES["unknown-platform"]
    message = str(error)
    prefix = f"{doc.name}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    line = column = 0
    key = ""
    _, seen = profiles.infer_generation(doc.data)
    for path, _gens in seen:
        loc = doc.locate(path)
        if loc is not None:
            (line, column), key = loc, format_path(path)
            break
    return Problem(doc.name, line, column, "unknown-platform", rule.severity, message, key, rule.hint)


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column, p.rule, p.key, p.message))


def lint_document(
    doc: LintDocument,
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    *,
    upload_label: str | None = None,
) -> list[Problem]:
    """All findings for one parsed document, sorted by position, inline suppressions applied.

    ``platform_version`` as given to ``--platform-version`` (None: infer the layout from the keys; when it
    cannot be inferred the result is one ``unknown-platform`` finding). ``upload_bytes`` is the compressed
    upload to check the resources against (``--upload`` / ``--dags-dir``), described by ``upload_label`` in
    messages. Raises :class:`PlatformVersionError` only for an unreadable ``platform_version``.
    """
    try:
        data = doc.data
    except InputError as e:
        return [input_problem(e)]
    if platform_version:
        platform = profiles.generation_for_version(platform_version)
    else:
        try:
            platform = profiles.resolve_platform(None, data, doc.name)
        except PlatformVersionError as e:
            return apply_suppressions([_unknown_platform(doc, e)], doc.lines)
    ctx = LintContext(doc, platform, upload_bytes, upload_label)
    problems: list[Problem] = []
    for rule in checked_rules():
        problems.extend(rule.check(ctx))
    return apply_suppressions(_sorted(problems), doc.lines)


def _default_loader(max_bytes: int | None) -> Loader:
    from astro_config import document

    def load(path: str) -> LintDocument:
        if max_bytes is None:
            return document.load_file(path)
        return document.load_file(path, max_bytes=max_bytes)

    return load


def lint_file(
    path: str,
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    *,
    upload_label: str | None = None,
    loader: Loader | None = None,
) -> list[Problem]:
    """Load one file and lint it; a file that cannot be loaded gives one ``syntax``/``duplicate-key`` finding."""
    load = loader or _default_loader(None)
    try:
        doc = load(path)
    except InputError as e:
        return [input_problem(e)]
    return lint_document(doc, platform_version, upload_bytes, upload_label=upload_label)


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    *,
    upload_label: str | None = None,
    max_bytes: int | None = None,
    loader: Loader | None = None,
) -> Result:
    """Lint every file that ``paths`` names (see :func:`expand_paths`), each on its own.

    Raises :class:`AstroConfigError` before reading anything when a path matches no file, and
    :class:`PlatformVersionError` for an unreadable ``platform_version``; everything else about a file is a
    finding in the returned :class:`Result` (files in order, findings grouped by file, sorted by position).
    """
    if platform_version:
        profiles.generation_for_version(platform_version)  # a usage error, before any file is read
    files = expand_paths(paths)
    load = loader or _default_loader(max_bytes)
    result = Result(files=list(files))
    for name in files:
        result.problems.extend(lint_file(name, platform_version, upload_bytes, upload_label=upload_label, loader=load))
    return result


def run_lint(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stream: TextIO,
    fmt: str = "text",
    color: bool = False,
    strict: bool = False,
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    upload_label: str | None = None,
    max_bytes: int | None = None,
) -> int:
    """``astro-config lint`` without the shell: lint, write the report in ``fmt`` to ``stream``, return the exit
    code (0 clean or warnings only, 1 errors, or warnings with ``strict``).

    Raises :class:`AstroConfigError` (exit 2) for an unknown format, a path that matches no file or an
    unreadable ``platform_version``; nothing is written then.
    """
    from astro_config.reporters import REPORTERS

    reporter = REPORTERS.get(fmt)
    if reporter is None:
        raise AstroConfigError(f"unknown format {fmt!r}; choose one of {', '.join(REPORTERS)}")
    result = lint_paths(paths, platform_version, upload_bytes, upload_label=upload_label, max_bytes=max_bytes)
    reporter(stream, color, strict=strict).report(result)
    return result.exit_code(strict)
