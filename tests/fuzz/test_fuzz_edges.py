"""Property tests at the edit engine's edges (issue 14), with Helm's reading as the oracle.

Generators: explicit tags (``!!binary``, ``!!timestamp``, ``!!int``, ``!!merge <<``, local tags, ...) with
fitting and unfitting content, empty and null documents (comments, directives, ``---``, ``...``, ``~``, ``{}``),
block scalars that end the file without a line break (every header), and odd or long keys.

Each example checks the engine's own promises at once (the edit reads back as asked, nothing else changes, a
refusal is one line); every text read or written is also kept, and the last test hands them all to Helm in one
``helm template`` (``fromYaml`` reads text as a values file is read: sigs.k8s.io/yaml, go-yaml v2): Helm must
read each exactly as our reader does, and refuse exactly what it refuses. Skipped without helm on PATH.

Fast profile: a hundred-odd examples per test; ``HYPOTHESIS_PROFILE=long``: 10,000 per test. Set
``ASTRO_CONFIG_STATS_DIR`` to record the counts (for SECURITY.md).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import HELM, HelmRefused, helm_reads_many, json_like
from fuzzkit import PROFILE
from hypothesis import given, settings
from hypothesis import strategies as st

from astro_config.document.editing import SetValue, apply_edits
from astro_config.document.reader import MISSING, load_text
from astro_config.document.render import MAX_KEY_CHARS, render_key
from astro_config.errors import InputError, KeyPathError, VerificationError
from astro_config.helm.setvalues import typed_value
from astro_config.keypath import KeyPath

# (label, text, our reading: the data, or None when our reader refuses it)
SEEN: list[tuple[str, str, Any]] = []
COUNTS = {"examples": 0, "edits_accepted": 0, "edits_refused": 0, "read_refused": 0}


def ours(label: str, text: str) -> Any:
    """Our reading of ``text`` (None when refused, in one line), kept for the Helm check at the end."""
    try:
        data = load_text(text, "edge.yaml").data
    except InputError as e:
        assert "\n" not in str(e), str(e)
        COUNTS["read_refused"] += 1
        SEEN.append((label, text, None))
        return None
    SEEN.append((label, text, data))
    return data


def edit_and_check(label: str, text: str, path: KeyPath, value: Any) -> None:
    """Set ``path`` to ``value`` in ``text``: either a one-line refusal, or a text that reads as the old data with
    exactly that value set (kept for Helm)."""
    COUNTS["examples"] += 1
    before = ours(label, text)
    if before is None:
        return
    try:
        result = apply_edits(load_text(text, "edge.yaml"), [SetValue(path, value)])
    except VerificationError as e:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"{e}\n---\n{text}")
    except KeyPathError as e:
        assert "\n" not in str(e), str(e)
        COUNTS["edits_refused"] += 1
        return
    COUNTS["edits_accepted"] += 1
    after = ours(label + " (edited)", result.new.text)
    assert after is not None
    got: Any = after
    for part in path:
        got = got[part]
    assert got == value and type(got) is type(value)


typed = st.sampled_from(
    ["x", "abcd", "soon", "hello world", "5", "-3", "0", "true", "FALSE", "null", "0777", "1e3", "1.5", "yes",
     "2001-12-14", "aGVsbG8=", "", "~", "a: b", "#c", "é"]
).map(typed_value)  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Explicit tags
# --------------------------------------------------------------------------------------------------------------

TAGS = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!timestamp", "!local", "!",
        "!<tag:yaml.org,2002:str>", "!<tag:yaml.org,2002:binary>", ""]  # fmt: skip
CONTENT = ["12", "0x10", "017", "1_000", "1.5", "1e3", "-7", "yes", "Off", "~", "", "null", "2001-12-14",
           "2001-12-14T21:59:43Z", "aGVsbG8=", "/w==", "abc", "soon", "'42'", '"x y"', "0", ".5", "'2001-12-14'",
           "|\n    aGVs\n    bG8=", ">\n    text"]  # fmt: skip


@st.composite
def tagged_documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    keys: list[str] = []
    lines: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        tag = draw(st.sampled_from(TAGS))
        if tag in ("!!binary", "!<tag:yaml.org,2002:binary>") and draw(st.booleans()):
            content = base64.b64encode(draw(st.binary(max_size=12))).decode("ascii")
        else:
            content = draw(st.sampled_from(CONTENT))
        keys.append(f"k{i}")
        lines.append(f"k{i}: {tag} {content}".rstrip(" ").replace(":  ", ": "))
    if draw(st.booleans()):  # a merge key, plain or tagged, before or after a local key
        merge = draw(st.sampled_from(["<<", "!!merge <<", "!!merge '<<'", "!!str <<", "'<<'"]))
        body = [f"  {merge}: *b", "  x: 0"]
        if draw(st.booleans()):
            body.reverse()
        lines = ["base: &b {x: 1, y: 2}", "m:", *body, *lines]
        keys += ["m"]
    return "\n".join(lines) + "\n", keys


@settings(PROFILE)
@given(tagged_documents(), st.data())
def test_edits_of_tagged_scalars(doc: tuple[str, list[str]], data: st.DataObject) -> None:
    text, keys = doc
    key = data.draw(st.sampled_from(keys))
    path: KeyPath = ("m", data.draw(st.sampled_from(["x", "z"]))) if key == "m" else (key,)
    edit_and_check("tags", text, path, data.draw(typed))


# --------------------------------------------------------------------------------------------------------------
# Empty and null documents
# --------------------------------------------------------------------------------------------------------------


@st.composite
def empty_documents(draw: st.DrawFn) -> str:
    lines: list[str] = draw(st.lists(st.sampled_from(["# c", "", "#"]), max_size=2))
    marker = draw(st.sampled_from(["", "---", "--- {}", "--- ~", "--- null", "--- # c", "--- !!map {}", "--- &a {}"]))
    if marker and draw(st.booleans()):
        lines.append("%YAML 1.1")
    if marker:
        lines.append(marker)
    if marker in ("", "---", "--- # c"):
        lines.append(draw(st.sampled_from(["", "{}", "~", "null", "Null", "NULL", "  ~", "{} # c", "~ # c", "# c"])))
    if marker and draw(st.booleans()):
        lines.append("...")
    lines += draw(st.lists(st.sampled_from(["# tail", ""]), max_size=2))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    text = nl.join(lines)
    return text + nl if lines and draw(st.booleans()) else text


keys = st.text(st.sampled_from("abxyz_-."), min_size=1, max_size=6)


@settings(PROFILE)
@given(empty_documents(), st.lists(keys, min_size=1, max_size=3), typed)
def test_empty_documents_take_keys(text: str, path: list[str], value: Any) -> None:
    doc = load_text(text, "edge.yaml")
    assert doc.data == {}
    edit_and_check("empty", text, tuple(path), value)


# --------------------------------------------------------------------------------------------------------------
# A block scalar that ends the file without a line break
# --------------------------------------------------------------------------------------------------------------

content_lines = st.lists(st.text(st.sampled_from("ab :#-"), min_size=1, max_size=8), min_size=1, max_size=3)


@st.composite
def trailing_block_scalars(draw: st.DrawFn) -> tuple[str, list[KeyPath]]:
    header = (
        draw(st.sampled_from(["|", ">"])) + draw(st.sampled_from(["", "2"])) + draw(st.sampled_from(["", "+", "-"]))
    )
    body = [ln for ln in draw(content_lines) if ln.strip()] or ["x"]
    body = [ln.lstrip(" ") or "x" for ln in body]
    if draw(st.booleans()):
        body.insert(draw(st.integers(1, len(body))), "")  # a blank line inside
    prefix = draw(st.sampled_from(["", "p: 1\n", "p:\n  q: [1]\n"]))
    shape = draw(st.sampled_from(["top", "nested", "list"]))
    if shape == "top":
        text = prefix + f"a: {header}\n" + "\n".join(f"  {ln}" if ln else "" for ln in body)
        paths: list[KeyPath] = [("z",), ("new", "deep")]
    elif shape == "nested":
        text = prefix + f"n:\n  a: {header}\n" + "\n".join(f"    {ln}" if ln else "" for ln in body)
        paths = [("z",), ("n", "z")]
    else:
        text = prefix + f"l:\n- {header}\n" + "\n".join(f"  {ln}" if ln else "" for ln in body)
        paths = [("z",)]
    return text, paths


@settings(PROFILE)
@given(trailing_block_scalars(), st.data(), typed)
def test_keys_after_a_final_block_scalar(doc: tuple[str, list[KeyPath]], data: st.DataObject, value: Any) -> None:
    text, paths = doc
    path = data.draw(st.sampled_from(paths))
    before = load_text(text, "edge.yaml").data
    edit_and_check("block scalar at the end", text, path, value)
    after = SEEN[-1][2] if SEEN and SEEN[-1][0].endswith("(edited)") else None
    if after is not None:  # the block scalar reads as before
        for key in ("a", "n", "l"):
            if key in before:
                assert after[key] == before[key] or (key == "n" and after["n"]["a"] == before["n"]["a"])


# --------------------------------------------------------------------------------------------------------------
# Odd and long keys
# --------------------------------------------------------------------------------------------------------------

odd_keys = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12),
    st.text(st.sampled_from("-?:#'\"&*!|>%@` \t,[]{}yesnoNULL0123456789.e+"), min_size=1, max_size=8),
    st.integers(1000, 1100).map(lambda n: "k" * n),
    st.integers(500, 530).map(lambda n: "é#" * n),
)


@settings(PROFILE)
@given(odd_keys, typed, st.sampled_from(["a: 1\n", "n: {}\n", "n:\n  m: 1\n", ""]))
def test_odd_and_long_keys(key: str, value: Any, source: str) -> None:
    path: KeyPath = ("n", key)
    try:
        written = render_key(key)
    except KeyPathError as e:
        assert f"at most {MAX_KEY_CHARS:,}" in str(e)
        assert len(key) > MAX_KEY_CHARS - 2
        with pytest.raises(KeyPathError):
            apply_edits(load_text(source, "edge.yaml"), [SetValue(path, value)])
        COUNTS["edits_refused"] += 1
        return
    assert len(written) <= MAX_KEY_CHARS
    edit_and_check("odd keys", source, path, value)
    assert SEEN[-1][2] is None or SEEN[-1][2]["n"].get(key, MISSING) == value


# --------------------------------------------------------------------------------------------------------------
# Helm: the oracle for every text above
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def helm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-edges-helm")


@pytest.mark.helm
@pytest.mark.skipif(HELM is None, reason="no helm binary on PATH (run .ci/get-helm .ci/bin)")
def test_helm_reads_every_text_as_we_do(helm_dir: Path) -> None:
    """(runs after the tests above) every text they read or wrote, read by Helm 3.17."""
    if not SEEN:
        pytest.skip("run with the property tests of this file")
    unique = {text: (label, data) for label, text, data in SEEN if "Error" not in text}
    texts = list(unique)
    disagree: list[str] = []
    for start in range(0, len(texts), 4000):
        chunk = texts[start : start + 4000]
        for text, helm in zip(chunk, helm_reads_many(chunk, helm_dir), strict=True):
            label, data = unique[text]
            if isinstance(helm, HelmRefused) or data is None:
                if isinstance(helm, HelmRefused) != (data is None):
                    disagree.append(f"{label}: Helm {'refuses' if data is not None else 'reads'} {text!r}")
            elif json_like(data) != helm:
                disagree.append(f"{label}: {text!r}: Helm reads {helm!r}, we read {data!r}")
    COUNTS["helm_checked"] = len(texts)
    assert not disagree, "\n".join(disagree[:20])


def test_record_edge_counts() -> None:
    """(runs last) how many examples the tests above tried, for SECURITY.md."""
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / "edges.json").write_text(json.dumps(COUNTS, indent=2) + "\n")
    print(f"\nedges: {json.dumps(COUNTS)}")
