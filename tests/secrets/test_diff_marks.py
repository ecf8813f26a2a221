"""``diff``: the semantic part and the unified part mark secrets the same way."""

from __future__ import annotations

from astro_config.helm import diffing
from astro_config.secrets.redact import REDACTED, REDACTED_CHANGED, REDACTED_UNCHANGED

OLD = {"db": {"password": "hunter2", "user": "a", "token": "t1"}, "n": 1}
NEW = {"db": {"password": "hunter2", "user": "b", "token": "t2"}, "n": 1}


def test_unchanged_secret_is_no_change_in_the_unified_part() -> None:
    r = diffing.diff(OLD, NEW)
    lines = r.text_diff.splitlines()
    assert f"   password: {REDACTED_UNCHANGED}" in lines  # a context line
    assert not any(line.startswith(("-", "+")) and "password" in line for line in lines)
    # the changed one: the same marks as the semantic line
    semantic = [c for c in r.changes if c.path == ("db", "token")]
    assert [(c.old, c.new) for c in semantic] == [(REDACTED, REDACTED_CHANGED)]
    assert f"-  token: {REDACTED}" in lines and f"+  token: {REDACTED_CHANGED}" in lines
    assert "hunter2" not in r.text_diff and "t1" not in r.text_diff and "t2" not in r.text_diff


def test_unchanged_secret_of_another_type_is_a_change() -> None:
    r = diffing.diff({"password": 1234}, {"password": "1234"})
    assert f"-password: {REDACTED}" in r.text_diff and f"+password: {REDACTED_CHANGED}" in r.text_diff
