"""Plain data records passed between the core and the reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from astro_config.keypath import KeyPath


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Problem:
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


@dataclass(frozen=True)
class Change:
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

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def exit_code(self, strict: bool = False) -> int:
        if self.errors() or (strict and self.warnings()):
            return 1
        return 0
