"""The comment-preserving key mover (document/moves.py): exact texts, line and comment accounting, and property
tests over generated files."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astro_config.document import reader
from astro_config.document.moves import Add, Move, Remove, Replace, apply_ops, expected_after
from astro_config.platform import migrate as m


def move(text: str, *ops: Any) -> str:
    doc = reader.load_text(text)
    want: Any = doc.data
    for op in ops:
        want = expected_after(want, op)
    result = apply_ops(doc, list(ops), want)
    assert result.new.data == want
    return result.new.text


def migrate(text: str, steps: list[str]) -> str:
    doc = reader.load_text(text)
    migration, result = m.migrate_document(doc, steps)
    assert result.new.data == migration.data
    return result.new.text


# --------------------------------------------------------------------------------------------------------------
# Exact texts
# --------------------------------------------------------------------------------------------------------------


def test_new_parent_created_where_the_key_stood_comments_kept() -> None:
    text = "global:\n  a: 1\n  # RBAC on\n  rbacEnabled: true  # keep\n  b: 2\n"
    assert migrate(text, [m.STEP_1X]).startswith(
        "global:\n  a: 1\n  # RBAC on\n  rbac:\n    enabled: true  # keep\n  b: 2\n"
    )


def test_moved_block_keeps_its_formatting_reindented() -> None:
    text = (
        "global:\n"
        "  # DAG-only deploys\n"
        "  dagOnlyDeployment:\n"
        "    enabled: true   # on\n"
        "    tag: '0.9.2'\n"
        "\n"
        '    resources: {requests: {cpu: "2"}}\n'
        "    persistence: ~\n"
        "    notes: |\n"
        "      line one\n"
        "        indented\n"
        "    #  limits:\n"
        "    #    cpu: 1\n"
        "  baseDomain: x\n"
    )
    want = (
        "global:\n"
        "  # DAG-only deploys\n"
        "  deployMechanisms:\n"
        "    dagOnlyDeployment:\n"
        "      enabled: true   # on\n"
        "      tag: '0.9.2'\n"
        "\n"
        '      resources: {requests: {cpu: "2"}}\n'
        "      persistence: ~\n"
        "      notes: |\n"
        "        line one\n"
        "          indented\n"
        "      #  limits:\n"
        "      #    cpu: 1\n"
        "  baseDomain: x\n"
    )
    assert (
        move(text, Move(("global", "dagOnlyDeployment"), ("global", "deployMechanisms", "dagOnlyDeployment"))) == want
    )


def test_second_key_goes_into_the_parent_the_first_created() -> None:
    text = (
        "deployments:\n"
        "  # both must agree\n"
        "  configureDagDeployment: true\n"
        "  other: 1\n"
        "  # the flag\n"
        "  dagOnlyDeployment: true # yes\n"
        "  last: 2\n"
    )
    new = ("deployments", "deployMechanisms")
    got = move(
        text,
        Move(("deployments", "configureDagDeployment"), (*new, "configureDagDeployment", "enabled")),
        Move(("deployments", "dagOnlyDeployment"), (*new, "dagOnlyDeployment", "enabled")),
    )
    assert got == (
        "deployments:\n"
        "  # both must agree\n"
        "  deployMechanisms:\n"
        "    configureDagDeployment:\n"
        "      enabled: true\n"
        "    # the flag\n"
        "    dagOnlyDeployment:\n"
        "      enabled: true # yes\n"
        "  other: 1\n"
        "  last: 2\n"
    )


def test_same_parent_renames_in_place() -> None:
    text = "nginx:\n  cspPolicy:\n    # cdn\n    cdnEnabled: false  # c\n    other: 1\n"
    assert migrate(text, [m.STEP_1X]).startswith(
        "nginx:\n  cspPolicy:\n    # cdn\n    enabled: false  # c\n    other: 1\n"
    )


def test_emptied_parent_becomes_braces_and_prune_keeps_comments() -> None:
    text = "g:\n  # section\n  features:\n    # pools\n    pools: 1\n  x: 2\n"
    got = move(text, Move(("g", "features", "pools"), ("g", "x2")))
    assert got == "g:\n  # section\n  features: {}\n  x: 2\n  # pools\n  x2: 1\n"
    got = move(text, Move(("g", "features", "pools"), ("g", "x2")), Remove(("g", "features"), keep_comments=True))
    assert got == "g:\n  # section\n  x: 2\n  # pools\n  x2: 1\n"


def test_remove_takes_its_comments_and_one_separating_blank_line() -> None:
    text = "a: 1\n\n# about b\nb: 2\n\nc: 3\n"
    assert move(text, Remove(("b",))) == "a: 1\n\nc: 3\n"
    assert move("a:\n  b: 1\nc: 2\n", Remove(("a", "b"))) == "a: {}\nc: 2\n"


def test_crlf_and_missing_final_newline_are_kept() -> None:
    text = "global:\r\n  # r\r\n  rbacEnabled: true\r\n  sccEnabled: false"
    got = migrate(text, [m.STEP_1X])
    assert "\n" not in got.replace("\r\n", "")
    assert got.startswith("global:\r\n  # r\r\n  rbac:\r\n    enabled: true\r\n  scc:\r\n    enabled: false")
    assert got.endswith("enabled: true")  # strictSchemaCheck.enabled, no final newline added


def test_self_nesting_keeps_a_block_value() -> None:
    text = "global:\n  networkNSLabels:\n  - a\n  - b\n"
    assert migrate(text, [m.STEP_1X]).startswith("global:\n  networkNSLabels:\n    enabled:\n    - a\n    - b\n")


def test_non_mapping_intermediate_replaced_then_filled() -> None:
    text = "global:\n  nginx: 3\n  nginxEnabled: true\n"
    got = migrate(text, [m.STEP_1X])
    assert reader.load_text(got).data["global"] == {"nginx": {"enabled": True}}


def test_into_an_empty_flow_parent() -> None:
    text = "g:\n  rbac: {}  # later\n  rbacEnabled: true\n"
    got = move(text, Move(("g", "rbacEnabled"), ("g", "rbac", "enabled")))
    assert got == "g:\n  rbac:  # later\n    enabled: true\n"


def test_flow_mapping_falls_back_to_the_edit_engine_with_a_note() -> None:
    doc = reader.load_text("global: {rbacEnabled: true, b: 1}\n")
    migration, result = m.migrate_document(doc, [m.STEP_1X])
    assert result.new.data == migration.data
    assert any("as a new value" in n for n in result.notes)


def test_add_after_a_sibling_and_replace() -> None:
    text = "global:\n  dagOnlyDeployment:\n    image: r:1  # pin\n    x: 1\n"
    got = migrate(text, [m.STEP_036])
    assert got == 'global:\n  dagOnlyDeployment:\n    repository: r  # pin\n    tag: "1"\n    x: 1\n'
    assert move("a:\n  b: 1\n", Add(("a", "c"), 2, after=("a", "b")), Replace(("a", "b"), 5)) == "a:\n  b: 5\n  c: 2\n"


def test_empty_and_comment_only_files_are_left_alone() -> None:
    for text in ("", "# only a comment\n"):
        doc = reader.load_text(text)
        _migration, result = m.migrate_document(doc, [m.STEP_1X])
        assert result.new.text == text and not result.changed


# --------------------------------------------------------------------------------------------------------------
# Accounting on the chart's own defaults (the 0.37.7 and 1.2.0 files beside the charts)
# --------------------------------------------------------------------------------------------------------------

_COMMENT = re.compile(r"#.*$")


def comments(text: str) -> list[str]:
    """Every comment (full-line or inline) as written, without indentation."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            out.append(stripped)
        elif " #" in line:
            out.append(line[line.index(" #") + 1 :].strip())
    return out


def deleted_comments(old: str, migration: Any) -> list[str]:
    """Comments inside the blocks the migration deletes (not prunes), which go with their keys."""
    doc = reader.load_text(old)
    from astro_config.document.moves import _block

    gone: list[str] = []
    for a in migration.actions:
        if a.kind == "delete" and a.path in doc.index:
            b = _block(doc, a.path)
            gone += comments(doc.text[b.start : b.end])
    return gone


@pytest.mark.parametrize("name", ["v0.37.7", "v0.34.5", "v0.36.1"])
def test_real_chart_values_lose_no_comment_but_those_of_deleted_keys(name: str) -> None:
    from conftest import ASTRONOMER

    path = ASTRONOMER / name / "values.yaml"
    if not path.is_file():
        pytest.skip("../shared/astronomer is not present")
    text = path.read_text()
    doc = reader.load_text(text)
    steps = m.plan(m.line_of_version(tuple(int(x) for x in name[1:].split("."))), "2")  # type: ignore[arg-type]
    migration, result = m.migrate_document(doc, steps)
    new = result.new.text
    assert result.new.data == migration.data
    assert not result.notes  # no fallback: every block moved as lines
    old_c, new_c = comments(text), comments(new)
    lost = list(old_c)
    for c in new_c:
        if c in lost:
            lost.remove(c)
    gone = deleted_comments(text, migration)
    for c in gone:
        if c in lost:
            lost.remove(c)
    assert lost == []
    # line accounting: every line outside the blocks the actions touched (and the key lines of the mappings they
    # emptied) is still there, byte for byte and in order
    touched: set[int] = set()
    for a in migration.actions:
        for path in (a.path, a.path[:-1]):
            if path in doc.index and doc.index[path].key is not None:
                from astro_config.document.moves import _block

                b = _block(doc, path)
                first, last = doc.line_index(b.start), doc.line_index(max(b.end - 1, b.start))
                touched.update(range(first, last + 1) if path == a.path else [doc.line_index(b.key_line)])
    old_lines = text.split("\n")
    # (a blank line that separated a cut block from the next key goes with it)
    touched |= {i + 1 for i in touched if i + 1 < len(old_lines) and not old_lines[i + 1].strip()}
    kept = [ln for i, ln in enumerate(old_lines) if i not in touched]
    new_lines = iter(new.split("\n"))
    missing = [ln for ln in kept if not any(ln == n for n in new_lines)]
    assert missing == []
    assert len(touched) < len(old_lines) / 2
    assert new.endswith("\n")


# --------------------------------------------------------------------------------------------------------------
# Property tests: generated files with rule keys in various shapes and styles
# --------------------------------------------------------------------------------------------------------------

SCALARS = st.sampled_from(["true", "false", "~", "null", "'x'", '"5432"', "5432", "0", "[]", "{}", "[a, b]", "yes"])
G_KEYS = [r[0] for r in m.G_RULES if "." not in r[0]] + ["features", "deployMechanisms", "rbac", "nginx", "other"]
HD_KEYS = [r[1] for r in m.HD_FLAT] + ["deploymentLifecycle", "deployMechanisms", "dagDeploy", "keep"]


@st.composite
def block_value(draw: st.DrawFn, depth: int, keys: list[str]) -> list[str]:
    """Lines (relative indentation 0) of a value: a scalar on the key line, or nested block lines."""
    kind = draw(st.sampled_from(["scalar", "scalar", "map", "list"] if depth < 2 else ["scalar"]))
    if kind == "scalar":
        return [" " + draw(SCALARS)]
    if kind == "list":
        return ["", *[f"  - {draw(SCALARS)}" for _ in range(draw(st.integers(1, 2)))]]
    return ["", *["  " + ln for ln in draw(block_map(depth + 1, keys))]]


@st.composite
def block_map(draw: st.DrawFn, depth: int, keys: list[str]) -> list[str]:
    names = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=5, unique=True))
    lines: list[str] = []
    for name in names:
        if draw(st.booleans()):
            lines.append(f"# about {name} {depth}")
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
        value = draw(block_value(depth, keys))
        comment = f"  # inline {name}" if draw(st.booleans()) and value[0] else ""
        lines.append(f"{name}:{value[0]}{comment}")
        lines.extend(value[1:])
    return lines


@st.composite
def values_files(draw: st.DrawFn) -> str:
    lines = ["global:", *["  " + ln for ln in draw(block_map(0, G_KEYS))]]
    if draw(st.booleans()):
        lines += [
            "astronomer:",
            "  houston:",
            "    config:",
            "      deployments:",
            *["        " + ln for ln in draw(block_map(0, HD_KEYS))],
        ]
    if draw(st.booleans()):  # four-space indentation
        lines = [" " * (2 * (len(ln) - len(ln.lstrip(" ")))) + ln.lstrip(" ") for ln in lines]
    text = "\n".join(lines) + ("\n" if draw(st.booleans()) else "")
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values_files(), st.sampled_from([[m.STEP_1X], [m.STEP_037X], [m.STEP_036, m.STEP_037X]]))
def test_generated_files_migrate_to_the_rules_data_keeping_comments(text: str, steps: list[str]) -> None:
    try:
        doc = reader.load_text(text)
    except Exception:  # (a generated file that is not valid YAML, e.g. `yes` as a list key)
        return
    migration, result = m.migrate_document(doc, steps)
    new = result.new.text
    assert reader.load_text(new).data == migration.data == m.migrate_values(doc.data, steps).data
    # line endings and the final newline are kept
    assert ("\r\n" in new) == ("\r\n" in text) or "\n" not in text
    assert new.endswith("\n") == text.endswith("\n") or not text.strip()
    # every comment is still there, unless it went with a deleted key or a value the rules replaced
    gone = deleted_comments(text, migration)
    replaced = [
        c for a in migration.actions if a.kind == "move" and a.transformed for c in _comments_under(doc, a.path)
    ]
    lost = comments(text.replace("\r\n", "\n"))
    for c in comments(new.replace("\r\n", "\n")) + gone + replaced:
        if c in lost:
            lost.remove(c)
    assert not any("as a new value" in n for n in result.notes)  # block files: every key moved as lines
    assert lost == []


def _comments_under(doc: reader.ValuesDocument, path: Any) -> list[str]:
    from astro_config.document.moves import _block

    if path not in doc.index:
        return []
    b = _block(doc, path)
    return comments(doc.text[b.key_line : b.end].replace("\r\n", "\n"))


def test_global_in_a_list_and_an_anchored_block() -> None:
    got = migrate("items:\n- global:\n    rbacEnabled: true  # c\n- rbacEnabled: 1\n", [m.STEP_1X])
    assert got.startswith("items:\n- global:\n    rbac:\n      enabled: true  # c\n- rbacEnabled: 1\n")
    got = migrate("global:\n  dagOnlyDeployment: &d\n    enabled: true\nother: *d\n", [m.STEP_1X])
    assert got.startswith("global:\n  deployMechanisms:\n    dagOnlyDeployment: &d\n      enabled: true\nother: *d\n")
    # a mapping shared through an alias is migrated once, where it is defined
    got = migrate("base: &b\n  rbacEnabled: true\nglobal: *b\n", [m.STEP_1X])
    assert got.startswith("base: &b\n  rbac:\n    enabled: true\nglobal: *b\n")


def test_a_key_that_only_a_merge_key_provides_is_refused_cleanly() -> None:
    from astro_config.errors import KeyPathError

    doc = reader.load_text("base: &b\n  rbacEnabled: true\nglobal:\n  <<: *b\n  sccEnabled: true\n")
    with pytest.raises(KeyPathError, match="alias or merge key"):
        m.migrate_document(doc, [m.STEP_1X])


def test_parent_created_after_the_holder_when_blank_lines_surround_the_moved_key() -> None:
    text = "global:\n  # feats\n  features:\n\n    namespacePools:\n      enabled: true\n\n  acme: false\n"
    doc = reader.load_text(text)
    _migration, result = m.migrate_document(doc, [m.STEP_1X])
    assert result.notes == []  # moved as lines, no fallback
    assert result.new.text.startswith(
        "global:\n  # feats\n\n  namespaceManagement:\n    namespacePools:\n      enabled: true\n  acme: false\n"
    )


def test_a_transformed_value_later_joined_by_another_key_is_moved_as_lines() -> None:
    # OBN turns namespaceFreeFormEntry into {enabled: false}; rule 33 then moves the hook timeout into it. The
    # recorded action keeps the value as set, so the hook timeout moves as a block with its comment.
    text = "deployments:\n  namespaceFreeFormEntry: false\n  preDeploymentValidationHookTimeout: 30  # seconds\n"
    doc = reader.load_text(
        "astronomer:\n  houston:\n    config:\n" + "".join("      " + ln + "\n" for ln in text.splitlines())
    )
    migration, result = m.migrate_document(doc, [m.STEP_1X])
    assert result.notes == []
    assert "            preDeploymentValidationHookTimeout: 30  # seconds\n" in result.new.text
    first = migration.actions[0]
    assert first.value == {"enabled": False}
