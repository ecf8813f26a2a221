"""Byte-exact edits of a values document.

Every edit becomes one splice ``text[start:end] = replacement`` computed from the node spans of the parsed
document. Edits are applied one at a time (the text is parsed again after each), and each step is verified:
the new text must parse, its data must differ from the old data exactly at the intended key paths (plus the
places that share the edited node through an alias), and no line outside the splice may change.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from astro_config.document import (
    MISSING,
    Entry,
    Node,
    ValuesDocument,
    describe_missing,
    encode,
    helm_scalar,
    load_text,
    type_name,
)
from astro_config.errors import InputError, KeyPathError, VerificationError
from astro_config.keypath import KeyPath, format_path


@dataclass(frozen=True)
class SetValue:
    """Set ``path`` to ``value`` (a scalar, or a dict/list that replaces the whole value), creating parents."""

    path: KeyPath
    value: Any


@dataclass(frozen=True)
class Delete:
    """Remove ``path``. With ``prune``, parents left empty by the removal are removed too."""

    path: KeyPath
    prune: bool = False


Edit = SetValue | Delete


@dataclass
class EditResult:
    old: ValuesDocument
    new: ValuesDocument
    notes: list[str] = field(default_factory=list)
    changed_paths: list[KeyPath] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new.text != self.old.text or self.new.bom != self.old.bom

    @property
    def new_bytes(self) -> bytes:
        return encode(self.new.text, self.new.bom)

    @property
    def old_bytes(self) -> bytes:
        return self.old.raw if self.old.raw else encode(self.old.text, self.old.bom)


# --------------------------------------------------------------------------------------------------------------
# Style of the file
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    indent: int = 2  # spaces per nesting level of mappings
    seq_offset: int = 2  # column of "- " relative to the parent key (0 = flush)


def detect_style(doc: ValuesDocument) -> Style:
    steps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    for entry in doc.index.values():
        if entry.key is None:
            continue
        v = entry.value
        key_col = doc.position(entry.key.start)[1] - 1
        if v.kind == "map" and v.style == "block" and v.value:
            child_col = doc.position(v.value[0][0].start)[1] - 1
            if child_col > key_col:
                steps[child_col - key_col] += 1
        elif v.kind == "seq" and v.style == "block" and v.value:
            first = v.value[0]
            dash = _dash_before(doc.text, first.start)
            if dash is not None:
                offsets[doc.position(dash)[1] - 1 - key_col] += 1
    indent = steps.most_common(1)[0][0] if steps else 2
    seq_offset = offsets.most_common(1)[0][0] if offsets else indent
    return Style(indent=indent if 1 <= indent <= 8 else 2, seq_offset=max(0, seq_offset))


def _dash_before(text: str, index: int) -> int | None:
    i = index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i if i >= 0 and text[i] == "-" else None


# --------------------------------------------------------------------------------------------------------------
# Rendering values as YAML text
# --------------------------------------------------------------------------------------------------------------

_YAML12_SPECIAL = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?
        |[-+]?0[xXoObB][0-9a-fA-F_]+
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
        |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*
        |=|<<
    )$""",
    re.VERBOSE,
)
_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@`")


def plain_ok(s: str) -> bool:
    """True when ``s`` can be written unquoted and every YAML reader (1.1 and 1.2) reads it back as ``s``."""
    if not s or s != s.strip() or s[0] in _PLAIN_BAD_START:
        return False
    if any(c in s for c in "\n\r\t,[]{}") or ": " in s or " #" in s or s.endswith(":"):
        return False
    if not s.isprintable():
        return False
    if helm_scalar(s) != s or not isinstance(helm_scalar(s), str):
        return False
    lowered = s.lower()
    return not (
        lowered in ("true", "false", "null", "~", "yes", "no", "on", "off", "y", "n") or _YAML12_SPECIAL.match(s)
    )


def double_quoted(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def single_quoted_ok(s: str) -> bool:
    return s.isprintable() and "\n" not in s


def render_scalar(value: Any, previous_style: str | None = None) -> str:
    """YAML text for a scalar, keeping the previous quote style where the value allows it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        if previous_style == "'" and single_quoted_ok(value):
            return "'" + value.replace("'", "''") + "'"
        if previous_style == '"':
            return double_quoted(value)
        if plain_ok(value):
            return value
        return double_quoted(value)
    raise KeyPathError(f"cannot write a value of type {type(value).__name__}")


def render_key(key: str) -> str:
    return key if plain_ok(key) else double_quoted(key)


def render_flow(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{render_key(k)}: {render_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ", ".join(render_flow(v) for v in value) + "]"
    return render_scalar(value)


def render_block(value: dict[str, Any] | list[Any], indent: int, style: Style) -> list[str]:
    """Block lines (without line endings) for a non-empty mapping or list at column ``indent``."""
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = render_key(str(k))
            if isinstance(v, dict) and v:
                out.append(f"{pad}{key}:")
                out.extend(render_block(v, indent + style.indent, style))
            elif isinstance(v, list) and v:
                out.append(f"{pad}{key}:")
                out.extend(render_block(v, indent + style.seq_offset, style))
            else:
                out.append(f"{pad}{key}: {render_flow(v)}")
        return out
    for item in value:
        if (isinstance(item, dict) and item) or (isinstance(item, list) and item):
            sub = render_block(item, indent + 2, style)
            out.append(f"{pad}- {sub[0].lstrip()}")
            out.extend(sub[1:])
        else:
            out.append(f"{pad}- {render_flow(item)}")
    return out


# --------------------------------------------------------------------------------------------------------------
# Positions inside the text
# --------------------------------------------------------------------------------------------------------------


def _colon_after(doc: ValuesDocument, key: Node) -> int:
    text = doc.text
    i = key.end
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == ":":
        return i
    raise KeyPathError(
        f"{doc.name}:{doc.position(key.start)[0]}: cannot edit this key's layout (explicit '?' keys are not supported)"
    )


def _body_start(doc: ValuesDocument, node: Node) -> int:
    """Index after the node's anchor and tag (``&x !!str``), i.e. where its content starts."""
    text = doc.text
    i = node.start
    while i < node.end and text[i] in "&!":
        while i < len(text) and text[i] not in " \t\r\n":
            i += 1
        while i < len(text) and text[i] in " \t":
            i += 1
    return i


def _is_empty_scalar(node: Node) -> bool:
    return node.kind == "scalar" and node.value == "" and node.style == "" and not node.tag


def _content_end(doc: ValuesDocument, node: Node) -> int:
    """Index just past the last character of content that belongs to ``node`` (not its trailing newlines)."""
    if node.kind in ("map", "seq") and node.style == "block" and node.value:
        last = node.value[-1][1] if node.kind == "map" else node.value[-1]
        if node.kind == "map" and _is_empty_scalar(last):
            return _colon_after(doc, node.value[-1][0]) + 1
        return _content_end(doc, last)
    if node.kind == "scalar" and node.style in ("|", ">"):
        end = node.end
        while end > node.start and doc.text[end - 1] in "\r\n \t":
            end -= 1
        return end
    return node.end


def _line_end(text: str, index: int) -> int:
    """Index of the line break (or end of text) of the line holding ``index``."""
    j = text.find("\n", index)
    if j == -1:
        return len(text)
    return j - 1 if j > 0 and text[j - 1] == "\r" else j


def _next_line_start(text: str, index: int) -> int:
    j = text.find("\n", index)
    return len(text) if j == -1 else j + 1


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _indent_of(doc: ValuesDocument, index: int) -> int:
    return doc.position(index)[1] - 1


# --------------------------------------------------------------------------------------------------------------
# Splices
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str


def _nl(doc: ValuesDocument) -> str:
    return doc.newline


def _lines_text(doc: ValuesDocument, lines: list[str]) -> str:
    return _nl(doc).join(lines)


def _after_last_entry(doc: ValuesDocument, mapping: Node, child_indent: int) -> int:
    """Where new lines go in a block mapping: after its last entry's content and the comment lines indented
    deeper than its keys that directly follow (commented-out settings of that entry); before blank lines and
    comments that introduce the next key."""
    text = doc.text
    last_key, last_value = mapping.value[-1]
    end = _colon_after(doc, last_key) + 1 if _is_empty_scalar(last_value) else _content_end(doc, last_value)
    pos = _next_line_start(text, max(end - 1, last_key.start))
    while pos < len(text):
        line_end = _line_end(text, pos)
        line = text[pos:line_end]
        stripped = line.lstrip(" ")
        if stripped.startswith("#") and len(line) - len(stripped) > child_indent:
            pos = _next_line_start(text, pos)
            continue
        break
    return pos


def _insert_lines_at(doc: ValuesDocument, pos: int, lines: list[str]) -> Splice:
    text = doc.text
    nl = _nl(doc)
    block = _lines_text(doc, lines)
    if pos >= len(text):
        if text == "":
            return Splice(0, 0, block + nl)
        if not text.endswith("\n"):
            return Splice(len(text), len(text), nl + block)
        return Splice(len(text), len(text), block + nl)
    return Splice(pos, pos, block + nl)


def _nested(keys: tuple[str, ...], value: Any) -> Any:
    for k in reversed(keys):
        value = {k: value}
    return value


def _replace_value(doc: ValuesDocument, entry: Entry, value: Any, style: Style) -> Splice:
    """Replace the whole value of an existing mapping entry (or list item) with ``value``."""
    text = doc.text
    node = entry.value
    is_block_collection = node.kind in ("map", "seq") and node.style == "block" and bool(node.value)
    in_flow = entry.parent is not None and entry.parent.style == "flow"
    if entry.key is None:
        # a list item
        if is_block_collection or (isinstance(value, (dict, list)) and value and not in_flow):
            raise KeyPathError("replacing a whole list item by a block is not supported; set its keys instead")
        body = _body_start(doc, node) if not _is_empty_scalar(node) else node.start
        return Splice(body, node.end if not _is_empty_scalar(node) else node.start, _inline(value, node, doc))
    key_col = _indent_of(doc, entry.key.start)
    if isinstance(value, (dict, list)) and value and not in_flow:
        # a block value: `key:` (+ props, + comment) then the new lines
        if node.kind == "seq" and node.style == "block" and node.value:
            child_indent = _indent_of(doc, _dash_before(text, node.value[0].start) or node.value[0].start)
        elif node.kind == "map" and node.style == "block" and node.value:
            child_indent = _indent_of(doc, node.value[0][0].start)
        else:
            child_indent = key_col + (style.seq_offset if isinstance(value, list) else style.indent)
        if isinstance(value, list) and not (node.kind == "seq" and node.style == "block"):
            child_indent = key_col + style.seq_offset
        if isinstance(value, dict) and child_indent <= key_col:
            child_indent = key_col + style.indent
        new_lines = render_block(value, child_indent, style)
        if is_block_collection:
            first_child = node.value[0][0] if node.kind == "map" else node.value[0]
            start = _line_start(text, first_child.start)
            if start <= entry.key.start:  # children on the key's line cannot happen in block style
                raise KeyPathError(f"cannot edit the layout at line {doc.position(entry.key.start)[0]}")
            end = _line_end(text, _content_end(doc, node) - 1)
            return Splice(start, end, _lines_text(doc, new_lines))
        colon = _colon_after(doc, entry.key)
        if _is_empty_scalar(node):
            body_start = body_end = colon + 1
        else:
            body_start = _body_start(doc, node)
            body_end = _content_end(doc, node)
        head = text[colon + 1 : body_start].rstrip(" \t")  # anchor/tag props, kept
        rest_end = _line_end(text, max(body_end - 1, colon))
        rest = text[body_end:rest_end] if body_end <= rest_end else ""  # trailing comment on the key line
        if node.kind == "scalar" and node.style in ("|", ">"):
            rest = ""
            rest_end = _line_end(text, body_end - 1)
        return Splice(colon + 1, rest_end, head + rest + _nl(doc) + _lines_text(doc, new_lines))
    # an inline value
    inline = _inline(value, node, doc)
    if is_block_collection:
        colon = _colon_after(doc, entry.key)
        body_start = _body_start(doc, node) if node.start < _line_end(text, colon) else colon + 1
        head = text[colon + 1 : body_start].rstrip(" \t") if body_start > colon + 1 else ""
        key_line_end = _line_end(text, colon)
        comment = text[max(body_start, colon + 1) : key_line_end] if body_start <= key_line_end else ""
        end = _line_end(text, _content_end(doc, node) - 1)
        return Splice(colon + 1, end, f"{head} {inline}{comment}")
    if _is_empty_scalar(node):
        colon = _colon_after(doc, entry.key)
        return Splice(colon + 1, colon + 1, f" {inline}")
    body_start = _body_start(doc, node)
    end = node.end
    if node.kind == "scalar" and node.style in ("|", ">"):
        end = _content_end(doc, node)
    return Splice(body_start, end, inline)


def _inline(value: Any, node: Node, doc: ValuesDocument) -> str:
    if isinstance(value, (dict, list)):
        return render_flow(value)
    prev = node.style if node.kind == "scalar" and node.style in ("'", '"') else None
    return render_scalar(value, prev)


def _insert_into(
    doc: ValuesDocument, container_path: KeyPath, keys: tuple[str, ...], value: Any, style: Style
) -> Splice:
    """Add ``keys[0]: ...`` (with the remaining keys nested) to the mapping at ``container_path``."""
    new_value = _nested(keys[1:], value)
    entry = doc.index.get(container_path)
    if entry is None:
        # the document is empty: append at the top level
        lines = _entry_lines(keys[0], new_value, 0, style)
        return _insert_lines_at(doc, len(doc.text), lines)
    node = entry.value
    if node.kind == "alias":
        raise KeyPathError(
            f"{format_path(container_path) or 'the top level'} is an alias (*{node.value}); adding keys would change "
            f"every place that uses &{node.value}. Edit the anchor, or replace the alias with its own mapping"
        )
    if node.kind == "map" and node.style == "block" and node.value:
        child_indent = _indent_of(doc, node.value[0][0].start)
        pos = _after_last_entry(doc, node, child_indent)
        return _insert_lines_at(doc, pos, _entry_lines(keys[0], new_value, child_indent, style))
    if node.kind == "map" and node.style == "flow" and node.value:
        close = node.end - 1
        assert doc.text[close] == "}", "flow mapping must end with }"
        i = close
        while i > node.start and doc.text[i - 1] in " \t\r\n":
            i -= 1
        return Splice(i, i, f", {render_key(keys[0])}: {render_flow(new_value)}")
    if (node.kind == "map" and not node.value) or (
        node.kind == "scalar" and node.style == "" and helm_scalar(node.value) is None and not node.tag
    ):
        if entry.key is None and container_path != ():
            raise KeyPathError(f"{format_path(container_path)} is an empty list item; set it as a whole instead")
        if container_path == ():
            lines = _entry_lines(keys[0], new_value, 0, style)
            return _insert_lines_at(doc, len(doc.text), lines)
        return _replace_value(doc, entry, {keys[0]: new_value}, style)
    shown = format_path(container_path) if container_path else "the top level"
    current = doc.get(container_path)
    raise KeyPathError(f"cannot create {keys[0]!r} under {shown}: it is {type_name(current)}, not a mapping")


def _entry_lines(key: str, value: Any, indent: int, style: Style) -> list[str]:
    return render_block({key: value}, indent, style)


def _delete_splice(doc: ValuesDocument, path: KeyPath) -> Splice:
    entry = doc.index.get(path)
    if entry is None:
        raise KeyPathError(describe_missing(doc, path))
    text = doc.text
    parent = entry.parent
    assert parent is not None
    if parent.style == "flow":
        items = parent.value
        if parent.kind == "map":
            idx = next(i for i, (k, _) in enumerate(items) if k is entry.key)
            starts = [k.start for k, _ in items]
            ends = [v.end if not _is_empty_scalar(v) else _colon_after(doc, k) + 1 for k, v in items]
        else:
            idx = next(i for i, it in enumerate(items) if it is entry.value)
            starts = [it.start for it in items]
            ends = [it.end for it in items]
        if len(items) == 1:
            open_i = parent.start
            while text[open_i] not in "{[":
                open_i += 1
            return Splice(open_i + 1, parent.end - 1, "")
        if idx < len(items) - 1:
            return Splice(starts[idx], starts[idx + 1], "")
        return Splice(ends[idx - 1], ends[idx], "")
    # block: remove whole lines
    first = entry.key if entry.key is not None else entry.value
    start = _line_start(text, first.start)
    if entry.key is None:
        dash = _dash_before(text, entry.value.start)
        start = _line_start(text, dash if dash is not None else entry.value.start)
        if text[start : dash if dash is not None else entry.value.start].strip(" "):
            raise KeyPathError(f"cannot remove {format_path(path)}: its list item shares a line with other content")
    elif text[start : first.start].strip(" -"):
        raise KeyPathError(f"cannot remove {format_path(path)}: it shares a line with other content")
    if entry.key is not None and text[start : first.start].strip(" ") == "-":
        raise KeyPathError(f"cannot remove {format_path(path)}: it starts a list item; remove the item instead")
    value = entry.value
    if _is_empty_scalar(value) and entry.key is not None:
        end_index = _colon_after(doc, entry.key) + 1
    else:
        end_index = _content_end(doc, value)
    end = _next_line_start(text, max(end_index - 1, start))
    return Splice(start, end, "")


# --------------------------------------------------------------------------------------------------------------
# Semantic expectations and verification
# --------------------------------------------------------------------------------------------------------------


def _set_in(data: Any, path: KeyPath, value: Any) -> None:
    cur = data
    for part in path[:-1]:
        nxt = cur[part] if isinstance(part, int) else cur.get(part)
        if not isinstance(nxt, (dict, list)):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[path[-1]] = value


def _del_in(data: Any, path: KeyPath) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur[part]
    del cur[path[-1]]


def changed_paths(old: Any, new: Any, path: KeyPath = ()) -> list[KeyPath]:
    """The deepest key paths at which two plain values differ (type changes count as changes)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[KeyPath] = []
        for k in old.keys() | new.keys():
            if k not in old or k not in new:
                out.append((*path, k))
            else:
                out.extend(changed_paths(old[k], new[k], (*path, k)))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out.extend(changed_paths(a, b, (*path, i)))
        return out
    if type(old) is not type(new) or old != new:
        if isinstance(old, float) and isinstance(new, float) and old != old and new != new:
            return []
        return [path]
    return []


def _check_lines(old_text: str, new_text: str, splice: Splice, name: str) -> None:
    old_lines = old_text.split("\n")
    new_lines = new_text.split("\n")
    first = old_text.count("\n", 0, splice.start)
    last = old_text.count("\n", 0, max(splice.end, splice.start))
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if op in ("replace", "delete") and (i1 < first or i2 - 1 > last):
            raise VerificationError(
                f"internal error: editing {name} would change line {i1 + 1}, outside the edited lines "
                f"{first + 1}-{last + 1}; nothing was written (this is a bug in astro-config, please report it)"
            )


def _verify(
    old: ValuesDocument, new_text: str, splice: Splice, expected: Any, allowed: list[KeyPath]
) -> ValuesDocument:
    try:
        new = load_text(new_text, old.name, bom=old.bom)
    except InputError as e:
        raise VerificationError(
            f"internal error: the edited {old.name} would not parse ({e.message}); nothing was written "
            "(this is a bug in astro-config, please report it)"
        ) from None
    _check_lines(old.text, new_text, splice, old.name)
    if new.data != expected or changed_paths(expected, new.data):
        diffs = changed_paths(expected, new.data)
        shown = ", ".join(format_path(p) for p in diffs[:5]) or "(types)"
        raise VerificationError(
            f"internal error: the edited {old.name} would change {shown} unexpectedly (intended: "
            f"{', '.join(format_path(p) for p in allowed)}); nothing was written "
            "(this is a bug in astro-config, please report it)"
        )
    new.path, new.stat_key = old.path, old.stat_key
    return new


# --------------------------------------------------------------------------------------------------------------
# The public entry point
# --------------------------------------------------------------------------------------------------------------


def apply_edits(doc: ValuesDocument, edits: list[Edit] | tuple[Edit, ...]) -> EditResult:
    """Apply edits in order; each is spliced into the text and verified. Raises KeyPathError for impossible
    edits (nothing changed) and VerificationError for a bug."""
    result = EditResult(old=doc, new=doc)
    current = doc
    style = detect_style(doc)
    for edit in edits:
        current = _apply_one(current, edit, style, result)
    result.new = current
    return result


def _apply_one(doc: ValuesDocument, edit: Edit, style: Style, result: EditResult) -> ValuesDocument:
    path = tuple(edit.path)
    if not path:
        raise KeyPathError("cannot edit the whole document; give a key path")
    expected = copy.deepcopy(doc.data)
    if isinstance(edit, SetValue):
        current = doc.get(path)
        if current is not MISSING and type(current) is type(edit.value) and current == edit.value:
            return doc  # already so: no change
        splice, allowed = _set_splice(doc, path, edit.value, style, result)
        for p in allowed:
            _set_in(expected, p, copy.deepcopy(edit.value))
    else:
        if doc.get(path) is MISSING:
            raise KeyPathError(describe_missing(doc, path))
        target = path
        if edit.prune:
            while len(target) > 1:
                parent = doc.get(target[:-1])
                if isinstance(parent, dict) and len(parent) == 1 and doc.index.get(target[:-1]) is not None:
                    target = target[:-1]
                else:
                    break
        parent_entry = doc.index.get(target[:-1])
        entry = doc.index.get(target)
        if entry is None:
            raise KeyPathError(f"{format_path(target)} comes from an alias or merge key; edit it where it is defined")
        shared = doc.alias_sites(target[:-1]) if len(target) > 1 else []
        if shared:
            sites = ", ".join(format_path(p) for p in shared)
            result.notes.append(f"{format_path(target[:-1])} is shared through an anchor with {sites}")
        if (
            parent_entry is not None
            and parent_entry.value.kind == "map"
            and parent_entry.value.style == "block"
            and len(parent_entry.value.value) == 1
            and len(target) > 1
        ):
            # the last key of a block mapping: keep the parent a mapping, as `parent: {}`
            splice = _replace_value(doc, parent_entry, {}, style)
            allowed = [target[:-1], *shared]
            for p in allowed:
                _set_in(expected, p, {})
        else:
            splice = _delete_splice(doc, target)
            allowed = [target, *[(*s, target[-1]) for s in shared]]
            _del_in(expected, target)
            for s in shared:
                _del_in(expected, (*s, target[-1]))
    new_text = doc.text[: splice.start] + splice.text + doc.text[splice.end :]
    new = _verify(doc, new_text, splice, expected, allowed)
    result.changed_paths.extend(allowed)
    return new


def _set_splice(
    doc: ValuesDocument, path: KeyPath, value: Any, style: Style, result: EditResult
) -> tuple[Splice, list[KeyPath]]:
    entry = doc.index.get(path)
    if entry is not None:
        if entry.value.kind == "alias":
            result.notes.append(f"{format_path(path)} was an alias (*{entry.value.value}); it now holds its own value")
        shared = doc.alias_sites(path)
        if shared:
            result.notes.append(
                f"{format_path(path)} is shared through an anchor: the change also applies to "
                + ", ".join(format_path(p) for p in shared)
            )
        return _replace_value(doc, entry, value, style), [path, *shared]
    # find the deepest existing container
    for depth in range(len(path) - 1, -1, -1):
        prefix = path[:depth]
        if prefix == () or prefix in doc.index:
            break
        if doc.get(prefix) is not MISSING:
            raise KeyPathError(f"{format_path(prefix)} comes from an alias or merge key; edit it where it is defined")
    rest = path[depth:]
    if any(isinstance(p, int) for p in rest):
        raise KeyPathError(f"cannot create {format_path(path)}: {describe_missing(doc, path)}; lists are not extended")
    shared = doc.alias_sites(prefix) if prefix else []
    if shared:
        result.notes.append(
            f"{format_path(prefix)} is shared through an anchor: the change also applies to "
            + ", ".join(format_path(p) for p in shared)
        )
    keys = tuple(str(p) for p in rest)
    splice = _insert_into(doc, prefix, keys, value, style)
    return splice, [path, *[(*s, *rest) for s in shared]]
