"""Plain data records passed between the core and the reporters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from astro_config.keypath import KeyPath


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Problem(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    """One finding about one file. ``line``/``column`` are 1-based; 0 when the file has no position."""

    file: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    key: str = ""  # dotted key path, "" when not about a key
    hint: str = ""

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.rule)


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    TYPE_CHANGED = "type_changed"


class Change(NamedTuple):  # (a NamedTuple: about 0.5 ms less to create than a dataclass, at start-up)
    """One semantic change between two sets of values."""

    path: KeyPath
    kind: ChangeKind
    old: Any = None
    new: Any = None


@dataclass
class Result:
    """What a command found, to be reported and turned into an exit code."""

    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # files read but not linted (a folder's values files of other charts), with the reason
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # entries of ``files`` that are layered sets (-f a.yaml -f b.yaml), with the number of files in each
    layered: dict[str, int] = field(default_factory=dict)

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def exit_code(self, strict: bool = False) -> int:
        if self.errors() or (strict and self.warnings()):
            return 1
        return 0


# Inline suppressions: ``# astro-config: disable=RULE[,RULE...]`` on a finding's line or the line above. They
# live here, beside Problem, because both lint (lint/engine.py) and a layered set (helm/layered.py) apply them.
_SUPPRESS = re.compile(r"#\s*astro-config:\s*disable=([A-Za-z0-9_,\s-]+)")


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
