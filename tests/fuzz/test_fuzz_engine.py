"""Fuzzing the parser and the edit engine with random input and mutated real values files.

Whatever the input, only the tool's own errors (``AstroConfigError`` subclasses) may come out; a document that
is read round-trips byte for byte; and every edit the engine accepts passes its own verification (no
``VerificationError``) and reads back with exactly the intended value. Through the command (in process), the
exit code is 0, 1 or 2 and stderr has at most one line.

Fast profile (normal test run): a hundred-odd examples per test. Long profile (>= 10,000 per test):

    HYPOTHESIS_PROFILE=long pytest tests/hardening/test_properties.py tests/fuzz

Set ``ASTRO_CONFIG_STATS_DIR`` to record the number of inputs tried (for SECURITY.md).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import PROFILE, mutated
from hypothesis import event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from astro_config.cli.main import app
from astro_config.document.editing import Delete, SetValue, apply_edits
from astro_config.document.reader import MISSING, load_bytes
from astro_config.errors import AstroConfigError, KeyPathError, VerificationError

COUNTS = {"inputs": 0, "read": 0, "refused": 0, "edits_tried": 0, "edits_accepted": 0, "edits_refused": 0}

yamlish = st.text(
    st.sampled_from([*"ab01 :-?[]{},&*!|>'\"#%@`\\\n\t\r~.", "é", "\u2028", "\x85", "\ufeff"]), max_size=60
)
values = st.one_of(
    st.text(max_size=12),
    st.integers(-(2**63), 2**64 - 1),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.dictionaries(st.text(min_size=1, max_size=6), st.integers() | st.text(max_size=5), max_size=3),
    st.lists(st.integers() | st.text(max_size=5), max_size=3),
)


def read(raw: bytes) -> Any:
    COUNTS["inputs"] += 1
    try:
        doc = load_bytes(raw, "fuzz.yaml")
    except AstroConfigError as e:
        assert not isinstance(e, VerificationError)
        assert "\n" not in str(e), str(e)
        COUNTS["refused"] += 1
        event("refused")
        return None
    COUNTS["read"] += 1
    event("read")
    assert isinstance(doc.data, dict)
    assert apply_edits(doc, []).new_bytes == raw  # what is read round-trips
    for path in list(doc.index)[:50]:
        loc = doc.locate(path)
        assert loc is None or (loc[0] >= 1 and loc[1] >= 1)
    return doc


LAST: dict[str, Any] = {}  # the document after the last accepted edit


def try_edit(doc: Any, edit: Any) -> None:
    LAST.pop("doc", None)
    COUNTS["edits_tried"] += 1
    try:
        result = apply_edits(doc, [edit])
    except VerificationError as e:  # the engine produced text it could not vouch for: a bug
        raise AssertionError(f"verification failed for {edit}: {e}") from e
    except (KeyPathError, AstroConfigError) as e:
        assert "\n" not in str(e)
        COUNTS["edits_refused"] += 1
        event(f"edit refused: {type(e).__name__}")
        return
    COUNTS["edits_accepted"] += 1
    event("edit accepted")
    LAST["doc"] = result.new
    again = load_bytes(result.new_bytes, "fuzz.yaml")
    if isinstance(edit, SetValue):
        got = again.get(edit.path)
        assert got is not MISSING and type(got) is type(edit.value) and got == edit.value
    elif isinstance(edit.path[-1], int):  # a list item: the list is one shorter
        before, after = doc.get(edit.path[:-1]), again.get(edit.path[:-1])
        assert isinstance(after, list) and len(after) == len(before) - 1
    else:
        assert again.get(edit.path) is MISSING or "<<" in again.text


@settings(PROFILE)
@given(st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    read(raw)


@settings(PROFILE)
@given(yamlish)
def test_random_yaml_like_text(text: str) -> None:
    read(text.encode("utf-8", "surrogatepass"))


@settings(PROFILE)
@given(mutated())
def test_mutated_real_files_read(raw: bytes) -> None:
    read(raw)


@settings(PROFILE)
@given(mutated(most=1), st.data())
def test_edits_on_real_and_mutated_files(raw: bytes, data: st.DataObject) -> None:
    """Real files as they are or with one mutation; a few random edits, one after the other."""
    LAST.clear()
    doc = read(raw)
    if doc is None:
        return
    for _ in range(4):
        paths = sorted(doc.index, key=repr)
        kind = data.draw(st.sampled_from(["set", "insert", "delete", "block"]), label="kind")
        path = data.draw(st.sampled_from(paths), label="path") if paths else ()
        if kind == "set" and path:
            try_edit(doc, SetValue(path, data.draw(values, label="value")))
        elif kind == "insert":
            new = data.draw(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3), label="keys")
            try_edit(doc, SetValue((*path, *new), data.draw(values, label="value")))
        elif kind == "delete" and path:
            try_edit(doc, Delete(path, prune=data.draw(st.booleans(), label="prune")))
        elif kind == "block" and path:
            block = data.draw(st.dictionaries(st.text(min_size=1, max_size=5), values, min_size=1, max_size=3))
            try_edit(doc, SetValue(path, block))
        doc = LAST.get("doc", doc)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scratch folder for every example (pytest removes it with its other temporary folders)."""
    return tmp_path_factory.mktemp("fuzz-cli")


@settings(PROFILE.__class__(PROFILE, max_examples=max(20, PROFILE.max_examples // 4)))
@given(raw=mutated(), command=st.sampled_from(["get", "set"]), data=st.data())
def test_the_command_on_mutated_files(workdir: Path, raw: bytes, command: str, data: st.DataObject) -> None:
    rnd = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    f = workdir / "values.yaml"
    f.write_bytes(raw)
    COUNTS["inputs"] += 1
    key = rnd.choice(["global.baseDomain", "global.dagOnlyDeployment.enabled", "a.b[0].c", "image.tag", "x"])
    args = (
        ["get", str(f), key]
        if command == "get"
        else ["set", str(f), f"{key}={rnd.choice(['true', '1', 'x y', ''])}", "-w"]
    )
    result = CliRunner().invoke(app, args, catch_exceptions=False)  # an exception here would reach the user
    assert result.exit_code in (0, 1, 2), result.output
    lines = result.stderr.splitlines()
    if result.exit_code != 0:  # a refusal is one line
        assert len(lines) <= 1, result.stderr
    else:  # a success says what it did, and may add notes and warnings (e.g. set's schema note), never an error
        said = [line for line in lines if not line.startswith(("note: ", "warning: "))]
        assert len(said) <= 1 and not any(line.startswith("error") for line in said), result.stderr
    if result.exit_code != 0 and command == "set":
        assert f.read_bytes() == raw  # refused: untouched


def test_record_counts() -> None:
    """(runs last in this file) how many inputs and edits the fuzz tests above tried, for SECURITY.md."""
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / "fuzz.json").write_text(json.dumps(COUNTS, indent=2) + "\n")
    print(f"\nfuzz: {json.dumps(COUNTS)}")
