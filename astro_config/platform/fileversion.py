"""``FILE@VERSION``: a values file named with its own platform release (``status a.yaml@0.37.7 b.yaml@2.1.0``)."""

from __future__ import annotations

import os

from astro_config.errors import PlatformVersionError
from astro_config.platform.profiles import parse_version


def split_file_version(arg: str) -> tuple[str, str | None]:
    """``FILE@VERSION`` -> (FILE, VERSION) when VERSION reads as a platform release (``live.yaml@0.37.7``,
    ``-@2.1``) and ``arg`` itself names nothing; anything else is a file name as given (a file whose name has
    an ``@`` stays one)."""
    head, at, version = arg.rpartition("@")
    if not at or not head or os.path.lexists(arg):
        return arg, None
    try:
        parse_version(version)
    except PlatformVersionError:
        return arg, None
    return head, version
