"""Round trips over every real chart values file in ../shared (the Astronomer releases and the public corpus).

* load + re-serialise and a no-op edit give back the exact bytes;
* setting one existing scalar leaf changes exactly one line of the unified diff, and setting it back restores
  the bytes;
* setting a missing nested key only adds lines, indented like the file (an empty ``{}`` parent: exactly that
  line changes), and deleting what was added restores the bytes;

through :func:`apply_edits` for every file and through the command line for a few.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import astronomer_files, corpus_files, real_files

from astro_config.document.editing import Delete, SetValue, apply_edits
from astro_config.document.reader import MISSING, Node, ValuesDocument, encode, load_file
from astro_config.document.render import render_scalar
from astro_config.document.writing import unified_diff
from astro_config.errors import KeyPathError
from astro_config.keypath import format_path

FILES = real_files()
IDS = [f"{p.parent.name}/{p.name}" if p.name == "values.yaml" else p.name for p in FILES]
pytestmark = pytest.mark.skipif(not FILES, reason="../shared is not present")


def diff_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in unified_diff(old, new, "f").splitlines():
        if line.startswith(("---", "+++", "@@", " ", "\\")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def first_leaf(doc: ValuesDocument, accept: Any = None) -> tuple[tuple[Any, ...], Node] | None:
    """The first scalar leaf, in document order, of a block mapping: plain or quoted, on one line, written the
    way the engine writes its value (so that setting it back gives back the same text); ``accept(value)``
    narrows the choice."""

    def walk(node: Node, path: tuple[Any, ...]) -> tuple[tuple[Any, ...], Node] | None:
        if node.kind != "map" or node.style != "block":
            return None
        for key, value in node.value:
            if key.kind != "scalar" or key.value == "<<":
                continue
            here = (*path, key.value)
            if value.kind == "scalar" and value.style in ("", "'", '"') and not value.anchor and not value.tag:
                source = doc.text[value.start : value.end]
                plain = doc.get(here)
                canonical = source and "\n" not in source and render_scalar(plain, value.style or None) == source
                if canonical and (accept is None or accept(plain)):
                    return here, value
            found = walk(value, here)
            if found:
                return found
        return None

    return walk(doc.root, ()) if doc.root is not None else None


def other_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "-changed" if value else "changed"
    return "changed"


def indent_step(doc: ValuesDocument) -> int:
    """The file's usual indentation step: the most common offset of a nested block mapping's keys."""
    steps: Counter[int] = Counter()
    for entry in doc.index.values():
        v = entry.value
        if entry.key is not None and v.kind == "map" and v.style == "block" and v.value:
            steps[doc.position(v.value[0][0].start)[1] - doc.position(entry.key.start)[1]] += 1
    return steps.most_common(1)[0][0] if steps else 2


def missing_path(doc: ValuesDocument) -> tuple[str, ...]:
    g = doc.data.get("global", MISSING)
    if g is MISSING or isinstance(g, dict):
        if isinstance(g, dict) and "dagOnlyDeployment" in g:
            return ("global", "astroConfigProbe", "enabled")
        return ("global", "dagOnlyDeployment", "enabled")
    return ("astroConfigProbe", "dagOnlyDeployment", "enabled")  # global is not a mapping here


# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_op_round_trip(path: Path) -> None:
    raw = path.read_bytes()
    doc = load_file(path)
    assert encode(doc.text, doc.bom) == raw
    result = apply_edits(doc, [])
    assert result.new_bytes == raw
    assert not result.changed
    assert unified_diff(doc.text, result.new.text, "f") == ""


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_set_one_leaf_changes_one_line_and_back(path: Path) -> None:
    raw = path.read_bytes()
    doc = load_file(path)
    found = first_leaf(doc)
    if found is None:
        pytest.skip("no plain or quoted scalar in a block mapping (the file holds only {} and [] values)")
    leaf, _node = found
    old = doc.get(leaf)
    result = apply_edits(doc, [SetValue(leaf, other_value(old))])
    removed, added = diff_lines(doc.text, result.new.text)
    assert len(removed) == 1 and len(added) == 1, (removed, added)
    assert removed[0].split(":")[0] == added[0].split(":")[0]  # the same key, on the same line
    back = apply_edits(result.new, [SetValue(leaf, old)])
    assert back.new_bytes == raw


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_insert_missing_nested_key_and_remove_it(path: Path) -> None:
    raw = path.read_bytes()
    doc = load_file(path)
    target = missing_path(doc)
    assert doc.get(target) is MISSING
    result = apply_edits(doc, [SetValue(target, True)])
    assert result.new.get(target) is True
    removed, added = diff_lines(doc.text, result.new.text)
    depth_existing = next(i for i in range(len(target)) if doc.get(target[: i + 1]) is MISSING)
    parent = doc.entry(target[:depth_existing]) if depth_existing else None
    if parent is not None and parent.value.kind == "map" and parent.value.style == "flow" and not parent.value.value:
        assert len(removed) == 1  # `key: {}` becomes `key:` and the new lines
    else:
        assert removed == [], removed
        step = indent_step(doc)
        if parent is None:
            base = 0
        else:
            assert parent.value.kind == "map" and parent.value.style == "block"
            base = doc.position(parent.value.value[0][0].start)[1] - 1
        assert len(added) == len(target) - depth_existing
        for i, line in enumerate(added):
            assert len(line) - len(line.lstrip(" ")) == base + i * step, added
        assert added[-1].strip() == "enabled: true"
    top = target[: depth_existing + 1]
    back = apply_edits(result.new, [Delete(top, prune=True)])
    assert back.new_bytes == raw


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_insert_under_empty_flow_mapping_changes_that_line(path: Path) -> None:
    """The first ``key: {}`` of the file: adding a key under it changes exactly that line, the rest is added."""
    doc = load_file(path)
    empties = [
        p
        for p, e in doc.index.items()
        if e.key is not None and e.value.kind == "map" and e.value.style == "flow" and not e.value.value
        and not e.value.anchor and (e.parent is None or e.parent.style == "block")
        and not any(isinstance(x, int) for x in p)
    ]  # fmt: skip
    if not empties:
        pytest.skip("no `key: {}` in this file")
    where = min(empties, key=lambda p: doc.index[p].value.start)
    line_no = doc.position(doc.index[where].value.start)[0]
    result = apply_edits(doc, [SetValue((*where, "astroConfigProbe"), "x")])
    removed, added = diff_lines(doc.text, result.new.text)
    assert removed == [doc.lines[line_no - 1]]
    assert added[0].startswith(doc.lines[line_no - 1].split("{}")[0].rstrip())
    assert added[-1].strip() == "astroConfigProbe: x"


# --------------------------------------------------------------------------------------------------------------
# Through the command line, for a few files
# --------------------------------------------------------------------------------------------------------------

CLI_FILES = (astronomer_files()[-1:] + corpus_files()[:2]) if FILES else []


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "astro_config", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


@pytest.mark.parametrize("path", CLI_FILES, ids=[f"{p.parent.name}/{p.name}" for p in CLI_FILES])
def test_through_the_cli(path: Path, tmp_path: Path) -> None:
    raw = path.read_bytes()
    work = tmp_path / "values.yaml"
    work.write_bytes(raw)
    doc = load_file(work)
    target = missing_path(doc)
    dotted = ".".join(target)
    # the default mode prints a diff and writes nothing
    shown = cli("set", "values.yaml", f"{dotted}=true", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert work.read_bytes() == raw
    removed, added = diff_lines(doc.text, apply_edits(doc, [SetValue(target, True)]).new.text)
    body = [ln for ln in shown.stdout.splitlines() if ln[:1] in "+-" and not ln.startswith(("---", "+++"))]
    assert body == [f"-{x}" for x in removed] + [f"+{x}" for x in added]
    # -w writes exactly what apply_edits produces
    written = cli("set", "values.yaml", f"{dotted}=true", "-w", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert work.read_bytes() == apply_edits(doc, [SetValue(target, True)]).new_bytes
    # setting a leaf and setting it back through the CLI gives back the bytes
    work.write_bytes(raw)
    found = first_leaf(doc, lambda v: isinstance(v, (bool, int)) or (isinstance(v, str) and v.isidentifier()))
    assert found is not None
    leaf, _ = found
    old = doc.get(leaf)
    key = format_path(leaf)
    assert cli("set", "values.yaml", f"{key}={other_value(old)}", "-w", cwd=tmp_path).returncode == 0
    assert work.read_bytes() != raw
    as_text = str(old).lower() if isinstance(old, bool) else str(old)
    extra = ["--string"] if isinstance(old, str) else []
    back = cli("set", "values.yaml", f"{key}={as_text}", "-w", *extra, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert work.read_bytes() == raw


REFUSALS = (
    "holds the anchor",
    "starts a list item",
    "replacing a whole list item by a block",
    "shares a line",
    "a merge key (<<) needs a mapping",  # an anchored {} merged elsewhere with <<, set to a scalar
)


@pytest.mark.parametrize("path", astronomer_files(), ids=[p.parent.name for p in astronomer_files()])
def test_many_edits_on_the_release_files(path: Path) -> None:
    """Every anchored or aliased value and every 20th other one of each release file: set to a scalar, to a
    mapping, and deleted. Each edit is verified by the engine (a VerificationError fails this test) or refused
    for a documented reason."""
    doc = load_file(path)
    entries = sorted(doc.index.items(), key=lambda item: item[1].value.start)
    chosen = [p for i, (p, e) in enumerate(entries) if p and (e.value.anchor or e.value.kind == "alias" or i % 20 == 0)]
    done = 0
    for p in chosen:
        edits: list[Any] = [SetValue(p, 2379), SetValue(p, "")]
        if doc.index[p].key is not None:
            edits += [SetValue(p, {"k": [1, "x"]}), Delete(p)]
        for edit in edits:
            try:
                result = apply_edits(doc, [edit])
            except KeyPathError as e:
                assert any(r in str(e) for r in REFUSALS), (p, edit, str(e))
                continue
            done += 1
            if isinstance(edit, SetValue):
                assert result.new.get(p) == edit.value
    assert done > 50
