"""Byte-exact edits of a values document.

Every edit becomes one splice ``text[start:end] = replacement`` computed from the node spans of the parsed
document. Edits are applied one at a time (the text is parsed again after each), and each step is verified:
the new text must parse, its data must differ from the old data exactly at the intended key paths (plus the
places that share the edited node through an alias), and no line outside the splice may change.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from astro_config.document.reader import (
    MISSING,
    Entry,
    LimitError,
    Node,
    ValuesDocument,
    _key_string,
    _scalar_value,
    describe_missing,
    encode,
    helm_scalar,
    is_merge_key,
    load_text,
    to_plain,
    type_name,
)
from astro_config.document.render import Style, render_block, render_flow, render_key, render_scalar
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
    seq_offset = offsets.most_common(1)[0][0] if offsets else (steps.most_common(1)[0][0] if steps else 2)
    indent = steps.most_common(1)[0][0] if steps else (seq_offset if 1 <= seq_offset <= 8 else 2)
    return Style(indent=indent if 1 <= indent <= 8 else 2, seq_offset=max(0, seq_offset))


def _dash_before(text: str, index: int) -> int | None:
    i = index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i if i >= 0 and text[i] == "-" else None


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


def _props_end(doc: ValuesDocument, node: Node) -> int:
    """Index just after the node's anchor and tag (``&x !!str``); ``node.start`` when it has none."""
    text = doc.text
    i = node.start
    end = node.end
    props_end = i
    while i < end and text[i] in "&!":
        while i < end and text[i] not in " \t\r\n":
            i += 1
        props_end = i
        while i < end and text[i] in " \t":
            i += 1
    return props_end


def _body_start(doc: ValuesDocument, node: Node) -> int:
    """Index where the node's content starts: after its anchor and tag, and after the spaces, comment and line
    breaks that may separate them from it (``key: &x  # c`` and the content on the next line)."""
    text = doc.text
    i = _props_end(doc, node)
    end = node.end
    if i == node.start:
        return i
    while i < end:
        if text[i] in " \t\r\n":
            i += 1
        elif text[i] == "#":
            while i < end and text[i] != "\n":
                i += 1
        else:
            break
    return i


def _is_empty_scalar(node: Node) -> bool:
    """A value that is not written at all (``key:``, ``- ``): no content, no anchor, no tag."""
    return node.kind == "scalar" and node.value == "" and node.style == "" and not node.tag and not node.anchor


def _is_props_only(node: Node) -> bool:
    """An empty value written as its anchor and/or tag only (``key: &x``, ``key: !!str``)."""
    return node.kind == "scalar" and node.value == "" and node.style == "" and bool(node.tag or node.anchor)


_TAG_PREFIX = "tag:yaml.org,2002:"


def _tag_fits(tag: str, value: Any) -> bool:
    """Whether a node tagged ``tag`` still reads as ``value`` once the value is written after it.

    ``!!binary`` (Helm decodes the text as base64), ``!!timestamp`` (Helm refuses text that is no date) and the
    other YAML types (``!!set``, ``!!omap``, ...) never fit a new value: the tag is dropped, so Helm reads the
    value asked for. A local tag (``!foo``) keeps a string, as Helm reads it as the text."""
    if tag.startswith(_TAG_PREFIX):
        short = tag[len(_TAG_PREFIX) :]
        if short not in ("str", "int", "float", "bool", "null", "map", "seq"):
            return False
    elif tag.startswith("!") and not tag.startswith("!!"):
        short = "local"
    else:
        return False  # another global tag (tag:example.com,...): drop it
    if isinstance(value, dict):
        return short == "map"
    if isinstance(value, list):
        return short == "seq"
    if short == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if short == "float":
        return isinstance(value, float)
    if short == "bool":
        return isinstance(value, bool)
    if short == "null":
        return value is None
    return isinstance(value, str)  # str, binary and unknown tags keep the text


def _props_kept(doc: ValuesDocument, node: Node, value: Any) -> str:
    """The node's anchor and tag as written; without the tag when it would change how ``value`` reads."""
    if node.kind == "alias" or not (node.anchor or node.tag):
        return ""
    if node.tag and not _tag_fits(node.tag, value):
        return f"&{node.anchor}" if node.anchor else ""
    return doc.text[node.start : _props_end(doc, node)]


def _scalar_splice(doc: ValuesDocument, node: Node, value: Any, empty_at: int, flow: bool = False) -> Splice:
    """Replace a scalar, flow collection or alias by the inline text of ``value``, keeping props that fit.

    ``empty_at`` is where the text goes when the node is not written at all (just after ``key:`` or ``-``).
    """
    inline = _inline(value, node, doc, flow)
    if _is_empty_scalar(node):
        return Splice(empty_at, empty_at, f" {inline}")
    end = _content_end(doc, node)
    if _is_props_only(node) or (node.tag and not _tag_fits(node.tag, value)):
        kept = _props_kept(doc, node, value)
        return Splice(node.start, end, f"{kept} {inline}" if kept else inline)
    return Splice(_body_start(doc, node), end, inline)


def _content_end(doc: ValuesDocument, node: Node, keep: bool = False) -> int:
    """Index just past the last character of content that belongs to ``node`` (not its trailing newlines).

    With ``keep``, the trailing line breaks of a keep-chomping block scalar (``|+``) count: they are part of its
    value, so nothing may be inserted before them.
    """
    if node.kind in ("map", "seq") and node.style == "block" and node.value:
        last = node.value[-1][1] if node.kind == "map" else node.value[-1]
        if node.kind == "map" and _is_empty_scalar(last):
            return _colon_after(doc, node.value[-1][0]) + 1
        return _content_end(doc, last, keep)
    if node.kind == "scalar" and node.style in ("|", ">"):
        if keep and "+" in _block_indicator(doc, node):
            return node.end
        end = node.end
        while end > node.start and doc.text[end - 1] in "\r\n \t":
            end -= 1
        return end
    return node.end


def _keep_scalar_ends_at(doc: ValuesDocument, index: int) -> bool:
    """Whether a keep-chomping block scalar (``|+``, ``>+``) ends exactly at ``index``."""
    if "+" not in doc.text:
        return False
    for entry in doc.index.values():
        node = entry.value
        if node.end == index and node.kind == "scalar" and node.style in ("|", ">"):
            return "+" in _block_indicator(doc, node)
    return False


def _block_indicator(doc: ValuesDocument, node: Node) -> str:
    """The header of a block scalar (``|``, ``>-``, ``|2+``)."""
    i = _body_start(doc, node)
    j = i + 1
    while j < node.end and j < i + 3 and doc.text[j] in "+-123456789":
        j += 1
    return doc.text[i:j]


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


def _key_column(doc: ValuesDocument, key: Node) -> int:
    """0-based column where the entries of a block mapping start (the ``?`` of an explicit key)."""
    i = key.start - 1
    while i >= 0 and doc.text[i] in " \t":
        i -= 1
    return _indent_of(doc, i if i >= 0 and doc.text[i] == "?" else key.start)


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
    empty = _is_empty_scalar(last_value)
    end = _colon_after(doc, last_key) + 1 if empty else _content_end(doc, last_value, keep=True)
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
            return _after_last_block_scalar(doc, block) or Splice(len(text), len(text), nl + block)
        return Splice(len(text), len(text), block + nl)
    return Splice(pos, pos, block + nl)


def _after_last_block_scalar(doc: ValuesDocument, block: str) -> Splice | None:
    """Lines added after a block scalar (``|``, ``>+``, ``|2``) that ends the file without a final line break:
    the break the new lines need would join its value (``x`` would read ``x\\n``), so its header gets strip
    chomping (``|-``), which reads the same text without that break. None when no block scalar ends the file."""
    text = doc.text
    node = next(
        (
            e.value
            for e in doc.index.values()
            if e.value.kind == "scalar" and e.value.style in ("|", ">") and e.value.end >= len(text.rstrip(" \t"))
        ),
        None,
    )
    if node is None or not isinstance(node.value, str) or node.value.endswith("\n"):
        return None
    start = _body_start(doc, node)
    header = _block_indicator(doc, node)
    new_header = header[0] + "".join(c for c in header[1:] if c.isdigit()) + "-"
    return Splice(start, len(text), new_header + text[start + len(header) :] + _nl(doc) + block)


_NULL_WORDS = ("~", "null", "Null", "NULL")


def _uncommented(line: str) -> str:
    """A line without its comment (``#`` at the start or after a space), for the few lines of an empty
    document (which hold no quoted text)."""
    if line.lstrip(" \t").startswith("#"):
        return ""
    for i in range(1, len(line)):
        if line[i] == "#" and line[i - 1] in " \t":
            return line[:i]
    return line


def _empty_document_splice(doc: ValuesDocument, lines: list[str]) -> Splice:
    """The first keys of a document with no mapping (empty, comments only, ``~``, ``null``, ``---`` then
    ``...``): a null written as its content is replaced, the keys go before a ``...`` end marker, else at the
    end."""
    text = doc.text
    nl = _nl(doc)
    block = _lines_text(doc, lines)
    pos = 0
    while pos < len(text):
        line_end = _line_end(text, pos)
        content = _uncommented(text[pos:line_end]).rstrip(" \t")
        word = content.strip(" \t")
        if word.startswith("---") and word[3:4] in ("", " ", "\t") and word[3:].strip(" \t") in _NULL_WORDS:
            marker = pos + content.index("---") + 3
            return Splice(marker, pos + len(content), nl + block)  # `--- ~`
        if word in _NULL_WORDS:
            return Splice(pos, pos + len(content), block)
        if word == "...":
            return Splice(pos, pos, block + nl)
        pos = _next_line_start(text, pos)
    return _insert_lines_at(doc, len(text), lines)


def _empty_flow_root_splice(doc: ValuesDocument, node: Node, lines: list[str]) -> Splice:
    """The first keys of a document that is ``{}`` (or ``--- {}``): the ``{}`` becomes block lines."""
    text = doc.text
    props = text[node.start : _props_end(doc, node)]
    block = _lines_text(doc, lines)
    line_start = _line_start(text, node.start)
    if not text[line_start : node.start].strip(" \t"):
        return Splice(line_start, node.end, f"{props}{_nl(doc)}{block}" if props else block)
    start = node.start
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return Splice(start, node.end, (f" {props}" if props else "") + _nl(doc) + block)


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
        if is_block_collection:
            # a block mapping or list as the item (`- key: a` + more lines): the new value replaces it all,
            # inline on the dash's line (as `helm --set list[0]=x` replaces the item)
            head = _props_kept(doc, node, value)
            inline = _inline(value, node, doc)
            return Splice(node.start, _content_end(doc, node), f"{head} {inline}" if head else inline)
        # an inline item (scalar, flow collection, alias, nothing): the new value goes inline, as flow style
        return _scalar_splice(doc, node, value, node.start, in_flow)
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
        body_end = colon + 1 if _is_empty_scalar(node) else _content_end(doc, node)
        head = _props_kept(doc, node, value)  # anchor/tag props, kept where they fit
        if head:
            head = " " + head
        rest_end = _line_end(text, max(body_end - 1, colon))
        rest = text[body_end:rest_end] if body_end <= rest_end else ""  # trailing comment on the key line
        if rest.startswith("#"):  # `key: {}#c`: after `key:` the comment needs a space before it
            rest = " " + rest
        if node.kind == "scalar" and node.style in ("|", ">"):
            rest = ""
            rest_end = _line_end(text, body_end - 1)
        return Splice(colon + 1, rest_end, head + rest + _nl(doc) + _lines_text(doc, new_lines))
    # an inline value
    if is_block_collection:
        inline = _inline(value, node, doc)
        colon = _colon_after(doc, entry.key)
        key_line_end = _line_end(text, colon)
        head = _props_kept(doc, node, value)
        if node.start < key_line_end:  # props on the key line: `key: &x  # comment`
            comment = text[_props_end(doc, node) : key_line_end]
        else:
            comment = text[colon + 1 : key_line_end]
        end = _line_end(text, _content_end(doc, node) - 1)
        return Splice(colon + 1, end, (f" {head}" if head else "") + f" {inline}" + comment)
    empty_at = _colon_after(doc, entry.key) + 1 if _is_empty_scalar(node) else node.start
    return _scalar_splice(doc, node, value, empty_at, in_flow)


def _inline(value: Any, node: Node, doc: ValuesDocument, flow: bool = False) -> str:
    if isinstance(value, (dict, list)):
        return render_flow(value, flow)
    prev = node.style if node.kind == "scalar" and node.style in ("'", '"') else None
    return render_scalar(value, prev, flow)


def _insert_into(
    doc: ValuesDocument, container_path: KeyPath, keys: tuple[str, ...], value: Any, style: Style
) -> Splice:
    """Add ``keys[0]: ...`` (with the remaining keys nested) to the mapping at ``container_path``."""
    new_value = _nested(keys[1:], value)
    entry = doc.index.get(container_path)
    if entry is None:
        # the document is empty (or a null): the first keys
        return _empty_document_splice(doc, _entry_lines(keys[0], new_value, 0, style))
    node = entry.value
    if container_path == () and node.kind == "map" and node.style == "flow" and not node.value:
        return _empty_flow_root_splice(doc, node, _entry_lines(keys[0], new_value, 0, style))
    if node.kind == "alias":
        raise KeyPathError(
            f"{format_path(container_path) or 'the top level'} is an alias (*{node.value}); adding keys would change "
            f"every place that uses &{node.value}. Edit the anchor, or replace the alias with its own mapping"
        )
    if node.kind == "map" and node.style == "block" and node.value:
        child_indent = _key_column(doc, node.value[0][0])
        pos = _after_last_entry(doc, node, child_indent)
        return _insert_lines_at(doc, pos, _entry_lines(keys[0], new_value, child_indent, style))
    if node.kind == "map" and node.style == "flow" and node.value:
        return _flow_insert(doc, node, f"{render_key(keys[0], True)}: {render_flow(new_value, True)}")
    if (node.kind == "map" and not node.value) or (
        node.kind == "scalar" and node.style == "" and helm_scalar(node.value) is None and not node.tag
    ):
        if container_path == ():
            lines = _entry_lines(keys[0], new_value, 0, style)
            return _insert_lines_at(doc, len(doc.text), lines)
        return _replace_value(doc, entry, {keys[0]: new_value}, style)
    shown = format_path(container_path) if container_path else "the top level"
    current = doc.get(container_path)
    raise KeyPathError(f"cannot create {keys[0]!r} under {shown}: it is {type_name(current)}, not a mapping")


def _flow_insert(doc: ValuesDocument, node: Node, item: str) -> Splice:
    """Add ``item`` (``key: value``) after the last entry of a non-empty flow mapping."""
    text = doc.text
    last_key, last_value = node.value[-1]
    if _is_empty_scalar(last_value):  # `{x}` or `{x: }`
        pos = last_key.end
        i = pos
        while i < node.end and text[i] in " \t\r\n":
            i += 1
        after_colon = i < node.end and text[i] == ":"
        if after_colon:
            pos = i + 1
    else:
        pos, after_colon = _content_end(doc, last_value), False
    i = pos
    while i < node.end:  # a trailing comma, perhaps after line breaks and comments
        if text[i] in " \t\r\n":
            i += 1
        elif text[i] == "#":
            i = _line_end(text, i)
        else:
            break
    if i < node.end and text[i] == ",":
        return Splice(i + 1, i + 1, f" {item}")
    return Splice(pos, pos, (" " if after_colon else "") + f", {item}")


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
    if _keep_scalar_ends_at(doc, start):
        # a keep-chomping block scalar (`|+`) just before: blank lines after the removed entry would join its
        # value, so they go too
        while end < len(text) and not text[end : _line_end(text, end)].strip(" \t"):
            end = _next_line_start(text, end)
    if end == len(text) and not text.endswith("\n") and start > 0:
        # the last line of a file without a final line break: take the break before it, keep the file's ending
        start -= 2 if text[start - 2 : start] == "\r\n" else 1
    return Splice(start, end, "")


# --------------------------------------------------------------------------------------------------------------
# Semantic expectations and verification
# --------------------------------------------------------------------------------------------------------------


def _resolve(node: Node) -> Node:
    while node.kind == "alias" and node.target is not None:
        node = node.target
    return node


def _find_key(mapping: Node, part: str | int) -> int | None:
    if not isinstance(part, str):
        return None
    for i, (k, _v) in enumerate(mapping.value):
        written = k.target if k.kind == "alias" and k.target is not None else k  # (`*name : value`)
        if written.kind == "scalar" and not is_merge_key(k) and _key_string(_scalar_value(written)) == part:
            return i
        if k.kind == "plain" and k.value == part:
            return i
    return None


def _expected(doc: ValuesDocument, path: KeyPath, value: Any, delete: bool) -> Any:
    """:func:`_expected_data`, with a change the YAML cannot hold (a merge key, ``<<``, left pointing at a value
    that is no longer a mapping) refused as an edit error."""
    try:
        return _expected_data(doc, path, value, delete)
    except InputError as e:
        where = f" (line {e.line})" if e.line is not None else ""
        action = "remove" if delete else "set"
        raise KeyPathError(f"cannot {action} {format_path(path)}: then {e.message}{where}") from None


def _get_plain(data: Any, path: KeyPath) -> Any:
    cur = data
    for part in path:
        if isinstance(cur, list):
            if not (isinstance(part, int) and 0 <= part < len(cur)):
                return MISSING
        elif not (isinstance(cur, dict) and isinstance(part, str) and part in cur):
            return MISSING
        cur = cur[part]
    return cur


def _plain(value: Any) -> Node:
    return Node("plain", 0, 0, value)


def _expected_data(doc: ValuesDocument, path: KeyPath, value: Any, delete: bool) -> Any:
    """The plain data of ``doc`` once ``path`` is set to ``value`` (or deleted), worked out on the node tree.

    The change is made on the parsed nodes (and undone before returning), so anchors, aliases and merge keys
    (``<<``) carry it to every place a YAML reader would: this is what the edited text must read as.
    """
    if doc.root is None:
        if delete:
            raise KeyPathError(describe_missing(doc, path))
        return _nested(tuple(str(p) for p in path), value)
    undo: list[tuple[str, list[Any], int, Any]] = []  # (operation done, list, index, old item)
    retargeted: list[tuple[Node, Node | None]] = []  # (alias, its target before)

    def put(items: list[Any], index: int, item: Any, is_pair: bool) -> None:
        old_node = items[index][1] if is_pair else items[index]
        new_node = item[1] if is_pair else item
        for alias, _target in doc.aliases:  # the anchor stays on the new value: its aliases follow it
            if alias.target is old_node:
                retargeted.append((alias, alias.target))
                alias.target = new_node
        undo.append(("put", items, index, items[index]))
        items[index] = item

    try:
        slot: tuple[list[Any], int, bool] | None = None  # the list (and index) holding the current node
        cur = doc.root
        for depth, part in enumerate(path):
            node = _resolve(cur)
            rest = path[depth:]
            if node.kind == "map":
                idx = _find_key(node, part)
                if idx is None:
                    if delete or any(isinstance(p, int) for p in rest):
                        raise KeyPathError(describe_missing(doc, path))
                    node.value.append((_plain(str(part)), _plain(_nested(tuple(str(p) for p in rest[1:]), value))))
                    undo.append(("append", node.value, len(node.value) - 1, None))
                    return to_plain(doc.root, doc.name, doc.position)
                slot, cur = (node.value, idx, True), node.value[idx][1]
            elif node.kind == "seq" and isinstance(part, int) and 0 <= part < len(node.value):
                slot, cur = (node.value, part, False), node.value[part]
            elif (
                not delete
                and slot is not None
                and node.kind == "scalar"
                and _scalar_value(node) is None
                and not any(isinstance(p, int) for p in rest)
            ):
                # an empty value (``key:``, ``key: ~``) becomes a mapping
                items, index, is_pair = slot
                new_node = _plain(_nested(tuple(str(p) for p in rest), value))
                put(items, index, (items[index][0], new_node) if is_pair else new_node, is_pair)
                return to_plain(doc.root, doc.name, doc.position)
            else:
                raise KeyPathError(describe_missing(doc, path))
        if slot is None:
            raise KeyPathError("cannot edit the whole document; give a key path")
        items, index, is_pair = slot
        if delete:
            undo.append(("delete", items, index, items[index]))
            del items[index]
        else:
            put(items, index, (items[index][0], _plain(value)) if is_pair else _plain(value), is_pair)
        return to_plain(doc.root, doc.name, doc.position)
    finally:
        for alias, target in reversed(retargeted):
            alias.target = target
        for op, items, index, old in reversed(undo):
            if op == "append":
                del items[index]
            elif op == "delete":
                items.insert(index, old)
            else:
                items[index] = old


def changed_paths(old: Any, new: Any, path: KeyPath = ()) -> list[KeyPath]:
    """The deepest key paths at which two plain values differ (type changes count as changes)."""
    if old is new:
        return []
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


def _touched_lines(text: str, splice: Splice) -> tuple[int, int]:
    """``(start of the first line, line break ending the last line)`` that ``splice`` touches in ``text``."""
    tail = text.find("\n", max(splice.end, splice.start))
    return text.rfind("\n", 0, splice.start) + 1, len(text) if tail == -1 else tail


def _check_untouched_lines(old_text: str, new_text: str, splices: list[Splice], name: str) -> None:
    """Every line outside the lines the splices touch (in order, on separate lines) must be byte-identical and
    in its place in ``new_text``."""
    shift = at = 0  # at: where the old text is checked from; shift: how far the splices so far moved it
    head = tail = 0
    for splice in splices:
        head, tail = _touched_lines(old_text, splice)
        if at + shift < 0 or new_text[at + shift : head + shift] != old_text[at:head]:
            break
        shift += len(splice.text) - (splice.end - splice.start)
        at = tail
    else:
        if at + shift >= 0 and new_text[at + shift :] == old_text[at:]:
            return
    first = old_text.count("\n", 0, head)
    last = first + old_text.count("\n", head, tail)
    raise VerificationError(
        f"internal error: editing {name} would change lines outside the edited lines "
        f"{first + 1}-{last + 1}; nothing was written (this is a bug in astro-config, please report it)"
    )


def _verify(
    old: ValuesDocument, new_text: str, splice: Splice, expected: Any, allowed: list[KeyPath]
) -> ValuesDocument:
    try:
        new = load_text(new_text, old.name, bom=old.bom)
    except LimitError as e:
        raise KeyPathError(f"cannot make this change: the edited {old.name} would be refused: {e.message}") from None
    except InputError as e:
        raise VerificationError(
            f"internal error: the edited {old.name} would not parse ({e.message}); nothing was written "
            "(this is a bug in astro-config, please report it)"
        ) from None
    _check_untouched_lines(old.text, new_text, [splice], old.name)
    diffs = changed_paths(expected, new.data)
    if diffs:
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


def apply_edits(doc: ValuesDocument, edits: Sequence[Edit]) -> EditResult:
    """Apply edits in order; each is spliced into the text and verified. Raises KeyPathError for impossible
    edits (nothing changed) and VerificationError for a bug."""
    result = EditResult(old=doc, new=doc)
    current = doc
    style = detect_style(doc)
    if len(edits) > 1:
        batched = _apply_together(doc, edits, style)
        if batched is not None:
            return batched
    for edit in edits:
        current = _apply_one(current, edit, style, result)
    result.new = current
    return result


def _with_comment_gap(doc: ValuesDocument, splice: Splice) -> Splice:
    if splice.text and splice.text[-1] not in " \t\r\n" and doc.text.startswith("#", splice.end):
        # `{}#c` and `'x'#c`: a comment may touch a flow collection or a quoted scalar, not a plain one
        return Splice(splice.start, splice.end, splice.text + " ")
    return splice


def _apply_together(doc: ValuesDocument, edits: Sequence[Edit], style: Style) -> EditResult | None:
    """Several values set on lines of their own, in a file without merge keys (``dag-deploy enable``
    sets two flags far apart): splice them all into the original and verify once, a parse less per edit.

    The verification is the same as for one edit: the new text parses, its data equals the old data with
    exactly these values set (worked out on plain data, independently of the splices), and every line outside
    the edited ones is byte-identical (a VerificationError, as for one edit). Returns None (the caller then
    applies the edits one by one, each verified) whenever that shortcut does not apply, or the spliced text
    does not read as expected (two splices that only work one after the other)."""
    sets = [e for e in edits if isinstance(e, SetValue) and e.path]
    if "<<" in doc.text or len(sets) != len(edits):
        return None
    # Anchors and aliases elsewhere in the file do not matter: an edit that reaches an anchored value changes
    # its alias sites too, so the new data differs from the expected data below and the edits go one by one.
    paths = [tuple(e.path) for e in sets]
    for i, a in enumerate(paths):
        for b in paths[i + 1 :]:
            if a[: len(b)] == b or b[: len(a)] == a:
                return None  # one inside another: order matters
    result = EditResult(old=doc, new=doc)
    expected = copy.deepcopy(doc.data)
    planned: list[Splice] = []
    for edit, path in zip(sets, paths, strict=True):
        current = doc.get(path)
        if current is not MISSING and type(current) is type(edit.value) and current == edit.value:
            continue  # already so
        try:
            splice, allowed = _set_splice(doc, path, edit.value, style, result)
        except KeyPathError:
            return None  # the one-by-one path gives the error (or manages in another order)
        if not _set_plain(expected, path, copy.deepcopy(edit.value)):
            return None
        planned.append(_with_comment_gap(doc, splice))
        result.changed_paths.extend(allowed)
    if not planned:
        return result
    planned.sort(key=lambda sp: sp.start)
    text = doc.text
    spans = [_touched_lines(text, sp) for sp in planned]
    if any(spans[i][1] >= spans[i + 1][0] for i in range(len(spans) - 1)):
        return None  # two edits on one line (or adjacent): one by one
    pieces: list[str] = []
    at = 0
    for sp in planned:
        pieces += [text[at : sp.start], sp.text]
        at = sp.end
    pieces.append(text[at:])
    new_text = "".join(pieces)
    _check_untouched_lines(text, new_text, planned, doc.name)
    try:
        new_doc = load_text(new_text, doc.name, bom=doc.bom)
    except InputError:
        return None
    if changed_paths(expected, new_doc.data):
        return None
    new_doc.path, new_doc.stat_key = doc.path, doc.stat_key
    result.new = new_doc
    return result


def _set_plain(data: Any, path: KeyPath, value: Any) -> bool:
    """Set ``path`` in plain data as Helm would read the edited file: missing mappings are created. False when
    the path goes through something that is not a mapping (or a list with that index)."""
    cur = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(cur, dict) and isinstance(part, str):
            if last:
                cur[part] = value
                return True
            if part not in cur or cur[part] is None:
                cur[part] = {}
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            if last:
                cur[part] = value
                return True
            cur = cur[part]
        else:
            return False
    return False


def _apply_one(doc: ValuesDocument, edit: Edit, style: Style, result: EditResult) -> ValuesDocument:
    path = tuple(edit.path)
    if not path:
        raise KeyPathError("cannot edit the whole document; give a key path")
    if isinstance(edit, SetValue):
        current = doc.get(path)
        if current is not MISSING and type(current) is type(edit.value) and current == edit.value:
            return doc  # already so: no change
        splice, allowed = _set_splice(doc, path, edit.value, style, result)
        expected = _expected(doc, path, copy.deepcopy(edit.value), delete=False)
        if changed_paths(_get_plain(expected, path), edit.value):
            raise KeyPathError(
                f"setting {format_path(path)} would not take effect: a merge key (<<) later in its mapping "
                "overrides it; nothing changed"
            )
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
        _refuse_orphans(doc, target, [n for n in (entry.key, entry.value) if n is not None], None, "remove")
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
        elif (
            parent_entry is not None
            and parent_entry.value.kind == "seq"
            and parent_entry.value.style == "block"
            and len(parent_entry.value.value) == 1
        ):
            # the last item of a block list: keep the parent a list, as `parent: []`
            splice = _replace_value(doc, parent_entry, [], style)
            allowed = [target[:-1], *shared]
        else:
            splice = _delete_splice(doc, target)
            allowed = [target, *[(*s, target[-1]) for s in shared]]
        expected = _expected(doc, target, None, delete=True)
    splice = _with_comment_gap(doc, splice)
    new_text = doc.text[: splice.start] + splice.text + doc.text[splice.end :]
    new = _verify(doc, new_text, splice, expected, allowed)
    if "<<" in doc.text:  # merge keys copy the change to other mappings: say so
        extra = [
            p
            for p in changed_paths(doc.data, new.data)
            if not any(p[: len(a)] == a or a[: len(p)] == p for a in allowed)
        ]
        if extra:
            shown = ", ".join(format_path(p) for p in extra[:5]) + (", ..." if len(extra) > 5 else "")
            result.notes.append(f"{format_path(path)} is merged elsewhere with <<: the change also applies to {shown}")
            allowed = [*allowed, *extra]
    result.changed_paths.extend(allowed)
    return new


def _refuse_orphans(doc: ValuesDocument, path: KeyPath, removed: list[Node], kept: Node | None, what: str) -> None:
    """Refuse an edit that removes an anchor (``&x``) still used by an alias (``*x``) elsewhere."""
    if not doc.aliases:
        return
    inside: set[int] = set()
    stack = list(removed)
    while stack:
        node = stack.pop()
        if node is not kept:
            inside.add(id(node))
        if node.kind == "map":
            for k, v in node.value:
                stack.extend((k, v))
        elif node.kind == "seq":
            stack.extend(node.value)
    lo = min(n.start for n in removed)
    hi = max(n.end for n in removed)
    users = [a for a, t in doc.aliases if id(t) in inside and not (lo <= a.start and a.end <= hi)]
    if users:
        lines = ", ".join(str(doc.position(a.start)[0]) for a in users[:5])
        raise KeyPathError(
            f"cannot {what} {format_path(path)}: it holds the anchor &{users[0].value} that the alias at line(s) "
            f"{lines} uses; change the alias first"
        )


def _through_alias(doc: ValuesDocument, path: KeyPath, found: KeyPath) -> KeyPathError | None:
    """When ``found`` (in the data, not in the text) is reached through an alias: why ``path`` cannot be set
    there, which alias, and where its anchor is defined. None when it is not (a merge key, say)."""
    for depth in range(len(found) - 1, -1, -1):
        entry = doc.index.get(found[:depth])
        if entry is None:
            continue
        if entry.value.kind == "alias":
            alias, at, rest = entry.value, found[:depth], path[depth:]
            defined = next((p for p, e in doc.index.items() if e.value is alias.target), None)
            where = f" ({format_path((*defined, *rest))}, which changes every use of it)" if defined else ""
            return KeyPathError(
                f"{format_path(path)} is reached through the alias *{alias.value} at {format_path(at)}: edit it "
                f"where &{alias.value} is defined{where}, or set {format_path(at)} to its own value first"
            )
        break
    return None


def _set_splice(
    doc: ValuesDocument, path: KeyPath, value: Any, style: Style, result: EditResult
) -> tuple[Splice, list[KeyPath]]:
    entry = doc.index.get(path)
    if entry is not None:
        _refuse_orphans(doc, path, [entry.value], entry.value, "replace")
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
            raise _through_alias(doc, path, prefix) or KeyPathError(
                f"{format_path(prefix)} comes from an alias or merge key; edit it where it is defined"
            )
    rest = path[depth:]
    through = _through_alias(doc, path, path) if rest and doc.get(path) is not MISSING else None
    if through is not None:
        raise through
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
