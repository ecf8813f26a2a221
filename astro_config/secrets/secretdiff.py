"""Unified diffs of an edited values file with secret values hidden, using the parsed documents.

A line-by-line redactor cannot follow a block scalar or a flow mapping; the documents can: every scalar under
a secret-looking key path is replaced, where it stands in the text, by ``<redacted, changed>`` when the edit
changes that key's value and ``<redacted, unchanged>`` otherwise. The diff itself is computed on the real
lines, so a change of a secret still shows as a changed line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from astro_config.document.reader import MISSING, ValuesDocument
from astro_config.document.writing import grouped_opcodes, hunk_range
from astro_config.keypath import KeyPath
from astro_config.secrets import redact

CHANGED = "<redacted, changed>"
UNCHANGED = "<redacted, unchanged>"


def _secret_spans(
    doc: ValuesDocument, other: ValuesDocument, patterns: Sequence[str] | None
) -> list[tuple[int, int, str]]:
    pats = tuple(patterns) if patterns is not None else redact.DEFAULT_PATTERNS
    spans: list[tuple[int, int, str]] = []
    for path, entry in doc.index.items():
        node = entry.value
        if node.kind != "scalar" or not path or not redact.is_secret_path(path, pats):
            continue
        value = doc.get(path)
        if value is None or value is True or value is False or value == "":
            continue  # nothing to hide
        marker = UNCHANGED if _same(value, other.get(path)) else CHANGED
        start = node.start
        text = doc.text
        while start < node.end and text[start] in "&!":  # keep anchors and tags visible
            while start < node.end and text[start] not in " \t":
                start += 1
            while start < node.end and text[start] in " \t":
                start += 1
        spans.append((start, node.end, marker))
    return spans


def _same(a: Any, b: Any) -> bool:
    return b is not MISSING and type(a) is type(b) and a == b


def redacted_lines(doc: ValuesDocument, other: ValuesDocument, patterns: Sequence[str] | None = None) -> list[str]:
    """The document's lines (with endings) with secret scalars replaced in place (line count unchanged)."""
    text = doc.text
    pieces: list[str] = []
    pos = 0
    for start, end, marker in sorted(_secret_spans(doc, other, patterns)):
        if start < pos:
            continue
        chunk = text[start:end]
        # a multi-line scalar keeps its line breaks (and indentation) so that lines stay aligned
        parts = chunk.split("\n")
        shown = [marker] + [p[: len(p) - len(p.lstrip(" "))] + marker if p.strip() else p for p in parts[1:]]
        replacement = "\n".join(shown)
        pieces.append(text[pos:start])
        pieces.append(replacement)
        pos = end
    pieces.append(text[pos:])
    out = "".join(pieces)
    lines = out.split("\n")
    result = [ln + "\n" for ln in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return [redact.redact_string(ln) for ln in result]


def _split(text: str) -> list[str]:
    lines = text.split("\n")
    out = [ln + "\n" for ln in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def redacted_unified_diff(
    old: ValuesDocument, new: ValuesDocument, name: str, context: int = 3, patterns: Sequence[str] | None = None
) -> str:
    """A ``patch``-style unified diff of ``old`` -> ``new`` whose shown lines have secret values hidden."""
    a, b = _split(old.text), _split(new.text)
    ra, rb = redacted_lines(old, new, patterns), redacted_lines(new, old, patterns)
    if len(ra) != len(a) or len(rb) != len(b):  # pragma: no cover - redaction keeps lines aligned
        raise AssertionError("redaction changed the number of lines")

    out: list[str] = []
    for group in grouped_opcodes(a, b, context):
        if not out:
            out += [f"--- a/{name}\n", f"+++ b/{name}\n"]
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{hunk_range(i1, i2)} +{hunk_range(j1, j2)} @@\n")
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                out += [" " + _eol(ln) for ln in ra[x1:x2]]
                continue
            out += ["-" + _eol(ln) for ln in ra[x1:x2]]
            out += ["+" + _eol(ln) for ln in rb[y1:y2]]
    return "".join(out)


def _eol(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


__all__ = ["CHANGED", "UNCHANGED", "KeyPath", "redacted_lines", "redacted_unified_diff"]
