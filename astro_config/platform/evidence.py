"""Evidence in a values file against the platform version the user declared.

A file whose keys all belong to one layout generation (``global.deployMechanisms`` only: 2.x; ``image:`` under
``global.dagOnlyDeployment``: 0.34-0.35; ...) says which chart it was written for. When the declared version
(``--platform-version`` or ``ASTRO_PLATFORM_VERSION``) belongs to another generation, editing or judging the file
with that version's paths is wrong: ``enable --platform-version 0.37.7`` on a 2.x file would write 0.x keys that
2.x ignores. The commands stop on it (exit 2) unless ``--force``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from astro_config.errors import PlatformVersionError
from astro_config.keypath import KeyPath, format_path
from astro_config.platform.profiles import GENERATIONS, Generation, Platform, infer_generation

ENV_VAR = "ASTRO_PLATFORM_VERSION"
FLAG = "--platform-version"


@dataclass(frozen=True)
class Conflict:
    file: str
    file_generation: Generation
    declared: Platform
    keys: tuple[tuple[KeyPath, str | None], ...]  # the file's evidence keys and their FILE:LINE

    @property
    def file_is_older(self) -> bool:
        return GENERATIONS.index(self.file_generation) < GENERATIONS.index(self.declared.generation)


def version_source(value: str, argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """How the declared version was given: ``FILE@V``, ``--platform-version V`` or ``ASTRO_PLATFORM_VERSION=V``.

    Typer reads both into one parameter; the command line wins over the environment, so the flag on ``argv``
    (``--platform-version V`` or ``--platform-version=V``) decides, and the environment is the source otherwise.
    """
    for arg in argv[1:]:  # FILE@VERSION (status): that file's own release
        if arg.endswith(f"@{value}") and len(arg) > len(value) + 1:
            return arg
    return declared_source(value, argv, environ)


def declared_source(value: str, argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """:func:`version_source` of a version declared for every file (not ``FILE@V``): ``--platform-version V`` or
    ``ASTRO_PLATFORM_VERSION=V``."""
    for arg in argv[1:]:
        if arg == "--":
            break
        if arg == FLAG or arg.startswith(FLAG + "="):
            return f"{FLAG} {value}"
    if environ.get(ENV_VAR):
        return f"{ENV_VAR}={environ[ENV_VAR]}"
    return f"{FLAG} {value}"


def _where(doc: Any, path: KeyPath) -> str | None:
    where = getattr(doc, "where", None)
    if callable(where):
        result = where(path)
        if isinstance(result, str):
            return result
    locate = getattr(doc, "locate", None)
    if callable(locate):
        loc = locate(path)
        if loc:
            return f"{doc.name}:{loc[0]}"
    return None


def find_conflict(doc: Any, declared: Platform) -> Conflict | None:
    """The conflict when every generation-specific key of ``doc`` names one generation and ``declared`` is
    another; None when the file agrees, holds no telling key, or tells two stories (a finding of its own)."""
    data = doc.data
    if not isinstance(data, Mapping):
        return None
    gen, seen = infer_generation(data)
    if gen is None or gen is declared.generation:
        return None
    keys = tuple((path, _where(doc, path)) for path, gens in seen if len(gens) == 1)
    return Conflict(doc.name, gen, declared, keys)


def conflict_message(conflict: Conflict, source: str) -> str:
    shown = []
    for path, where in conflict.keys[:3]:
        shown.append(f"{format_path(path)} ({where})" if where else format_path(path))
    more = f" and {len(conflict.keys) - 3} more" if len(conflict.keys) > 3 else ""
    declared = conflict.declared
    version = declared.version_text or declared.generation.example_version
    text = (
        f"{conflict.file} holds {conflict.file_generation.label} keys only ({', '.join(shown)}{more}), but "
        f"{source} is a {declared.generation.label} release, whose chart ignores them"
    )
    if conflict.file_is_older:
        # in a layered set, the file that holds the keys
        files = [m.group(1) for _, where in conflict.keys if where and (m := re.match(r"^(.+):\d+$", where))]
        target = files[0] if files else conflict.file
        text += f"; migrate the file first: astro-config migrate {target} --to {version}"
    else:
        text += f"; check the platform version (this file is for {conflict.file_generation.label})"
    return text + "; or pass --force to go on with the declared version"


def check_declared(
    doc: Any,
    declared: Platform,
    value: str | None,
    argv: Sequence[str],
    environ: Mapping[str, str],
    force: bool = False,
) -> Platform:
    """``declared`` with ``decided_by`` naming where the version came from; :class:`PlatformVersionError` (exit 2)
    when the file's keys belong to another generation, unless ``force``. ``value`` is the declared version as
    given (None: inferred from the file, nothing to check)."""
    if not value:
        return declared
    source = version_source(value, argv, environ)
    shown = source if declared.version_text is None else source.replace(value, declared.version_text, 1)
    platform = declared._replace(decided_by=shown)
    if force:
        return platform
    conflict = find_conflict(doc, platform)
    if conflict is not None:
        raise PlatformVersionError(conflict_message(conflict, source))
    return platform
