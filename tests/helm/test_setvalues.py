"""--set / --set-string: Helm's syntax and typing."""

from __future__ import annotations

from typing import Any

import pytest

from astro_config.errors import InputError
from astro_config.helm import setvalues
from astro_config.helm.setvalues import SetArg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b=c", {"a": {"b": "c"}}),
        ("a=1,b=2", {"a": 1, "b": 2}),
        (
            "a=true,b=False,c=NULL,d=0,e=00,f=0777,g=1.5,h=1e3,i=-5,j=+5,k=yes",
            {
                "a": True,
                "b": False,
                "c": None,
                "d": 0,
                "e": "00",
                "f": "0777",
                "g": "1.5",
                "h": "1e3",
                "i": -5,
                "j": 5,
                "k": "yes",
            },
        ),
        ("big=9223372036854775807,bigger=9223372036854775808", {"big": 2**63 - 1, "bigger": "9223372036854775808"}),
        ("a=", {"a": ""}),
        ("a=,b=1", {"a": "", "b": 1}),
        ("a=b=c", {"a": "b=c"}),
        (r"a\.b=c", {"a.b": "c"}),
        (r"a=x\,y", {"a": "x,y"}),
        (r"a=x\\y", {"a": "x\\y"}),
        ("a={1,two,true}", {"a": [1, "two", True]}),
        ("a={}", {"a": [""]}),
        ("a[0]=x", {"a": ["x"]}),
        ("a[2]=x", {"a": [None, None, "x"]}),
        ("a[0].b=1,a[0].c=2", {"a": [{"b": 1, "c": 2}]}),
        ("a[1][0]=z", {"a": [None, ["z"]]}),
        ("a[0]={1,2}", {"a": [[1, 2]]}),
        ("a[0].b=", {"a": []}),  # Helm quirk: the map is dropped when the value is empty at the very end
    ],
)
def test_parse_like_helm(text: str, expected: dict[str, Any]) -> None:
    assert setvalues.parse(text) == expected


def test_set_string_keeps_strings() -> None:
    assert setvalues.parse("a=true,b=10,c={1,null}", as_string=True) == {"a": "true", "b": "10", "c": ["1", "null"]}


def test_apply_writes_into_existing_values_and_reports_paths() -> None:
    data: dict[str, Any] = {"a": {"b": 1, "c": 2}, "l": ["x", "y"]}
    paths = setvalues.apply(data, "a.b=3,l[1]=z,n.m=1")
    assert data == {"a": {"b": 3, "c": 2}, "l": ["x", "z"], "n": {"m": 1}}
    assert paths == [("a", "b"), ("l", 1), ("n", "m")]


@pytest.mark.parametrize(
    ("data", "text", "fragment"),
    [
        ({"a": 5}, "a.b=1", "not a map"),
        ({"a": None}, "a.b=1", "null, not a map"),
        ({"a": {}}, "a[0]=1", "not a list"),
        ({}, "a.b", "has no value"),
        ({}, "a,b=1", "cannot end with ,"),
        ({}, "a={1,2", "must terminate"),
        ({}, "a[x]=1", "invalid syntax"),
        ({}, "a[0", "error parsing index: EOF"),
        ({}, "a[-1]=1", "negative"),
        ({}, "a[65537]=1", "maximum supported index"),
        ({}, "a[0]x=1", "unexpected data"),
        ({}, ".".join("k" * 32) + "=1", "nested level"),
    ],
)
def test_errors(data: dict[str, Any], text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        setvalues.apply(data, text)
    assert err.value.file == "--set"
    assert fragment in err.value.message


def test_helm_order_puts_set_string_last() -> None:
    args = [SetArg("a=1", "set-string"), SetArg("a=2"), SetArg("b=1", "set-string"), SetArg("c=3")]
    assert [a.text for a in setvalues.helm_order(args)] == ["a=2", "c=3", "a=1", "b=1"]
    assert str(args[0]) == "--set-string a=1"


def test_surprises_flag_values_a_file_would_type_differently() -> None:
    found = {s.key: s for s in setvalues.surprises(SetArg("a=1.5,b=yes,c=0777,d=plain,e=10,f={on,x}"))}
    assert set(found) == {"a", "b", "c", "f"}
    assert "the number 1.5" in found["a"].message
    assert "the boolean true" in found["b"].message
    assert "the number 511" in found["c"].message
    assert setvalues.surprises(SetArg("a=1.5", "set-string")) == []
