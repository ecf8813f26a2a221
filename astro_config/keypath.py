"""Dotted key paths: ``global.dagOnlyDeployment.enabled``, ``a.b[0].c``, ``x.kubernetes\\.io/name``.

A parsed key path is a tuple of ``str`` (mapping keys) and ``int`` (list indexes).
"""

from __future__ import annotations

import re

from astro_config.errors import KeyPathError

KeyPath = tuple[str | int, ...]

_INDEX = re.compile(r"\[(\d+)\]")
_CODE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))")
# characters that would break a one-line message or that nobody can type: control characters, NEL, LS, PS
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def parse(text: str) -> KeyPath:
    """Parse ``a.b\\.c[0].d`` into ``("a", "b.c", 0, "d")``.

    A backslash escapes the next character (``\\.``, ``\\[``, ``\\\\``); ``\\xHH`` and ``\\uHHHH`` stand for
    characters by their code (how :func:`format_path` writes control characters).
    """
    if text == "":
        raise KeyPathError("empty key path")
    parts: list[str | int] = []
    buf: list[str] = []
    have_key = False  # a key segment is open (possibly empty so far)
    i = 0
    n = len(text)

    def close_key() -> None:
        nonlocal have_key
        key = "".join(buf)
        if key == "":
            raise KeyPathError(f"empty key in key path {text!r}")
        parts.append(key)
        buf.clear()
        have_key = False

    have_key = True
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 >= n:
                raise KeyPathError(f"dangling backslash at the end of key path {text!r}")
            m = _CODE.match(text, i)
            if m:  # \xHH, \uHHHH: a character that cannot be typed (format_path writes them so)
                buf.append(chr(int(m.group(1) or m.group(2), 16)))
                i = m.end()
                continue
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == ".":
            if have_key:
                close_key()
            elif not parts:
                raise KeyPathError(f"empty key in key path {text!r}")
            have_key = True
            i += 1
            continue
        if ch == "[":
            m = _INDEX.match(text, i)
            if not m:
                raise KeyPathError(f"bad list index at column {i + 1} of key path {text!r}: use [N]")
            if have_key:
                if buf:
                    close_key()
                elif not parts:
                    raise KeyPathError(f"key path {text!r} cannot start with a list index")
                else:
                    raise KeyPathError(f"empty key in key path {text!r}")
            parts.append(int(m.group(1)))
            have_key = False
            i = m.end()
            if i < n and text[i] not in ".[":
                raise KeyPathError(f"expected '.' or '[' after ']' in key path {text!r}")
            continue
        if ch == "]":
            raise KeyPathError(f"unbalanced ']' in key path {text!r}")
        if not have_key:
            raise KeyPathError(f"expected '.' before {ch!r} in key path {text!r}")
        buf.append(ch)
        i += 1
    if have_key:
        close_key()
    return tuple(parts)


def _escape(key: str) -> str:
    key = key.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")
    return _UNPRINTABLE.sub(lambda m: _code(m.group()), key)


def _code(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def format_path(path: KeyPath) -> str:
    """Inverse of :func:`parse`: ``("a", "b.c", 0)`` -> ``a.b\\.c[0]``. The root is ``.``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            if out:
                out.append(".")
            out.append(_escape(part))
    return "".join(out) if out else "."
