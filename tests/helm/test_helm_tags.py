"""Helm's reading (``helmyaml.load``: what merge, explain and diff read and warn about) resolves explicit tags
as Helm 3.17 does, and has no typing warning for a scalar whose tag is written in the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import HelmRefused, helm_reads, json_like, needs_helm

from astro_config.errors import InputError
from astro_config.helm import helmyaml

TAGGED = [
    "a: !!str yes\n",
    "a: !!str 012\n",
    "a: ! 12\n",
    "a: ! '5'\n",
    "a: !local yes\n",
    "a: !!int '0x1F'\n",
    "a: !!float 1\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!bool 'true'\n",
    "a: !!null ''\n",
    "a: !!timestamp 2001-12-14\n",
    "base: &b {x: 1}\nm:\n  !!merge '<<': *b\n  y: 2\n",
    'base: &b {x: 1}\nm:\n  !!merge "<<": *b\n  x: 3\n',
    "base: &b {x: 1}\nm:\n  '<<': *b\n",
    "k: {!!str on: 1, !!int '7': 2}\n",
]


@needs_helm
@pytest.mark.helm
@pytest.mark.parametrize("text", TAGGED)
def test_explicit_tags_read_as_helm_reads_them(tmp_path: Path, text: str) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        expected = helm_reads(f, tmp_path)
    except HelmRefused:
        with pytest.raises(InputError):
            helmyaml.load(text, "v.yaml")
        return
    assert json_like(helmyaml.load(text, "v.yaml").data) == expected


@pytest.mark.parametrize("text", ["a: !!str yes\n", "a: !!str on\n", "a: ! 0777\n", "a: !!str NO\n"])
def test_no_typing_warning_where_the_tag_is_written(text: str) -> None:
    assert helmyaml.load(text, "v.yaml").surprises == []
    assert helmyaml.load(text.replace("!!str ", "").replace("! ", ""), "v.yaml").surprises != []  # untagged: one
