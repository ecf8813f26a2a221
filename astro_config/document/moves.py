"""Moving keys in a values document, comments and formatting included, byte-exactly elsewhere.

A key's *block* is its leading comment lines (the comment lines directly above it, at its column), its key line
and everything its value spans, plus the comment lines just after it indented deeper than the key (commented-out
settings of that key). :class:`Move` cuts that block out and puts it back, re-indented to its new depth, with the
key renamed:

- where the new parent is the same mapping: in place (only the key's name changes);
- into the new parent, after its last entry, when the parent exists;
- otherwise the missing parents are created where the moved key stood (or, when the key's own parent is not the
  place to create them, right after the entry that held it), and the block goes inside; its leading comments
  then stand above the new parents.

A mapping left without keys becomes ``{}``. :class:`Remove` deletes a key's block (with ``keep_comments``, only its
key line and value: its leading comments stay). :class:`Add` and :class:`Replace` go through the edit engine
(:mod:`astro_config.document.editing`). Every operation is verified on its own (the new text parses, and its data
is the old data with exactly that change), and :func:`apply_ops` compares the final data with the caller's
expected data before returning anything.

Where a block cannot be cut out as lines (a key in a flow mapping, or sharing its line with a list dash), the move
falls back to the edit engine (set the new key, delete the old one); the key's formatting is then re-rendered and
a note says so.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from astro_config.document import editing
from astro_config.document.editing import (
    EditResult,
    _after_last_entry,
    _colon_after,
    _content_end,
    _get_plain,
    _is_empty_scalar,
    _key_column,
    _line_end,
    _next_line_start,
    changed_paths,
    detect_style,
)
from astro_config.document.reader import MISSING, LimitError, Node, ValuesDocument, _scalar_value, load_text
from astro_config.document.render import Style, render_block, render_key
from astro_config.errors import InputError, KeyPathError, VerificationError
from astro_config.keypath import KeyPath, format_path

_SAME: Any = object()


@dataclass(frozen=True)
class Move:
    """Move the key at ``src`` to ``dst``; ``value`` replaces its value afterwards (default: unchanged)."""

    src: KeyPath
    dst: KeyPath
    value: Any = _SAME


@dataclass(frozen=True)
class Remove:
    """Delete the key at ``path``; with ``keep_comments`` its leading comment lines stay."""

    path: KeyPath
    keep_comments: bool = False


@dataclass(frozen=True)
class Add:
    """Set ``path`` (missing) to ``value``; right after the key ``after`` when given and possible."""

    path: KeyPath
    value: Any
    after: KeyPath | None = None


@dataclass(frozen=True)
class Replace:
    """Replace the value at ``path``."""

    path: KeyPath
    value: Any


Op = Move | Remove | Add | Replace


class _Fallback(Exception):
    """This block cannot be moved as lines; use the edit engine."""


# --------------------------------------------------------------------------------------------------------------
# Plain-data semantics of each operation (what the text must read as)
# --------------------------------------------------------------------------------------------------------------


def put_ensuring_parents(data: Any, path: KeyPath, value: Any) -> None:
    """Set ``path`` (ensure-parents: a missing or non-mapping intermediate becomes ``{}``; lists on the way
    to an index are kept)."""
    cur = data
    for i, part in enumerate(path[:-1]):
        if isinstance(cur, list):
            cur = cur[part]  # type: ignore[index]
            continue
        nxt = cur.get(part, MISSING)
        if isinstance(nxt, list) and isinstance(path[i + 1], int):
            cur = nxt
            continue
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    cur[path[-1]] = value


def _pop(data: Any, path: KeyPath) -> Any:
    parent = _get_plain(data, path[:-1])
    return parent.pop(path[-1])


def expected_after(data: Any, op: Op) -> Any:
    """The data once ``op`` is made (on a copy)."""
    out = copy.deepcopy(data)
    if isinstance(op, Move):
        value = _pop(out, op.src)
        put_ensuring_parents(out, op.dst, value if op.value is _SAME else copy.deepcopy(op.value))
    elif isinstance(op, Remove):
        _pop(out, op.path)
    else:
        put_ensuring_parents(out, op.path, copy.deepcopy(op.value))
    return out


# --------------------------------------------------------------------------------------------------------------
# Blocks as lines
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    start: int  # first character of the first leading comment line (or of the key line)
    key_line: int  # first character of the key line
    end: int  # just after the line break ending the block (or the end of the text)
    column: int  # the key's column
    key: Node
    value: Node
    parent: Node


def _line_indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(doc: ValuesDocument, path: KeyPath) -> _Block:
    entry = doc.index.get(tuple(path))
    if entry is None or entry.key is None or entry.parent is None:
        raise _Fallback(f"{format_path(path)} is not a key of its own here")
    if entry.parent.kind != "map" or entry.parent.style != "block":
        raise _Fallback(f"{format_path(path)} is in a flow mapping")
    text = doc.text
    key = entry.key
    key_line = text.rfind("\n", 0, key.start) + 1
    if text[key_line : key.start].strip(" "):
        raise _Fallback(f"{format_path(path)} shares its line with other content")
    column = key.start - key_line
    value = entry.value
    end_index = _colon_after(doc, key) + 1 if _is_empty_scalar(value) else _content_end(doc, value, keep=True)
    end = _next_line_start(text, max(end_index - 1, key.start))
    if not (value.kind == "scalar" and value.style in ("|", ">")):
        # comment lines just after, indented deeper than the key: commented-out settings of this key
        while end < len(text):
            line = text[end : _line_end(text, end)]
            stripped = line.lstrip(" ")
            if stripped.startswith("#") and _line_indent(line) > column:
                end = _next_line_start(text, end)
                continue
            break
    # leading comments: the comment lines directly above, at the key's column
    start = key_line
    while start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        line = text[prev : start - 1].rstrip("\r")
        if line.lstrip(" ").startswith("#") and _line_indent(line) == column:
            start = prev
            continue
        break
    return _Block(start, key_line, end, column, key, value, entry.parent)


def _reindent(block: str, delta: int) -> str:
    if delta == 0:
        return block
    out: list[str] = []
    for line in block.split("\n"):
        if not line.strip(" \r"):
            out.append(line)
        elif delta > 0:
            out.append(" " * delta + line)
        else:
            cut = min(-delta, _line_indent(line))
            out.append(line[cut:])
    return "\n".join(out)


def _block_text(doc: ValuesDocument, block: _Block, name: str, column: int, comments: bool = True) -> str:
    """The block's text, its key renamed to ``name``, moved to ``column``; ends with a line break."""
    text = doc.text
    start = block.start if comments else block.key_line
    body = text[start : block.key.start] + render_key(name) + text[block.key.end : block.end]
    if not body.endswith("\n"):
        body += doc.newline
    return _reindent(body, column - block.column)


def _empty_mapping_splices(doc: ValuesDocument, parent_key: Node) -> list[editing.Splice]:
    """Make the mapping whose key is ``parent_key`` read ``{}`` once its entries are cut out."""
    text = doc.text
    colon = _colon_after(doc, parent_key)
    line_end = _line_end(text, colon)
    rest = text[colon + 1 : line_end]
    stripped = rest.strip(" \t")
    if not stripped or stripped.startswith("#"):
        return [editing.Splice(colon + 1, colon + 1, " {}")]
    # anchor/tag on the key line (`key: &x` then the entries): keep them, before the braces
    comment = rest.find(" #")
    props = rest if comment == -1 else rest[:comment]
    return [editing.Splice(colon + 1, colon + 1 + len(props), " " + props.strip(" \t") + " {}")]


def _cut(doc: ValuesDocument, start: int, end: int) -> editing.Splice:
    """Cut the lines ``[start, end)``; when blank lines stood on both sides, one of them goes too (the blank line
    that separated the cut block from the next key)."""
    text = doc.text
    before_blank = start == 0 or not text[text.rfind("\n", 0, start - 1) + 1 : start].strip(" \t\r\n")
    if before_blank and start > 0 and end < len(text):
        after = text[end : _line_end(text, end)]
        if not after.strip(" \t"):
            return editing.Splice(start, _next_line_start(text, end), "")
    return editing.Splice(start, end, "")


def _splice_all(text: str, splices: list[editing.Splice]) -> str:
    ordered = sorted(splices, key=lambda s: (s.start, s.end))
    pieces: list[str] = []
    at = 0
    for sp in ordered:
        if sp.start < at:
            raise _Fallback("overlapping changes")
        pieces += [text[at : sp.start], sp.text]
        at = sp.end
    pieces.append(text[at:])
    return "".join(pieces)


# --------------------------------------------------------------------------------------------------------------
# Moves
# --------------------------------------------------------------------------------------------------------------


def _entry_of(doc: ValuesDocument, path: KeyPath) -> Any:
    return doc.index.get(tuple(path))


def _under(path: KeyPath, top: KeyPath) -> bool:
    return path[: len(top)] == top


def _move_splices(doc: ValuesDocument, op: Move, style: Style) -> tuple[list[editing.Splice], KeyPath | None]:
    """Splices that move ``op.src`` to ``op.dst``; or a path whose non-mapping value must first become ``{}``."""
    src, dst = tuple(op.src), tuple(op.dst)
    block = _block(doc, src)
    text = doc.text
    parent_path = dst[:-1]
    name = str(dst[-1])
    src_parent = src[:-1]
    if parent_path == src_parent:  # same mapping: rename in place
        return [editing.Splice(block.key.start, block.key.end, render_key(name))], None
    # the deepest existing mapping on the way to the new parent (the moved key itself counts as gone)
    have: KeyPath = ()
    for i in range(1, len(parent_path) + 1):
        prefix = parent_path[:i]
        if _under(prefix, src):
            break
        entry = _entry_of(doc, prefix)
        if entry is None:
            if doc.get(prefix) is not MISSING:
                raise _Fallback(f"{format_path(prefix)} comes from an alias or merge key")
            break
        if entry.value.kind == "seq" and i < len(parent_path) and isinstance(parent_path[i], int):
            have = prefix  # a list on the way to one of its items
            continue
        if entry.value.kind == "alias":
            raise _Fallback(f"{format_path(prefix)} is an alias")
        if entry.value.kind != "map" and not _null_value(entry.value):
            return [], prefix  # ensure-parents: it becomes a mapping first
        if entry.value.kind == "map" and entry.value.style != "block" and entry.value.value:
            raise _Fallback(f"{format_path(prefix)} is a flow mapping")
        have = prefix
        if entry.value.kind != "map" or not entry.value.value:
            break  # an empty mapping (`{}`, `~`, nothing): filled below
    create = parent_path[len(have) :]
    splices: list[editing.Splice] = []
    src_emptied = len(block.parent.value) == 1
    have_entry = _entry_of(doc, have)
    have_node = have_entry.value if have_entry is not None else None
    if have_node is None or (have_node.kind == "map" and not have_node.value) or _null_value(have_node):
        # the new parent (or the deepest that exists) is empty: its content goes right under its key line
        if have == ():
            column, pos = 0, len(text)
        else:
            if have_entry is None or have_entry.key is None or have_node is None:
                raise _Fallback(f"{format_path(have)} is a list item")
            key_line = text.rfind("\n", 0, have_entry.key.start) + 1
            column = have_entry.key.start - key_line + style.indent
            colon = _colon_after(doc, have_entry.key)
            pos = _next_line_start(text, colon)
            if not _is_empty_scalar(have_node):
                splices.append(editing.Splice(colon + 1, have_node.end, ""))
        new_text = _moved_text(doc, block, name, create, column, style)
        if pos >= len(text) and text and not text.endswith("\n"):
            new_text = doc.newline + new_text.rstrip("\r\n")
        splices += _insert_and_cut(doc, pos, new_text, block)
    elif not create:
        # the new parent exists: after its last entry
        assert have_node is not None
        column = _key_column(doc, have_node.value[0][0])
        pos = _after_last_entry(doc, have_node, column)
        if block.start < pos < block.end:  # pragma: no cover - the new parent is not inside the moved key
            raise _Fallback("the new parent is inside the moved key")
        new_text = _block_text(doc, block, name, column)
        if pos >= len(text) and not text.endswith("\n"):
            new_text = doc.newline + new_text.rstrip("\r\n")
        splices += _insert_and_cut(doc, pos, new_text, block)
    elif have == src_parent:
        # the new parent is created where the moved key stood
        column = block.column
        # (its leading comments stay where they are, above the new parent)
        new_text = _moved_text(doc, block, name, create, column, style)
        splices.append(editing.Splice(block.start, block.end, new_text))
        src_emptied = False
    elif _under(src_parent, have):
        # created right after the entry (of `have`) that holds the moved key
        holder = _block(doc, src[: len(have) + 1])
        column = holder.column
        new_text = _moved_text(doc, block, name, create, column, style)
        pos = holder.end
        if pos >= len(text) and not text.endswith("\n"):
            new_text = doc.newline + new_text.rstrip("\r\n")
        splices += _insert_and_cut(doc, pos, new_text, block)
    else:
        assert have_node is not None
        column = _key_column(doc, have_node.value[0][0])
        pos = _after_last_entry(doc, have_node, column)
        new_text = _moved_text(doc, block, name, create, column, style)
        if pos >= len(text) and not text.endswith("\n"):
            new_text = doc.newline + new_text.rstrip("\r\n")
        splices += _insert_and_cut(doc, pos, new_text, block)
    if src_emptied and src_parent:
        parent_entry = _entry_of(doc, src_parent)
        if parent_entry is None or parent_entry.key is None:
            raise _Fallback(f"{format_path(src_parent)} is a list item")
        splices.extend(_empty_mapping_splices(doc, parent_entry.key))
    return splices, None


def _insert_and_cut(doc: ValuesDocument, pos: int, new_text: str, block: _Block) -> list[editing.Splice]:
    """Insert ``new_text`` at ``pos`` and cut the block out; an insertion point on the blank line the cut takes
    with it moves to the cut's end."""
    cut = _cut(doc, block.start, block.end)
    if block.end <= pos < cut.end:
        pos = cut.end
    return [editing.Splice(pos, pos, new_text), cut]


def _null_value(node: Node) -> bool:

    return node.kind == "scalar" and _scalar_value(node) is None and not node.anchor


def _moved_text(doc: ValuesDocument, block: _Block, name: str, create: KeyPath, column: int, style: Style) -> str:
    """The moved block at ``column``, inside the new parents ``create``; its leading comments above them all."""
    if not create:
        return _block_text(doc, block, name, column)
    comments = _reindent(doc.text[block.start : block.key_line], column - block.column)
    inner = _block_text(doc, block, name, column + len(create) * style.indent, comments=False)
    return comments + _chain(create, style, column, doc.newline) + inner


def _chain(keys: KeyPath, style: Style, column: int, newline: str) -> str:
    out = ""
    for depth, key in enumerate(keys):
        out += " " * (column + depth * style.indent) + render_key(str(key)) + ":" + newline
    return out


# --------------------------------------------------------------------------------------------------------------
# Removals and additions
# --------------------------------------------------------------------------------------------------------------


def _remove_splices(doc: ValuesDocument, op: Remove) -> list[editing.Splice]:
    path = tuple(op.path)
    block = _block(doc, path)
    start = block.key_line if op.keep_comments else block.start
    splices = [_cut(doc, start, block.end)]
    if len(block.parent.value) == 1 and len(path) > 1:
        parent_entry = _entry_of(doc, path[:-1])
        if parent_entry is None or parent_entry.key is None:
            raise _Fallback(f"{format_path(path[:-1])} is a list item")
        splices.extend(_empty_mapping_splices(doc, parent_entry.key))
    elif block.end >= len(doc.text) and not doc.text.endswith("\n") and start > 0:
        # the last line of a file without a final line break: take the break before it instead
        cut = 2 if doc.text[start - 2 : start] == "\r\n" else 1
        splices = [editing.Splice(start - cut, block.end, "")]
    return splices


def _add_after_splices(doc: ValuesDocument, op: Add, style: Style) -> list[editing.Splice]:
    assert op.after is not None
    block = _block(doc, tuple(op.after))
    if tuple(op.after[:-1]) != tuple(op.path[:-1]) or isinstance(op.value, list):
        raise _Fallback("not a sibling")
    lines = render_block({str(op.path[-1]): op.value}, block.column, style)
    new_text = doc.newline.join(lines) + doc.newline
    pos = block.end
    if pos >= len(doc.text) and not doc.text.endswith("\n"):
        new_text = doc.newline + new_text.rstrip("\r\n")
    return [editing.Splice(pos, pos, new_text)]


def _non_mapping_parent(doc: ValuesDocument, path: KeyPath) -> KeyPath | None:
    """The first intermediate of ``path`` that holds something other than a mapping or null."""
    for i in range(1, len(path)):
        value = doc.get(path[:i])
        if value is MISSING:
            return None
        if isinstance(value, list) and isinstance(path[i], int):
            continue
        if value is not None and not isinstance(value, dict):
            return path[:i]
    return None


# --------------------------------------------------------------------------------------------------------------
# Applying
# --------------------------------------------------------------------------------------------------------------


def _load(old: ValuesDocument, text: str) -> ValuesDocument:
    try:
        new = load_text(text, old.name, bom=old.bom)
    except LimitError as e:
        raise KeyPathError(f"cannot make this change: the edited {old.name} would be refused: {e.message}") from None
    except InputError as e:
        raise _Fallback(f"the moved text would not parse ({e.message})") from None
    new.path, new.stat_key = old.path, old.stat_key
    return new


def _edit(doc: ValuesDocument, edits: list[editing.Edit], notes: list[str]) -> ValuesDocument:
    result = editing.apply_edits(doc, edits)
    notes.extend(result.notes)
    return result.new


def _apply_one(doc: ValuesDocument, op: Op, style: Style, notes: list[str]) -> ValuesDocument:
    expected = expected_after(doc.data, op)
    new: ValuesDocument | None = None
    try:
        if isinstance(op, Move):
            splices, first = _move_splices(doc, op, style)
            if first is not None:  # a non-mapping parent becomes a mapping, then the move
                doc = _edit(doc, [editing.SetValue(first, {})], notes)
                splices, first = _move_splices(doc, op, style)
                if first is not None:  # pragma: no cover - it is a mapping now
                    raise _Fallback("parent is not a mapping")
            new = _load(doc, _splice_all(doc.text, splices))
            if op.value is not _SAME:
                moved = new.get(tuple(op.dst))
                if moved is MISSING or changed_paths(moved, op.value):
                    new = _edit(new, [editing.SetValue(tuple(op.dst), copy.deepcopy(op.value))], notes)
        elif isinstance(op, Remove):
            new = _load(doc, _splice_all(doc.text, _remove_splices(doc, op)))
        elif isinstance(op, Add):
            blocker = _non_mapping_parent(doc, tuple(op.path))
            if blocker is not None:
                doc = _edit(doc, [editing.SetValue(blocker, {})], notes)
            new = None
            if op.after is not None and doc.get(tuple(op.after)) is not MISSING:
                try:
                    new = _load(doc, _splice_all(doc.text, _add_after_splices(doc, op, style)))
                except _Fallback:
                    new = None
                if new is not None and changed_paths(expected, new.data):
                    new = None
            if new is None:
                new = _edit(doc, [editing.SetValue(tuple(op.path), copy.deepcopy(op.value))], notes)
        else:
            new = _edit(doc, [editing.SetValue(tuple(op.path), copy.deepcopy(op.value))], notes)
        if changed_paths(expected, new.data):
            raise _Fallback("the moved text does not read as intended")
        return new
    except _Fallback as why:
        return _fallback(doc, op, expected, notes, str(why))


def _fallback(doc: ValuesDocument, op: Op, expected: Any, notes: list[str], why: str) -> ValuesDocument:
    """The same change through the edit engine (values re-rendered; comments of the moved key not kept)."""
    if isinstance(op, Move):
        value = copy.deepcopy(doc.get(tuple(op.src)) if op.value is _SAME else op.value)
        edits: list[editing.Edit] = [editing.Delete(tuple(op.src))]
        blocker = _non_mapping_parent_after(doc, op)
        if blocker is not None:
            edits.append(editing.SetValue(blocker, {}))
        edits.append(editing.SetValue(tuple(op.dst), value))
        notes.append(f"{format_path(op.src)} was moved to {format_path(op.dst)} as a new value ({why})")
    elif isinstance(op, Remove):
        edits = [editing.Delete(tuple(op.path))]
    else:
        edits = [editing.SetValue(tuple(op.path), copy.deepcopy(op.value))]
    current = doc
    for edit in edits:
        current = _edit(current, [edit], notes)
    if changed_paths(expected, current.data):
        raise VerificationError(
            f"internal error: moving keys in {doc.name} would change other data; nothing was written "
            "(this is a bug in astro-config, please report it)"
        )
    return current


def _non_mapping_parent_after(doc: ValuesDocument, op: Move) -> KeyPath | None:
    """For a fallback move: an intermediate of ``dst`` (outside ``src``) whose value is not a mapping."""
    dst, src = tuple(op.dst), tuple(op.src)
    for i in range(1, len(dst)):
        prefix = dst[:i]
        if _under(prefix, src):
            return prefix if i == len(src) else None
        value = doc.get(prefix)
        if value is MISSING:
            return None
        if isinstance(value, list) and isinstance(dst[i], int):
            continue
        if not isinstance(value, dict):
            return prefix
    return None


def apply_ops(doc: ValuesDocument, ops: list[Op], expected: Any) -> EditResult:
    """Make ``ops`` in order, each verified; then check the result reads exactly as ``expected``.

    Raises :class:`KeyPathError` for a change the file cannot take and :class:`VerificationError` for a bug;
    nothing is written by this function.
    """
    style = detect_style(doc)
    notes: list[str] = []
    current = doc
    for op in ops:
        current = _apply_one(current, op, style, notes)
    final = load_text(current.text, doc.name, bom=doc.bom) if current is not doc else current
    if doc.text and not doc.text.endswith("\n") and final.text.endswith("\n"):
        # the file had no final line break: it gets none (unless that would change a value, e.g. a `|` scalar)
        trimmed = load_text(
            final.text[: -len(doc.newline)] if final.text.endswith(doc.newline) else final.text[:-1],
            doc.name,
            bom=doc.bom,
        )
        if not changed_paths(final.data, trimmed.data):
            final = trimmed
    diffs = changed_paths(expected, final.data)
    if diffs:
        shown = ", ".join(format_path(p) for p in diffs[:5])
        raise VerificationError(
            f"internal error: the migrated {doc.name} would differ from the migration's data at {shown}; "
            "nothing was written (this is a bug in astro-config, please report it)"
        )
    final.path, final.stat_key = doc.path, doc.stat_key
    result = EditResult(old=doc, new=final, notes=notes)
    return result


__all__ = ["Add", "Move", "Op", "Remove", "Replace", "apply_ops", "expected_after"]
