"""Semantic diff: golden files on real chart values and small samples, both formats, with and without secrets.

Set ASTRO_CONFIG_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ASTRONOMER, needs_shared

from astro_config.helm import diffing, helmyaml, layering
from astro_config.models import ChangeKind
from astro_config.secrets.redact import REDACTED, REDACTED_CHANGED

DATA = Path(__file__).resolve().parents[1] / "data" / "diff"
UPDATE = os.environ.get("ASTRO_CONFIG_UPDATE_GOLDEN") == "1"


def check_golden(name: str, text: str) -> None:
    path = DATA / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with ASTRO_CONFIG_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def run(old_file: Path, new_file: Path, old_name: str, new_name: str, show_secrets: bool) -> diffing.DiffResult:
    old_text = old_file.read_text(encoding="utf-8")
    new_text = new_file.read_text(encoding="utf-8")
    return diffing.diff(
        helmyaml.load(old_text, old_name).data,
        helmyaml.load(new_text, new_name).data,
        old_name=old_name,
        new_name=new_name,
        show_secrets=show_secrets,
        old_texts=[old_text],
        new_texts=[new_text],
    )


@pytest.mark.parametrize("show_secrets", [False, True], ids=["redacted", "show-secrets"])
def test_small_sample_goldens(show_secrets: bool) -> None:
    r = run(DATA / "small-old.yaml", DATA / "small-new.yaml", "small-old.yaml", "small-new.yaml", show_secrets)
    suffix = "show-secrets" if show_secrets else "redacted"
    check_golden(f"small.{suffix}.txt", diffing.render_text(r))
    check_golden(f"small.{suffix}.json", diffing.render_json(r))
    assert r.exit_code == 1
    text = diffing.render_text(r) + diffing.render_json(r)
    if show_secrets:
        assert "hunter3" in text and "sk-12345" in text
    else:
        for secret in ("hunter2", "hunter3", "sk-12345", "unchanged-token"):
            assert secret not in text
        assert "<redacted, changed>" in text and "<redacted, unchanged>" in text


def test_small_sample_changes() -> None:
    r = run(DATA / "small-old.yaml", DATA / "small-new.yaml", "old", "new", show_secrets=False)
    by_key = {c.path: c for c in r.changes}
    # yes == true and "example.com" == example.com: same data, no change
    assert ("global", "dagOnlyDeployment", "enabled") in by_key
    assert by_key[("global", "dagOnlyDeployment", "enabled")].new is True
    assert ("global", "baseDomain") not in by_key
    # "2" -> 2 is a change of type
    assert by_key[("astronomer", "registry", "replicas")].kind is ChangeKind.TYPE_CHANGED
    # one item inserted at the top of a list is one change
    assert by_key[("astronomer", "registry", "extraEnv", 0)].kind is ChangeKind.ADDED
    assert ("astronomer", "registry", "extraEnv", 1) not in by_key
    pw = by_key[("astronomer", "houston", "config", "database", "password")]
    assert (pw.old, pw.new) == (REDACTED, REDACTED_CHANGED)
    assert by_key[("removed",)].kind is ChangeKind.REMOVED
    assert by_key[("added",)].new == {"apiKey": REDACTED, "note": "new"}


@pytest.mark.parametrize(
    ("old", "new", "says_redacted"),
    [
        ("a: 1\npassword: x\n", "a: 2\npassword: x\n", True),  # the unchanged secret is shown as <redacted...>
        ("a: 1\n", "a: 2\n", False),  # nothing was hidden: the summary does not claim it
    ],
)
def test_summary_mentions_redaction_only_when_something_was_hidden(old: str, new: str, says_redacted: bool) -> None:
    r = diffing.diff(helmyaml.load(old, "o").data, helmyaml.load(new, "n").data, old_texts=[old], new_texts=[new])
    text = diffing.render_text(r)
    assert ("secrets redacted (--show-secrets to see them)" in text) is says_redacted, text
    assert ("<redacted" in text) is says_redacted


def test_formatting_only_is_same_data() -> None:
    old = "# comment\na: 1\nb: {c: yes}\nl: [1, 2]\n"
    new = "l:\n  - 1\n  - 2\nb:\n  c: true   # same\na: 1.0\n"
    r = diffing.diff(
        helmyaml.load(old, "o").data,
        helmyaml.load(new, "n").data,
        old_name="o",
        new_name="n",
        old_texts=[old],
        new_texts=[new],
    )
    assert r.same_data and r.exit_code == 0 and r.formatting_only
    assert r.text_diff == ""
    assert (
        diffing.render_text(r) == "o and n: same data: the files differ only in formatting (comments, order, quoting)\n"
    )
    assert json.loads(diffing.render_json(r))["formatting_only"] is True
    same = diffing.diff({"a": 1}, {"a": 1}, old_texts=["a: 1\n"], new_texts=["a: 1\n"])
    assert same.same_data and not same.formatting_only


def test_layered_sets_are_compared_as_effective_values() -> None:
    base = layering.Layer.from_text("a:\n  b: 1\n  c: 2\n", "base.yaml")
    over = layering.Layer.from_text("a:\n  b: 3\n", "over.yaml")
    old = layering.merge([base, over]).values
    new = layering.merge([base], ["a.b=3"]).values
    assert diffing.diff(old, new).same_data
    changed = diffing.diff(old, layering.merge([base]).values)
    assert [(c.path, c.old, c.new) for c in changed.changes] == [(("a", "b"), 3, 1)]


def test_unified_diff_context_lines() -> None:
    old = {f"k{i}": i for i in range(10)}
    new = dict(old, k5="changed")
    r0 = diffing.diff(old, new, unified=0)
    assert r0.text_diff.splitlines()[2:] == ["@@ -6 +6 @@", "-k5: 5", "+k5: changed"]
    r2 = diffing.diff(old, new, unified=2)
    assert " k3: 3" in r2.text_diff.splitlines() and " k2: 2" not in r2.text_diff.splitlines()


@needs_shared
@pytest.mark.parametrize("show_secrets", [False, True], ids=["redacted", "show-secrets"])
def test_real_chart_values_goldens(show_secrets: bool) -> None:
    r = run(
        ASTRONOMER / "v0.37.7" / "values.yaml",
        ASTRONOMER / "v2.1.0" / "values.yaml",
        "v0.37.7/values.yaml",
        "v2.1.0/values.yaml",
        show_secrets,
    )
    suffix = "show-secrets" if show_secrets else "redacted"
    check_golden(f"astronomer-0.37.7-to-2.1.0.{suffix}.txt", diffing.render_text(r))
    check_golden(f"astronomer-0.37.7-to-2.1.0.{suffix}.json", diffing.render_json(r))
    assert r.exit_code == 1
    keys = {c.path for c in r.changes}
    assert ("global", "deployMechanisms") in keys  # the 2.x layout arrives
    assert ("global", "dagOnlyDeployment") in keys  # the 0.x layout goes


@needs_shared
def test_real_file_against_itself_is_same_data() -> None:
    text = (ASTRONOMER / "v2.1.0" / "values.yaml").read_text(encoding="utf-8")
    data = helmyaml.load(text, "v").data
    r = diffing.diff(data, data, old_texts=[text], new_texts=[text])
    assert r.exit_code == 0 and not r.formatting_only
