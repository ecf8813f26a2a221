"""Key paths: parsing the dotted form users type, and formatting it back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astro_config.errors import KeyPathError
from astro_config.keypath import format_path, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", ("a",)),
        ("a.b.c", ("a", "b", "c")),
        ("global.dagOnlyDeployment.enabled", ("global", "dagOnlyDeployment", "enabled")),
        ("a[0]", ("a", 0)),
        ("a[0].b", ("a", 0, "b")),
        ("a[0][12]", ("a", 0, 12)),
        ("a.b[3].c[0].d", ("a", "b", 3, "c", 0, "d")),
        (r"x.kubernetes\.io/name", ("x", "kubernetes.io/name")),
        (r"a\[0\]", ("a[0]",)),
        (r"back\\slash", ("back\\slash",)),
        (r"\.", (".",)),
        ("with space", ("with space",)),
        ("ünïcode.ключ", ("ünïcode", "ключ")),
        ("a-b_c.d/e", ("a-b_c", "d/e")),
    ],
)
def test_parse(text: str, expected: tuple[object, ...]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty key path"),
        (".", "empty key"),
        ("a.", "empty key"),
        (".a", "empty key"),
        ("a..b", "empty key"),
        ("[0]", "cannot start with a list index"),
        ("a[x]", "bad list index"),
        ("a[-1]", "bad list index"),
        ("a[0", "bad list index"),
        ("a]", "unbalanced"),
        ("a[0]b", "expected '.' or '['"),
        ("a\\", "dangling backslash"),
        ("a.[0]", "empty key"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(KeyPathError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse(text)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "."),
        (("a",), "a"),
        (("a", 0, "b"), "a[0].b"),
        (("kubernetes.io/name",), r"kubernetes\.io/name"),
        (("a[0]",), r"a\[0\]"),
        (("back\\slash",), r"back\\slash"),
    ],
)
def test_format(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("a\n", "b"), r"a\x0a.b"),
        (("tab\there",), r"tab\x09here"),
        (("\x7f\x85",), r"\x7f\x85"),
        (("\u2028",), r"\u2028"),
        (("back\\x41",), r"back\\x41"),
    ],
)
def test_control_characters_are_written_as_codes(path: tuple[str, ...], text: str) -> None:
    """Keys with line breaks or control characters print on one line (error messages stay one line)."""
    assert format_path(path) == text
    assert parse(text) == path
    assert "\n" not in format_path(path)


def test_codes_in_typed_paths() -> None:
    assert parse(r"a\x2eb") == ("a.b",)
    assert parse(r"k\u00e9") == ("ké",)
    assert parse(r"a\xZZ") == ("axZZ",)  # not a code: the backslash escapes the next character


_keys = st.text(min_size=1, max_size=8)
_paths = st.builds(
    lambda first, rest: (first, *rest),
    _keys,
    st.lists(st.one_of(_keys, st.integers(min_value=0, max_value=10**6)), max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(_paths)
def test_format_then_parse_round_trips(path: tuple[str | int, ...]) -> None:
    assert parse(format_path(path)) == path


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_parse_never_crashes(text: str) -> None:
    try:
        path = parse(text)
    except KeyPathError as e:
        assert "\n" not in str(e) or "\n" in text
    else:
        assert path and isinstance(path[0], str)
        assert parse(format_path(path)) == path
