"""The lint engine: expand paths, load each file on its own, run the rules, apply inline suppressions.

A file that cannot be parsed becomes a ``syntax`` / ``duplicate-key`` finding and the run goes on; a file
whose layout cannot be decided becomes an ``unknown-platform`` finding. Only a bad ``--platform-version``
and paths that match no file stop the run (usage errors, exit 2).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from astro_config.document import reader
from astro_config.errors import AstroConfigError, InputError, PlatformVersionError
from astro_config.keypath import KeyPath, format_path
from astro_config.lint.rules import RULES, LintContext, LintDocument, checked_rules, is_yaml11_plain
from astro_config.models import Problem, Result, apply_suppressions
from astro_config.models import suppressed_rules as suppressed_rules  # (moved to models.py: helm/layered uses it)
from astro_config.platform import profiles

YAML_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARS = re.compile(r"[*?\[]")

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
    folders below them skipped), globs (``**`` allowed) expanded and sorted. Each file appears once. ``-`` is
    standard input.

    Raises :class:`AstroConfigError` ("no file found ...") when a path matches nothing, or when nothing is
    left to lint.
    """
    return [name for name, _found, _version in expand_paths_found(paths)]


def expand_paths_found(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, bool, str | None]]:
    """:func:`expand_paths`, each file with whether it was *found* (in a folder or by a glob) rather than
    named (a found file that holds no platform key is another chart's values file and is skipped), and the
    platform release given with it as ``FILE@VERSION`` (None without)."""
    files, missing = expand_paths_partly(paths)
    if missing:
        shown = ", ".join(missing)
        raise AstroConfigError(f"no file found: {shown} (give values files, folders of *.yaml files or globs)")
    return files


def expand_paths_partly(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[list[tuple[str, bool, str | None]], list[str]]:
    """:func:`expand_paths_found` that also returns the paths that matched nothing instead of refusing them,
    as long as some file was found (nothing found at all is still :class:`AstroConfigError`)."""
    from astro_config.platform.fileversion import split_file_version

    files: list[tuple[str, bool, str | None]] = []
    seen: set[str] = set()
    missing: list[str] = []

    def add(name: str, found: bool) -> None:
        key = name if name == "-" else os.path.normpath(os.path.abspath(name))
        if key not in seen:
            seen.add(key)
            files.append((name, found, version))

    given = [os.fspath(p) for p in paths]
    for given_raw in given:
        raw, version = split_file_version(given_raw)
        p = Path(raw)
        found = True
        if raw == "-":
            matched, found = [raw], False
        elif p.is_dir():
            matched = _walk(p)
        elif p.exists() or p.is_symlink():
            matched, found = [raw], False
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
            add(name, found)
    if missing and not files:
        shown = ", ".join(missing)
        raise AstroConfigError(f"no file found: {shown} (give values files, folders of *.yaml files or globs)")
    if not files:
        raise AstroConfigError("no file found: no paths given")
    return files, missing


# ----------------------------------------------------------------------------------------------------------
# Files of other charts
# ----------------------------------------------------------------------------------------------------------

SKIP_REASON = "holds no key of any platform layout (a values file of another chart?)"


def _platform_paths() -> tuple[KeyPath, ...]:
    paths: list[KeyPath] = [("astronomer",), ("global", "baseDomain")]
    for gen in profiles.GENERATIONS:
        paths += [gen.block, gen.global_flag, gen.houston_flag, gen.ingress_key, gen.resources]
    paths += [ev.path for ev in profiles.EVIDENCE]
    return tuple(dict.fromkeys(paths))


def has_platform_keys(data: Any) -> bool:
    """True when ``data`` holds a key of some platform layout: the platform's own ``astronomer`` subtree,
    ``global.baseDomain``, or any key path a layout generation reads (DAG-only block, both flags, the ingress
    switch) or infers the layout from."""
    for path in _platform_paths():
        cur = data
        for part in path:
            if not (isinstance(cur, dict) and part in cur):
                break
            cur = cur[part]
        else:
            return True
    return False


def _foreign_problem(name: str) -> Problem:
    rule = RULES["unknown-platform"]
    message = f"{SKIP_REASON}; found in a folder, it is skipped without --strict"
    return Problem(name, 0, 0, "unknown-platform", rule.severity, message, "", "lint it on its own, or move it away")


# ----------------------------------------------------------------------------------------------------------
# Suppressions (the comment syntax and apply_suppressions are in models.py)
# ----------------------------------------------------------------------------------------------------------


def _suppressed(problems: list[Problem], doc: LintDocument) -> list[Problem]:
    """:func:`apply_suppressions` with the document's lines, read only when a finding has a line (for a
    :class:`FastDocument` the lines come from a full parse)."""
    if not any(p.line > 0 for p in problems):
        return problems
    return apply_suppressions(problems, doc.lines)


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
        # a file that is not YAML text at all (a FIFO, too large, binary) has no position to fix
        hint=rule.hint if error.line else "make it a readable UTF-8 YAML file within the limits",
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
    platform_label: str | None = None,
) -> list[Problem]:
    """All findings for one parsed document, sorted by position, inline suppressions applied.

    ``platform_version`` as given to ``--platform-version`` (None: infer the layout from the keys; when it
    cannot be inferred the result is one ``unknown-platform`` finding). ``upload_bytes`` is the compressed
    upload to check the resources against (``--upload`` / ``--dags-dir``), described by ``upload_label`` in
    messages. ``platform_label`` names where ``platform_version`` came from in messages (``--platform-version
    2.1.0``, ``ASTRO_PLATFORM_VERSION=2.1.0``, ``FILE@2.1.0``; None: the flag). Raises
    :class:`PlatformVersionError` only for an unreadable ``platform_version``.
    """
    try:
        data = doc.data
    except InputError as e:
        return [input_problem(e)]
    if platform_version:
        platform = profiles.generation_for_version(platform_version)
        if platform_label:
            platform = profiles.Platform(platform.generation, platform.version, platform.version_text, platform_label)
    else:
        try:
            platform = profiles.resolve_platform(None, data, doc.name)
        except PlatformVersionError as e:
            return _suppressed([_unknown_platform(doc, e)], doc)
    ctx = LintContext(doc, platform, upload_bytes, upload_label)
    problems: list[Problem] = []
    for rule in checked_rules():
        problems.extend(rule.check(ctx))
    return _suppressed(_sorted(problems), doc)


# ----------------------------------------------------------------------------------------------------------
# Loading for lint: plain data first, positions only when a finding needs them
# ----------------------------------------------------------------------------------------------------------


_Unusual = reader.Unusual  # fast_data leaves this input to the full parser (which reports any error)


def fast_data(text: str) -> dict[str, Any]:
    """The values of ``text`` as :func:`astro_config.document.reader.load_text` reads them, from the reader's
    data-only mode (:func:`astro_config.document.reader.read_data`): about a third of the time.

    Raises :class:`_Unusual` for anything outside the common shape (tags, complex or float keys, duplicate
    keys, parse errors, odd line breaks, very long lines, limits) so that the caller falls back to the full
    parser, which reads those or reports them with their exact message and position.
    """
    return fast_read(text)[0]


def fast_read(text: str) -> tuple[dict[str, Any], bool]:
    """:func:`fast_data`, and whether any plain scalar is one that the yaml11-type rule reports."""
    return reader.read_data(text, is_yaml11_plain)


class FastDocument:
    """A values file for lint: ``name``, ``text`` and ``data`` from :func:`fast_data`; anything about positions
    (``lines``, ``locate``, ``scalar_source``) parses the text in full on first use."""

    def __init__(
        self, name: str, text: str, data: dict[str, Any], bom: bool = False, yaml11_plain_scalars: bool = True
    ) -> None:
        self.name = name
        self.text = text
        self._data = data
        self._bom = bom
        self._full: LintDocument | None = None
        self.yaml11_plain_scalars = yaml11_plain_scalars  # read by rules.check_yaml11

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    def full(self) -> LintDocument:
        """The fully parsed document (with positions), parsed once."""
        if self._full is None:
            from astro_config.document import reader as document

            self._full = document.load_text(self.text, self.name, bom=self._bom)
        return self._full

    @property
    def lines(self) -> list[str]:
        return self.full().lines

    def locate(self, path: KeyPath) -> tuple[int, int] | None:
        return self.full().locate(path)

    def scalar_source(self, path: KeyPath) -> str | None:
        return self.full().scalar_source(path)


def load_for_lint(path: str, max_bytes: int | None = None) -> LintDocument:
    """Read a values file for lint: :class:`FastDocument` when :func:`fast_data` can read it, else the fully
    parsed document. Raises :class:`InputError` as :func:`astro_config.document.reader.load_file` does."""
    from astro_config.document import reader as document

    limit = document.DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    name = document.display_name(path)  # (``<stdin>`` for ``-``)
    raw = document.read_bytes(path, name, limit)
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        if b"\x00" in raw:
            raise _Unusual
        text = (raw[3:] if bom else raw).decode("utf-8")
        data, yaml11 = fast_read(text)
        return FastDocument(name, text, data, bom, yaml11)
    except (_Unusual, UnicodeDecodeError):
        return document.load_bytes(raw, name)


def _default_loader(max_bytes: int | None) -> Loader:
    def load(path: str) -> LintDocument:
        return load_for_lint(path, max_bytes)

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


def lint_found_file(
    path: str,
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    *,
    upload_label: str | None = None,
    loader: Loader | None = None,
    found: bool = False,
    strict_skips: bool = False,
    file_version: str | None = None,
    platform_label: str | None = None,
) -> tuple[list[Problem], bool]:
    """:func:`lint_file`, and whether the file was skipped: a file ``found`` in a folder or by a glob that
    holds no platform key (:func:`has_platform_keys`) is skipped, or is one ``unknown-platform`` error with
    ``strict_skips``. A file that cannot be read is a finding either way. ``file_version`` (from
    ``FILE@VERSION``) is this file's platform release, over ``platform_version`` (and named ``FILE@VERSION`` in
    messages instead of ``platform_label``)."""
    load = loader or _default_loader(None)
    try:
        doc = load(path)
    except InputError as e:
        return [input_problem(e)], False
    if found:
        try:
            data = doc.data
        except InputError as e:
            return [input_problem(e)], False
        if not has_platform_keys(data):
            return ([_foreign_problem(doc.name)], False) if strict_skips else ([], True)
    if file_version:
        platform_version, platform_label = file_version, f"{path}@{file_version}"
    found_problems = lint_document(
        doc, platform_version, upload_bytes, upload_label=upload_label, platform_label=platform_label
    )
    return found_problems, False


# Below this many files a second process costs more than it saves (a fork, and the workers' results pickled).
MIN_FILES_PER_JOB = 8


def _lint_chunk(
    files: list[tuple[str, bool, str | None]],
    platform_version: str | None,
    upload_bytes: int | None,
    upload_label: str | None,
    max_bytes: int | None,
    strict_skips: bool = False,
    platform_label: str | None = None,
    loader: Loader | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Problem], list[str]]:
    """Lint ``files`` one after the other (in this process, or in one worker of :func:`_lint_in_processes`):
    their findings, and the files skipped as another chart's."""
    load = loader or _default_loader(max_bytes)
    problems: list[Problem] = []
    skipped: list[str] = []
    for done, (name, found, version) in enumerate(files, 1):
        found_problems, skip = lint_found_file(
            name,
            platform_version,
            upload_bytes,
            upload_label=upload_label,
            loader=load,
            found=found,
            strict_skips=strict_skips,
            file_version=version,
            platform_label=platform_label,
        )
        problems.extend(found_problems)
        if skip:
            skipped.append(_shown(name))
        if progress is not None:
            progress(done, len(files))
    return problems, skipped


def effective_jobs(jobs: int | None, files: int) -> int:
    """How many processes lint ``files`` files: ``jobs`` (0 or None: one per CPU), at most one per
    :data:`MIN_FILES_PER_JOB` files, at least 1."""
    wanted = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, files // MIN_FILES_PER_JOB))


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    *,
    upload_label: str | None = None,
    max_bytes: int | None = None,
    loader: Loader | None = None,
    jobs: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    strict_skips: bool = False,
    platform_label: str | None = None,
) -> Result:
    """Lint every file that ``paths`` names (see :func:`expand_paths`), each on its own.

    A file found in a folder or by a glob that holds no key of any platform layout (another chart's values
    file) is skipped and listed in ``Result.skipped``; ``strict_skips`` makes it an ``unknown-platform`` error.

    ``platform_label``: where ``platform_version`` came from, for messages (see :func:`lint_document`).

    ``progress(done, total)`` is called after each file (in one process; with several, after all of them).

    ``jobs``: processes to spread the files over (1: this process only; 0 or None: one per CPU); see
    :func:`effective_jobs`. The result does not depend on it. A custom ``loader`` always runs here.

    Raises :class:`AstroConfigError` before reading anything when a path matches no file, and
    :class:`PlatformVersionError` for an unreadable ``platform_version``; everything else about a file is a
    finding in the returned :class:`Result` (files in order, findings grouped by file, sorted by position).
    """
    if platform_version:
        profiles.generation_for_version(platform_version)  # a usage error, before any file is read
    files, missing = expand_paths_partly(paths)
    for _name, _found, version in files:
        if version:
            profiles.generation_for_version(version)  # (a readable release that no layout knows: a usage error)
    result = Result(files=[_shown(name) for name, _found, _version in files])
    # standard input is read here: a worker process has none
    in_process = loader is not None or any(name == "-" for name, _found, _version in files)
    workers = 1 if in_process else effective_jobs(jobs, len(files))
    skipped: list[str] = []
    if workers > 1:
        problems, skipped = _lint_in_processes(
            files, workers, platform_version, upload_bytes, upload_label, max_bytes, strict_skips, platform_label
        )
        result.problems.extend(problems)
        if progress is not None:
            progress(len(files), len(files))
    else:
        problems, skipped = _lint_chunk(
            files,
            platform_version,
            upload_bytes,
            upload_label,
            max_bytes,
            strict_skips,
            platform_label,
            loader=loader,
            progress=progress,
        )
        result.problems.extend(problems)
    # a path that matched nothing, beside files that were linted: a finding of its own, and the rest went on
    result.files.extend(missing)
    result.problems.extend(_missing_problem(raw) for raw in missing)
    result.skipped = [(name, SKIP_REASON) for name in skipped]
    gone = set(skipped)
    result.files = [name for name in result.files if name not in gone]
    return result


def _missing_problem(raw: str) -> Problem:
    rule = RULES["syntax"]
    return Problem(
        file=raw,
        line=0,
        column=0,
        rule="syntax",
        severity=rule.severity,
        message="no file found (no such file, or a folder or glob that matches no *.yaml file)",
        key="",
        hint="check the path",
    )


def _shown(name: str) -> str:
    return "<stdin>" if name == "-" else name  # as the reader shows standard input


def _lint_in_processes(
    files: list[tuple[str, bool, str | None]],
    workers: int,
    platform_version: str | None,
    upload_bytes: int | None,
    upload_label: str | None,
    max_bytes: int | None,
    strict_skips: bool = False,
    platform_label: str | None = None,
) -> tuple[list[Problem], list[str]]:
    """:func:`_lint_chunk` over ``workers`` contiguous slices of ``files`` in forked processes (spawned where
    fork is not available), findings in file order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    size = -(-len(files) // workers)
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    options = (platform_version, upload_bytes, upload_label, max_bytes, strict_skips, platform_label)
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=context) as pool:
        futures = [pool.submit(_lint_chunk, chunk, *options) for chunk in chunks]
        done = [future.result() for future in futures]
    return [p for problems, _ in done for p in problems], [name for _, skipped in done for name in skipped]


def run_lint(
    paths: Iterable[str | os.PathLike[str]],
    *,
    stream: TextIO,
    fmt: str = "text",
    style: Callable[[str, str], str] | None = None,
    strict: bool = False,
    platform_version: str | None = None,
    upload_bytes: int | None = None,
    upload_label: str | None = None,
    max_bytes: int | None = None,
    jobs: int | None = 1,
) -> int:
    """``astro-config lint`` without the shell: lint, write the report in ``fmt`` to ``stream``, return the exit
    code (0 clean or warnings only, 1 errors, or warnings with ``strict``). ``jobs`` as in :func:`lint_paths`;
    ``style`` colours the text report (see :mod:`astro_config.lint.reporters`).

    Raises :class:`AstroConfigError` (exit 2) for an unknown format, a path that matches no file or an
    unreadable ``platform_version``; nothing is written then.
    """
    from astro_config.lint.reporters import REPORTERS

    reporter = REPORTERS.get(fmt)
    if reporter is None:
        raise AstroConfigError(f"unknown format {fmt!r}; choose one of {', '.join(REPORTERS)}")
    result = lint_paths(
        paths,
        platform_version,
        upload_bytes,
        upload_label=upload_label,
        max_bytes=max_bytes,
        jobs=jobs,
        strict_skips=strict,
    )
    reporter(stream, style, strict=strict).report(result)
    return result.exit_code(strict)
