"""Exceptions and exit codes shared by the whole tool.

Exceptions are turned into exit codes only in ``cli.py``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # findings, "would change", "differs", half-enabled
    USAGE = 2  # bad usage or unusable input
    INTERNAL = 3  # a bug in astro-config


class AstroConfigError(Exception):
    """Base class: a problem the user can fix. Rendered as one line, exit 2."""

    exit_code: ExitCode = ExitCode.USAGE


class InputError(AstroConfigError):
    """A file that cannot be read or parsed. Carries a 1-based position when known."""

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class KeyPathError(AstroConfigError):
    """A key path that is malformed, missing, or cannot be edited."""


class QuantityError(AstroConfigError):
    """A Kubernetes quantity or a size that cannot be parsed."""


class SchemaNotFoundError(AstroConfigError):
    """No bundled schema for the requested platform version."""


class PlatformVersionError(AstroConfigError):
    """A platform version that cannot be parsed or whose layout cannot be decided."""


class WriteError(AstroConfigError):
    """A write that was refused or failed; the original file is untouched."""


class VerificationError(AstroConfigError):
    """The edit engine produced text that does not match the intended change: a bug, nothing written."""

    exit_code = ExitCode.INTERNAL
