"""The edit engine at its edges (issue 14): explicit tags, empty and null documents, block scalars that end the
file, long and odd keys, list items replaced whole, paths through aliases.

Every edit that succeeds is checked twice: our reader reads the asked value, and Helm 3.17 (``helm template``,
skipped without helm on PATH) reads the same data. Refusals are one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import HELM, HelmRefused, helm_reads, json_like, needs_helm

from astro_config.document.editing import Delete, Edit, SetValue, apply_edits
from astro_config.document.reader import MISSING, load_text
from astro_config.errors import InputError, KeyPathError
from astro_config.keypath import KeyPath


def edited(source: str, edits: list[Edit]) -> tuple[str, Any]:
    """The edited text and its data (our reading); the untouched-lines and data checks ran in apply_edits."""
    result = apply_edits(load_text(source, "v.yaml"), edits)
    return result.new.text, result.new.data


def check_with_helm(tmp_path: Path, text: str, data: Any) -> None:
    """Helm reads ``text`` as ``data`` (when helm is on PATH)."""
    if HELM is None:
        return
    f = tmp_path / "result.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        helm = helm_reads(f, tmp_path)
    except HelmRefused as e:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"Helm cannot read the edited file: {e}\n---\n{text}")
    assert helm == json_like(data or {}), text


def get(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


# --------------------------------------------------------------------------------------------------------------
# Empty and null documents: an empty map to edit
# --------------------------------------------------------------------------------------------------------------

EMPTY = [
    "", "\n", "# only a comment\n", "# no final newline", "{}\n", "{}", "{} # c\n", "  {}\n", "~\n", "~", "null\n",
    "Null\n", "NULL\n", "  ~\n", "~ # c\n", "--- {}\n", "---\n...\n", "--- ~\n", "--- null # c\n", "--- # c\n...\n",
    "---\n", "---\n~\n", "%YAML 1.1\n---\n", "%YAML 1.1\n--- {}\n", "# head\n---\n# c\n...\n# tail\n",
    "--- !!map {}\n", "&a {}\n", "{}\r\n", "---\r\n...\r\n",
]  # fmt: skip


@pytest.mark.helm
@pytest.mark.parametrize("source", EMPTY)
def test_an_empty_document_takes_its_first_keys(tmp_path: Path, source: str) -> None:
    text, data = edited(source, [SetValue(("global", "x"), 1)])
    assert data == {"global": {"x": 1}}
    check_with_helm(tmp_path, text, data)


@pytest.mark.helm
@pytest.mark.parametrize("source", EMPTY)
def test_an_empty_document_takes_several_keys(tmp_path: Path, source: str) -> None:
    """As ``dag-deploy enable`` sets two flags far apart."""
    edits: list[Edit] = [
        SetValue(("global", "dagOnlyDeployment", "enabled"), True),
        SetValue(("astronomer", "houston", "config", "deployments", "configureDagDeployment"), True),
    ]
    text, data = edited(source, edits)
    assert data["global"]["dagOnlyDeployment"]["enabled"] is True
    assert data["astronomer"]["houston"]["config"]["deployments"]["configureDagDeployment"] is True
    check_with_helm(tmp_path, text, data)


@pytest.mark.parametrize("source", ["{}\n", "~\n", "---\n...\n"])
def test_an_empty_document_keeps_its_comments(source: str) -> None:
    text, _ = edited("# head\n" + source + "# tail\n", [SetValue(("a",), 1)])
    assert text.startswith("# head\n") and text.endswith("# tail\n")


# --------------------------------------------------------------------------------------------------------------
# A block scalar that ends the file without a final line break
# --------------------------------------------------------------------------------------------------------------

HEADERS = ["|", "|+", "|-", ">", ">+", ">-", "|2", "|2+", "|2-", ">1", "|+2"]


@pytest.mark.helm
@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize(
    ("shape", "edit_path"),
    [
        ("a: {h}\n  x", ("b",)),
        ("a: {h}\n  x\n  y", ("b",)),
        ("a: {h}\n  x\n\n  y", ("b",)),
        ("n:\n  a: {h}\n    x", ("n", "b")),
        ("n:\n  a: {h}\n    x", ("z",)),
        ("l:\n- {h}\n  x", ("z",)),
        ("a: &s {h}\n  x", ("b",)),
        ("a: {h}  # c\n  x", ("b",)),
    ],
)
def test_a_key_after_a_final_block_scalar(tmp_path: Path, header: str, shape: str, edit_path: KeyPath) -> None:
    source = shape.format(h=header)
    if header[1:2].isdigit() and " " * (int(header[1]) + 1) + "x" not in source and "  x" in source:
        source = source.replace("  x", " " * int(header[1]) + "  x")  # the explicit indentation fits
    before = load_text(source, "v.yaml").data
    text, data = edited(source, [SetValue(edit_path, 1)])
    assert get(data, edit_path) == 1
    for key, value in before.items():  # the block scalar reads as before
        if key in data and not isinstance(value, dict):
            assert data[key] == value
    check_with_helm(tmp_path, text, data)


# --------------------------------------------------------------------------------------------------------------
# Long and odd keys
# --------------------------------------------------------------------------------------------------------------

ODD_KEYS = [
    "-x", "- x", "?", "? x", ":", "a: b", "a:b", "#c", "a #c", "x ", " x", "@x", "`x", "yes", "on", "y", "NO",
    "0777", "1e3", "0x1F", "1_000", ".5", ".inf", "<<", "=", "*a", "&a", "!t", "|", ">", "'", '"', "%x", "a\tb",
    "é", "null", "~", "true", "2001-12-14", "12:30", "[x]", "{x}", "a,b", "x\\y", "\u00a0", "a\u2028b", "ü:",
]  # fmt: skip


@pytest.mark.helm
@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_keys_are_written_so_helm_reads_them(tmp_path: Path, key: str) -> None:
    text, data = edited("a: 1\n", [SetValue(("n", key), "v")])
    assert data["n"] == {key: "v"}
    check_with_helm(tmp_path, text, data)


@pytest.mark.helm
@pytest.mark.parametrize("key", ["k" * 1024, "é" * 1024, "k" * 1021 + "#", "k" * 1023 + ":"])
def test_a_key_of_1024_characters(tmp_path: Path, key: str) -> None:
    if key.endswith(":"):  # written quoted: two more characters
        with pytest.raises(KeyPathError, match="a YAML key is at most 1,024"):
            edited("a: 1\n", [SetValue((key,), 1)])
        return
    text, data = edited("a: 1\n", [SetValue((key,), 1)])
    assert data[key] == 1
    check_with_helm(tmp_path, text, data)


@pytest.mark.parametrize("key", ["k" * 1025, "k" * 5000, "a: " * 400])
def test_a_longer_key_is_refused_in_one_line(key: str) -> None:
    with pytest.raises(KeyPathError) as info:
        edited("a: 1\n", [SetValue(("x", key), 1)])
    message = str(info.value)
    assert "a YAML key is at most 1,024 (Helm could not read it); use a shorter key" in message
    assert "\n" not in message and len(message) < 200


# --------------------------------------------------------------------------------------------------------------
# Explicit tags: the edit leaves a value Helm reads as asked
# --------------------------------------------------------------------------------------------------------------

TAGGED = [
    "token: !!binary aGVsbG8=\n",
    "token: !!binary |\n  aGVs\n  bG8=\n",
    "token: !<tag:yaml.org,2002:binary> aGVsbG8=\n",
    "token: !!timestamp 2001-12-14\n",
    "token: !!str 123\n",
    "token: !!int 42\n",
    "token: !!float 1\n",
    "token: !!bool yes\n",
    "token: !!null ''\n",
    "token: !local text\n",
    "token: &t !!binary aGVsbG8= # c\n",
    "token: !!str\n",
    "l:\n- !!binary aGVsbG8=\n",
]


@pytest.mark.helm
@pytest.mark.parametrize("source", TAGGED)
@pytest.mark.parametrize("value", ["abcd", "soon", "hello world", 5, True, None, "0777", "2001-12-15", 1.5])
def test_an_edited_tagged_scalar_reads_as_asked(tmp_path: Path, source: str, value: Any) -> None:
    path: KeyPath = ("l", 0) if source.startswith("l:") else ("token",)
    text, data = edited(source, [SetValue(path, value)])
    assert get(data, path) == value and type(get(data, path)) is type(value)
    assert "!!binary" not in text and "!!timestamp" not in text and "binary>" not in text
    check_with_helm(tmp_path, text, data)


# --------------------------------------------------------------------------------------------------------------
# A list item replaced whole (as helm --set list[0]=x does); paths through an alias
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.helm
@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("tolerations:\n- key: a\n  op: b\n", 42),
        ("tolerations:\n  - key: a\n    op: b\n  - key: c\n", "x"),
        ("tolerations:\n- key: a  # c\n  op: b\n\nnext: 1\n", None),
        ("tolerations:\n- - a\n  - b\n", True),
        ("tolerations:\n- &t\n  key: a\nother: *t\n", 7),
        ("tolerations:\n- key: |\n    text\n", 1),
        ("tolerations:\n- key: a\n", {"k": "v"}),
        ("tolerations:\n- key: a\n", ["x", "y"]),
    ],
)
def test_a_block_list_item_is_replaced_whole(tmp_path: Path, source: str, value: Any) -> None:
    try:
        text, data = edited(source, [SetValue(("tolerations", 0), value)])
    except KeyPathError as e:
        assert "&t" in source and "anchor" in str(e)  # an anchor still used elsewhere: refused, as before
        return
    assert data["tolerations"][0] == value
    check_with_helm(tmp_path, text, data)


@pytest.mark.parametrize(
    ("source", "path", "message"),
    [
        ("a: &x [1, 2]\nb: *x\n", ("b", 0), "b[0] is reached through the alias *x at b: edit it where &x is defined"),
        ("a: &x\n- k: 1\nb: *x\n", ("b", 0, "k"), "edit it where &x is defined (a[0].k"),
        ("a: &x\n  k: [1]\nb: *x\n", ("b", "k", 0), "b.k[0] is reached through the alias *x at b"),
    ],
)  # fmt: skip
def test_a_path_through_an_alias_says_where_to_edit(source: str, path: KeyPath, message: str) -> None:
    doc = load_text(source, "v.yaml")
    assert doc.get(path) is not MISSING  # get prints it ...
    with pytest.raises(KeyPathError) as info:
        apply_edits(doc, [SetValue(path, 5)])
    assert message in str(info.value)  # ... and set says why it cannot set it there
    assert "not set" not in str(info.value)


def test_a_delete_still_works_after_a_final_block_scalar() -> None:
    text, data = edited("a: 1\nb: |\n  x", [Delete(("a",))])
    assert data == {"b": "x"} and text == "b: |\n  x"


# --------------------------------------------------------------------------------------------------------------
# Reading explicit tags as Helm does (go-yaml v2): the reader behind get, set's verification and lint
# --------------------------------------------------------------------------------------------------------------

READ_TAGGED = [
    "a: !!binary aGVsbG8=\n", "a: !!binary |\n  aGVs\n  bG8=\n", "a: !!binary /w==\n", "a: !!binary ''\n",
    "a: !!binary aGVsbG8\n", "a: !!binary '@@'\n", "a: !<tag:yaml.org,2002:binary> aGk=\n",
    "a: !!timestamp 2001-12-14\n", "a: !!timestamp 2001-12-14t21:59:43.10-05:00\n", "a: !!timestamp soon\n",
    "a: !!timestamp '2001-12-14'\n", "a: !!timestamp 2001-12-14 21:59:43.10 -5\n",
    "b: &b {x: 1}\nm:\n  x: 2\n  !!merge <<: *b\n", "b: &b {x: 1}\nm:\n  !!merge <<: *b\n  x: 2\n",
    "b: &b {x: 1}\nm:\n  x: 2\n  !!merge '<<': *b\n", "b: &b {x: 1}\nm:\n  x: 2\n  !!str <<: *b\n",
    "b: &b {x: 1}\nm:\n  x: 2\n  '<<': *b\n",
    "a: !!str 123\n", "a: !!str yes\n", "a: !!str ~\n", "a: !!str\n", "a: !!str 0777\n",
    "a: !!int 42\n", "a: !!int '42'\n", "a: !!int 0x10\n", "a: !!int 017\n", "a: !!int 1_000\n", "a: !!int abc\n",
    "a: !!int ''\n", "a: !!int 123456789012345678901\n", "a: !!float 1\n", "a: !!float '1.5'\n", "a: !!float 1e3\n",
    "a: !!float 12345678901234567890\n", "a: !!bool yes\n", "a: !!bool 'Off'\n", "a: !!bool 1\n", "a: !!null ''\n",
    "a: !!null ~\n", "a: !!null x\n", "a: ! 12\n", "a: !local 12\n", "a: !foo {x: 1}\n", "a: !!map {x: 1}\n",
    "a: !!seq [1]\n", "a: !!set {x: ~}\n", "a: !!omap [{x: 1}]\n", "a: !<tag:yaml.org,2002:str> 12\n",
    "!!str 12: x\n", "!!int '12': x\n", "a: &k x\n*k : 1\n",
]  # fmt: skip


@needs_helm
@pytest.mark.helm
@pytest.mark.parametrize("source", READ_TAGGED)
def test_the_reader_reads_tags_as_helm_does(tmp_path: Path, source: str) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(source, encoding="utf-8")
    try:
        helm = helm_reads(f, tmp_path)
    except HelmRefused:
        with pytest.raises(InputError) as info:
            load_text(source, "v.yaml")
        assert "Helm refuses the file" in str(info.value) and "\n" not in str(info.value)
        return
    assert json_like(load_text(source, "v.yaml").data) == helm


@pytest.mark.parametrize(
    ("source", "path", "value"),
    [
        ("token: !!binary aGVsbG8=\n", ("token",), "hello"),
        ("b: &b {x: 1}\nm:\n  x: 2\n  !!merge <<: *b\n", ("m", "x"), 1),
        ("a: &k x\n*k : 1\n", ("x",), 1),
    ],
)
def test_get_reads_as_helm_does(source: str, path: KeyPath, value: Any) -> None:
    assert load_text(source, "v.yaml").get(path) == value


def test_a_tagged_merge_key_is_refused_like_a_plain_one() -> None:
    doc = load_text("b: &b {x: 1}\nm:\n  x: 2\n  !!merge <<: *b\n", "v.yaml")
    with pytest.raises(KeyPathError, match="a merge key \\(<<\\) later in its mapping overrides it"):
        apply_edits(doc, [SetValue(("m", "x"), 5)])


@pytest.mark.helm
@pytest.mark.parametrize(("value", "written"), [(3, "3"), ("y", '"y"')])
def test_an_alias_used_as_a_key_is_edited_in_place(tmp_path: Path, value: Any, written: str) -> None:
    text, data = edited("a: &k x\n*k : 1\nb: 2\n", [SetValue(("x",), value)])
    assert text == f"a: &k x\n*k : {written}\nb: 2\n"
    assert data["x"] == value
    check_with_helm(tmp_path, text, data)


@pytest.mark.parametrize(
    ("source", "value"),
    [("token: !!binary aGVsbG8=\n", "abcd"), ("when: !!int 5\n", "x"), ("when: !!timestamp 2001-12-14\n", "soon")],
)
def test_a_tag_that_slips_through_is_caught_by_the_verification(
    monkeypatch: pytest.MonkeyPatch, source: str, value: Any
) -> None:
    """Were the engine to keep a tag that does not fit (the bug of issue 14), the verification, which reads the
    new text as Helm does, refuses the edit instead of writing wrong data."""
    from astro_config.document import editing
    from astro_config.errors import VerificationError

    monkeypatch.setattr(editing, "_tag_fits", lambda tag, value: True)
    with pytest.raises((VerificationError, KeyPathError)) as info:
        edited(source, [SetValue((source.split(":")[0],), value)])
    assert isinstance(info.value, VerificationError) or "would be refused" in str(info.value)
