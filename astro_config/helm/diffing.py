"""Semantic diff of two sets of values (files or layered sets), and a unified text diff.

The comparison is on the data as Helm's templates see it (:func:`astro_config.helm.helmyaml.canonical`), so
comments, key order, quoting, ``yes`` vs ``true`` and ``1.0`` vs ``1`` are "same data". deepdiff does the
work underneath (imported inside :func:`changes`: it is slow to import). Lists are compared in order with
insertions and deletions aligned, so one item added at the top of a list is one change, not N.

Secrets are redacted unless ``show_secrets``: a changed secret is ``<redacted>`` -> ``<redacted, changed>``.
Exit codes follow diff(1): 0 same data, 1 different (2, trouble, is the CLI's business).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from astro_config.helm import helmyaml
from astro_config.keypath import KeyPath, format_path
from astro_config.models import Change, ChangeKind
from astro_config.secrets.redact import DEFAULT_PATTERNS, redact_change, redact_for_diff

_MISSING: Any = object()


def type_name(v: Any) -> str:
    """The YAML name of a value's type."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    return type(v).__name__


def _kind_of_type(v: Any) -> str:
    name = type_name(v)
    return "number" if name in ("integer", "float") else name


def _path_of(level: Any) -> KeyPath:
    out: list[str | int] = []
    for part in level.path(output_format="list"):
        out.append(part if isinstance(part, int) and not isinstance(part, bool) else str(part))
    return tuple(out)


def _sort_key(path: KeyPath) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in path)


def changes(old: Any, new: Any) -> list[Change]:
    """The semantic changes from ``old`` to ``new`` (plain data, compared as Helm sees it), unredacted.

    Maps and scalars go through deepdiff; lists are aligned here (difflib on item identities: a map's
    ``name``/``key``/``id``, else the item itself), so an item inserted at the top of a list is one change
    and the items that moved down are not reported as changed.
    """
    a = helmyaml.canonical(old)
    b = helmyaml.canonical(new)
    if a == b and _same_types(a, b):
        return []
    out = _changes(a, b, ())
    out.sort(key=lambda c: _sort_key(c.path))
    return out


def _changes(a: Any, b: Any, prefix: KeyPath) -> list[Change]:
    if isinstance(a, list) and isinstance(b, list):
        return _list_changes(a, b, prefix)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return _scalar_change(a, b, prefix)
    from deepdiff import DeepDiff  # lazy: start-up (~0.1 s with pydantic); only for two mappings

    out: list[Change] = []
    dd = DeepDiff(a, b, view="tree", verbose_level=2, exclude_types=[list], threshold_to_diff_deeper=0)
    for report, levels in dd.items():
        for level in levels:
            path = prefix + _path_of(level)
            t1 = level.t1
            t2 = level.t2
            if report in ("dictionary_item_added", "iterable_item_added", "attribute_added"):
                out.append(Change(path, ChangeKind.ADDED, None, t2))
            elif report in ("dictionary_item_removed", "iterable_item_removed", "attribute_removed"):
                out.append(Change(path, ChangeKind.REMOVED, t1, None))
            else:
                out.extend(_scalar_change(t1, t2, path))
    out.extend(_lists_below(a, b, prefix))
    return out


def _scalar_change(a: Any, b: Any, path: KeyPath) -> list[Change]:
    if a == b and type(a) is type(b):
        return []
    if a is None or b is None or _kind_of_type(a) == _kind_of_type(b):
        return [Change(path, ChangeKind.CHANGED, a, b)]
    return [Change(path, ChangeKind.TYPE_CHANGED, a, b)]


def _lists_below(a: dict[str, Any], b: dict[str, Any], prefix: KeyPath) -> list[Change]:
    """The changes deepdiff was told to leave alone: everything that involves a list."""
    out: list[Change] = []
    for k, va in a.items():
        path = (*prefix, k)
        if k not in b:
            if isinstance(va, list):
                out.append(Change(path, ChangeKind.REMOVED, va, None))
            continue
        vb = b[k]
        if isinstance(va, list) or isinstance(vb, list):
            out.extend(
                _changes(va, vb, path)
                if isinstance(va, list) and isinstance(vb, list)
                else _scalar_change(va, vb, path)
            )
        elif isinstance(va, dict) and isinstance(vb, dict):
            out.extend(_lists_below(va, vb, path))
    for k, vb in b.items():
        if k not in a and isinstance(vb, list):
            out.append(Change((*prefix, k), ChangeKind.ADDED, None, vb))
    return out


def _identity(item: Any) -> str:
    if isinstance(item, dict):
        for k in ("name", "key", "id"):
            if k in item and isinstance(item[k], str | int) and not isinstance(item[k], bool):
                return f"{k}={item[k]!r}"
    return helmyaml.to_json(item)


def _list_changes(a: list[Any], b: list[Any], prefix: KeyPath) -> list[Change]:
    out: list[Change] = []
    matcher = difflib.SequenceMatcher(None, [_identity(x) for x in a], [_identity(x) for x in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or op == "replace":
            n = min(i2 - i1, j2 - j1)
            for k in range(n):
                x, y = a[i1 + k], b[j1 + k]
                if x == y and _same_types(x, y):
                    continue
                out.extend(_changes(x, y, (*prefix, j1 + k)))
            for i in range(i1 + n, i2):
                out.append(Change((*prefix, i), ChangeKind.REMOVED, a[i], None))
            for j in range(j1 + n, j2):
                out.append(Change((*prefix, j), ChangeKind.ADDED, None, b[j]))
        elif op == "delete":
            for i in range(i1, i2):
                out.append(Change((*prefix, i), ChangeKind.REMOVED, a[i], None))
        elif op == "insert":
            for j in range(j1, j2):
                out.append(Change((*prefix, j), ChangeKind.ADDED, None, b[j]))
    return out


def _same_types(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return True


@dataclass
class DiffResult:
    old_name: str
    new_name: str
    changes: list[Change]  # redacted unless show_secrets
    text_diff: str  # unified diff of the effective values as Helm prints them (redacted unless show_secrets)
    formatting_only: bool = False  # same data, different text
    show_secrets: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def same_data(self) -> bool:
        return not self.changes

    @property
    def exit_code(self) -> int:
        return 0 if self.same_data else 1

    def counts(self) -> dict[str, int]:
        c = {k.value: 0 for k in ChangeKind}
        for ch in self.changes:
            c[ch.kind.value] += 1
        return c


def diff(
    old: Any,
    new: Any,
    *,
    old_name: str = "old",
    new_name: str = "new",
    show_secrets: bool = False,
    unified: int = 3,
    old_texts: Sequence[str] | None = None,
    new_texts: Sequence[str] | None = None,
    patterns: Sequence[str] = DEFAULT_PATTERNS,
) -> DiffResult:
    """Compare two sets of effective values. ``old_texts``/``new_texts`` (the files as written) only serve
    to tell a formatting-only difference from identical files."""
    raw = changes(old, new)
    shown: list[Change] = []
    for ch in raw:
        if show_secrets:
            shown.append(ch)
            continue
        before = _MISSING if ch.kind is ChangeKind.ADDED else ch.old
        after = _MISSING if ch.kind is ChangeKind.REMOVED else ch.new
        o, n = redact_change(ch.path, before, after, patterns, missing=_MISSING)
        shown.append(Change(ch.path, ch.kind, None if o is _MISSING else o, None if n is _MISSING else n))
    a = helmyaml.canonical(old)
    b = helmyaml.canonical(new)
    if not show_secrets:
        a, b = redact_for_diff(a, b, patterns)
    text = unified_diff(a, b, old_name, new_name, unified) if raw else ""
    formatting_only = bool(
        not raw and old_texts is not None and new_texts is not None and list(old_texts) != list(new_texts)
    )
    notes: list[str] = []
    if not raw:
        notes.append(
            "same data: the files differ only in formatting (comments, order, quoting)"
            if formatting_only
            else "same data"
        )
    return DiffResult(old_name, new_name, shown, text, formatting_only, show_secrets, notes)


def unified_diff(old: Any, new: Any, old_name: str, new_name: str, context: int = 3) -> str:
    """Unified diff of two value trees printed as Helm's ``toYaml`` prints them."""
    a = helmyaml.to_yaml(old).splitlines(keepends=True)
    b = helmyaml.to_yaml(new).splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, old_name, new_name, n=max(0, context)))


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def _short(v: Any, limit: int = 120) -> str:
    if isinstance(v, dict | list):
        s = json.dumps(helmyaml.sort_like_helm(v), ensure_ascii=False, separators=(",", ":"))
    elif isinstance(v, str):
        s = json.dumps(v, ensure_ascii=False)
    else:
        s = helmyaml.to_json(v)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def change_line(ch: Change) -> str:
    key = format_path(ch.path)
    if ch.kind is ChangeKind.ADDED:
        return f"+ {key}: {_short(ch.new)}"
    if ch.kind is ChangeKind.REMOVED:
        return f"- {key}: {_short(ch.old)}"
    if ch.kind is ChangeKind.TYPE_CHANGED:
        return (
            f"! {key}: {_short(ch.old)} -> {_short(ch.new)} (type changed: {type_name(ch.old)} -> {type_name(ch.new)})"
        )
    return f"~ {key}: {_short(ch.old)} -> {_short(ch.new)}"


def render_text(result: DiffResult) -> str:
    """The change list, a summary line, then the unified diff."""
    lines: list[str] = []
    if result.same_data:
        lines.append(f"{result.old_name} and {result.new_name}: {result.notes[0] if result.notes else 'same data'}")
        return "\n".join(lines) + "\n"
    for ch in result.changes:
        lines.append(change_line(ch))
    c = result.counts()
    hidden = not result.show_secrets and any("<redacted" in x for x in (*lines, result.text_diff or ""))
    lines.append(
        f"{len(result.changes)} change(s): {c['added']} added, {c['removed']} removed, "
        f"{c['changed']} changed, {c['type_changed']} type changed"
        + ("; secrets redacted (--show-secrets to see them)" if hidden else "")
    )
    out = "\n".join(lines) + "\n"
    if result.text_diff:
        out += "\n" + result.text_diff
    return out


def to_dict(result: DiffResult) -> dict[str, Any]:
    return {
        "old": result.old_name,
        "new": result.new_name,
        "same_data": result.same_data,
        "formatting_only": result.formatting_only,
        "secrets_redacted": not result.show_secrets,
        "summary": result.counts(),
        "changes": [
            {
                "path": format_path(ch.path),
                "kind": ch.kind.value,
                **({"old": ch.old, "old_type": type_name(ch.old)} if ch.kind is not ChangeKind.ADDED else {}),
                **({"new": ch.new, "new_type": type_name(ch.new)} if ch.kind is not ChangeKind.REMOVED else {}),
            }
            for ch in result.changes
        ],
    }


def render_json(result: DiffResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
