"""Fuzzing layering (``-f`` files, ``--set``, chart defaults), ``--set`` parsing, quantities, and every command.

Whatever the input, only the tool's own errors (``AstroConfigError`` subclasses, one line) may come out. Where
something is computed, it is checked against an independent model:

- merging ``-f`` files equals a ten-line model of Helm's merge (maps merge key by key, anything else replaces);
  every effective value has an origin; Helm's ``toYaml`` text of the result reads back as the same data;
- a ``--set a.b=VALUE`` puts exactly ``typed_value(VALUE)`` at ``a.b`` over any files;
- a quantity that parses formats to a canonical text that parses to the same amount;
- every command, on mutated real files and random arguments, exits 0, 1 or 2 with at most one ``error:`` line;
- ``dag-deploy enable/disable -w`` on damaged release files either refuses (file untouched) or writes a file
  that ``status`` reads as enabled/disabled, flags agreeing, resources sufficient for ``--upload``.

Profiles as in :mod:`fuzzkit` (``HYPOTHESIS_PROFILE=long`` for >= 10,000 examples per test).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ASTRONOMER_RELEASES, astronomer_files
from fuzzkit import PROFILE, SEEDS, mutated
from hypothesis import event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from astro_config.cli.main import app
from astro_config.errors import AstroConfigError, QuantityError, VerificationError
from astro_config.helm import helmyaml, layering, setvalues
from astro_config.helm.setvalues import SetArg
from astro_config.platform.quantities import format_cpu, format_memory, parse_cpu, parse_memory

COUNTS: dict[str, int] = {}


def release_files() -> list[tuple[Path, str]]:
    return [(p, ASTRONOMER_RELEASES[p.parent.name]) for p in astronomer_files() if p.parent.name in ASTRONOMER_RELEASES]


def count(what: str) -> None:
    COUNTS[what] = COUNTS.get(what, 0) + 1
    event(what)


def one_line_error(e: AstroConfigError) -> None:
    assert not isinstance(e, VerificationError), str(e)
    assert "\n" not in str(e), str(e)


# --------------------------------------------------------------------------------------------------------------
# Values as Helm holds them: string keys; strings, booleans, integers (float64-exact), floats, maps, lists
# --------------------------------------------------------------------------------------------------------------

keys = st.sampled_from(["a", "b", "c", "global", "image", "tag", "enabled", "x.y", "1", "on", "list"])
leaves = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: abs(f) < 1e300),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=4)),
    max_leaves=12,
)
maps = st.dictionaries(keys, trees, max_size=5)


def helm_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """The model: Helm's merge of one -f file over the ones before it (no nulls in these inputs)."""
    out = dict(base)
    for k, v in top.items():
        out[k] = helm_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def as_text(data: dict[str, Any]) -> str:
    """A values file holding ``data`` (JSON is YAML; Helm reads it the same)."""
    return json.dumps(data, ensure_ascii=False)


def leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict) and data:
        return [p for k, v in data.items() for p in leaf_paths(v, (*prefix, k))]
    return [prefix] if prefix else []


@settings(PROFILE)
@given(st.lists(maps, min_size=1, max_size=4))
def test_merging_files_matches_the_model(files: list[dict[str, Any]]) -> None:
    layers = [layering.Layer.from_text(as_text(f), f"f{i}.yaml") for i, f in enumerate(files, start=1)]
    eff = layering.merge(layers)
    expected: dict[str, Any] = {}
    for f in files:
        expected = helm_merge(expected, f)
    assert helmyaml.canonical(eff.values) == helmyaml.canonical(expected)
    for path in leaf_paths(eff.values):
        assert eff.origin(path) is not None, path
    # Helm's toYaml text of the result reads back as the same values (what a template's fromYaml would see)
    again = helmyaml.load(helmyaml.to_yaml(eff.values), "toYaml").data
    assert helmyaml.canonical(again) == helmyaml.canonical(eff.values)
    count("merged")


set_keys = st.lists(st.sampled_from(["a", "b", "c", "global", "tag"]), min_size=1, max_size=3)
set_values = st.text(st.sampled_from([*"abz019.-+ _:/@xyTrueFalsenul"]), max_size=10)


@settings(PROFILE)
@given(maps, set_keys, set_values, st.booleans())
def test_a_set_argument_lands_where_it_says(file: dict[str, Any], path: list[str], value: str, as_string: bool) -> None:
    """``--set a.b=VALUE`` over a file: the value at a.b is exactly Helm's typing of VALUE (and --set-string
    keeps the text). Values with Helm's own syntax (commas, braces, backslashes) are left to the test below."""
    layer = layering.Layer.from_text(as_text(file), "f.yaml")
    arg = SetArg(f"{'.'.join(path)}={value}", "set-string" if as_string else "set")
    try:
        eff = layering.merge([layer], [arg])
    except AstroConfigError as e:  # e.g. a.b over a scalar a: Helm refuses too
        one_line_error(e)
        count("set refused")
        return
    want = value if as_string else setvalues.typed_value(value)
    assert eff.get(tuple(path)) == want
    assert eff.origin(tuple(path)) is not None
    count("set applied")


set_text = st.text(st.sampled_from([*"ab.=,[]{}\\0123 -x\"'"]), max_size=24)


@settings(PROFILE)
@given(st.lists(st.sampled_from(SEEDS[:4] or [b"a: 1\n"]), max_size=2), st.lists(set_text, max_size=3),
       st.booleans())  # fmt: skip
def test_random_set_arguments_over_real_files(files: list[bytes], args: list[str], with_chart: bool) -> None:
    layers = [layering.Layer.from_text(f.decode("utf-8"), f"f{i}.yaml") for i, f in enumerate(files)]
    chart = layering.Layer.from_text(SEEDS[0].decode("utf-8"), "chart.yaml", layering.LayerKind.CHART)
    try:
        eff = layering.merge(layers, [SetArg(a) for a in args], chart if with_chart else None)
    except AstroConfigError as e:
        one_line_error(e)
        count("set syntax refused")
        return
    helmyaml.to_yaml(eff.values)
    helmyaml.to_json(eff.values)
    for path in leaf_paths(eff.values)[:200]:
        layering.explain(eff, path)
    count("set parsed")


@settings(PROFILE)
@given(st.lists(mutated(most=3), min_size=1, max_size=3))
def test_merging_mutated_real_files(files: list[bytes]) -> None:
    try:
        layers = [layering.Layer.from_text(f.decode("utf-8"), f"f{i}.yaml") for i, f in enumerate(files)]
        eff = layering.merge(layers)
    except UnicodeDecodeError:
        count("not UTF-8")
        return
    except AstroConfigError as e:
        one_line_error(e)
        count("file refused")
        return
    helmyaml.to_yaml(eff.values)
    count("files merged")


# --------------------------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------------------------

_well_formed = st.builds(
    "{}{}{}".format,
    st.sampled_from(["", "+", "-"]),
    st.decimals(0, 10**7, places=4, allow_nan=False, allow_infinity=False).map(str) | st.integers(0, 10**20).map(str),
    st.sampled_from(["", "m", "u", "n", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "E-2"]),
)
quantity_text = st.one_of(
    _well_formed,
    _well_formed,
    st.lists(st.sampled_from([*"0123456789.+-eEkMGTPKimun ", "Ki", "Mi", "Gi", "Ti"]), max_size=12).map("".join),
    st.text(max_size=10),
)


@settings(PROFILE)
@given(quantity_text)
def test_quantities(text: str) -> None:
    for parse, fmt in ((parse_cpu, format_cpu), (parse_memory, format_memory)):
        try:
            amount = parse(text)
        except QuantityError as e:
            assert "\n" not in str(e)
            count(f"{parse.__name__} refused")
            continue
        canonical = fmt(amount)  # type: ignore[operator]
        assert parse(canonical) == amount, (text, canonical)
        count(f"{parse.__name__} read")


# --------------------------------------------------------------------------------------------------------------
# Every command
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-commands")


COMMANDS = [
    ["lint", "{a}"],
    ["lint", "{a}", "--format", "json"],
    ["lint", "{a}", "{b}", "--format", "sarif"],
    ["dag-deploy", "status", "{a}"],
    ["dag-deploy", "status", "{a}", "--platform-version", "0.37.7", "--format", "json"],
    ["dag-deploy", "status", "-f", "{a}", "-f", "{b}", "--set", "{set}", "--platform-version", "2.1.0"],
    ["dag-deploy", "enable", "{a}"],
    ["dag-deploy", "enable", "{a}", "--platform-version", "0.36.1", "--overrides", "{out}"],
    ["dag-deploy", "disable", "{a}", "--check", "--platform-version", "0.34.5"],
    ["dag-deploy", "enable", "{a}", "--upload", "{size}", "--ingress", "third-party", "--platform-version", "2.1"],
    ["dag-deploy", "size", "--upload", "{size}", "-f", "{a}"],
    ["lint", "{a}", "--platform-version", "0.37.7", "--format", "github"],
    ["merge", "-f", "{a}", "-f", "{b}", "--set", "{set}"],
    ["merge", "-f", "{a}", "--format", "json"],
    ["explain", "global.dagOnlyDeployment.enabled", "-f", "{a}", "-f", "{b}"],
    ["diff", "{a}", "{b}"],
    ["get", "{a}", "global"],
    ["set", "{a}", "{set}"],
]


@settings(PROFILE.__class__(PROFILE, max_examples=max(30, PROFILE.max_examples // 2)))
@given(
    command=st.sampled_from(COMMANDS),
    a=mutated(most=2),
    b=mutated(most=2),
    set_arg=st.sampled_from(["global.dagOnlyDeployment.enabled=true", "a.b[1]=x", "x={1,2}", "bad", "a..b=1"]),
    size=st.sampled_from(["40MB", "8MB", "9MB", "0", "-1", "1e9", "lots", "15MiB"]),
)
def test_every_command_on_mutated_files(
    workdir: Path, command: list[str], a: bytes, b: bytes, set_arg: str, size: str
) -> None:
    (workdir / "a.yaml").write_bytes(a)
    (workdir / "b.yaml").write_bytes(b)
    subs = {
        "{a}": str(workdir / "a.yaml"),
        "{b}": str(workdir / "b.yaml"),
        "{out}": str(workdir / "out.yaml"),
        "{set}": set_arg,
        "{size}": size,
    }
    argv = [subs.get(x, x) for x in command]
    result = CliRunner().invoke(app, argv, catch_exceptions=False)  # an exception here would reach the user
    assert result.exit_code in (0, 1, 2), (argv, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) <= 1, result.stderr
    assert "Traceback" not in result.output
    assert (workdir / "a.yaml").read_bytes() == a  # nothing here writes
    count(f"{' '.join(command[:2])} exit {result.exit_code}")


# The main job on damaged release files: whatever enable/disable accept, status must then agree with.
RELEASES = [(path.read_bytes(), version) for path, version in release_files()]


@st.composite
def damaged_release(draw: st.DrawFn) -> tuple[bytes, str]:
    raw, version = draw(st.sampled_from(RELEASES))
    data = bytearray(raw)
    for _ in range(draw(st.integers(0, 3))):  # a few small cuts and pastes keep most files readable
        i = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            del data[i : i + draw(st.integers(1, 40))]
        else:
            j = draw(st.integers(0, len(data) - 1))
            data[i:i] = data[j : j + draw(st.integers(1, 120))]
    return bytes(data), version


@pytest.mark.skipif(not RELEASES, reason="../shared/astronomer is not present")
@settings(PROFILE.__class__(PROFILE, max_examples=max(30, PROFILE.max_examples // 2)))
@given(release=damaged_release(), on=st.booleans(), upload=st.sampled_from([None, "1MB", "40MB", "200MB"]))
def test_enable_disable_then_status_agrees(
    workdir: Path, release: tuple[bytes, str], on: bool, upload: str | None
) -> None:
    """``dag-deploy enable -w`` (or ``disable -w``) on a damaged release file either refuses in one line and
    leaves the file alone, or writes a file that ``status`` reads as enabled (disabled) with the two flags
    agreeing, and whose resources, when ``--upload`` was given, suffice for that upload."""
    raw, version = release
    f = workdir / "release.yaml"
    f.write_bytes(raw)
    argv = ["dag-deploy", "enable" if on else "disable", str(f), "-w", "--platform-version", version]
    if on and upload:
        argv += ["--upload", upload, "--force"]
    elif on:
        argv += ["--force"]
    result = CliRunner().invoke(app, argv, catch_exceptions=False)
    assert result.exit_code in (0, 2), (argv, result.output)
    if result.exit_code != 0:
        assert f.read_bytes() == raw
        assert len([x for x in result.stderr.splitlines() if x.startswith("error:")]) == 1, result.stderr
        count("toggle refused")
        return
    status = CliRunner().invoke(
        app, ["dag-deploy", "status", str(f), "--platform-version", version, "--format", "json"]
    )
    assert status.exit_code in (0, 1), status.output
    (state,) = json.loads(status.stdout)["files"]
    assert state["state"] == ("enabled" if on else "disabled") and state["agree"], state
    if on and upload:
        size = CliRunner().invoke(app, ["dag-deploy", "size", "--upload", upload, "-f", str(f),
                                        "--platform-version", version, "--format", "json"])  # fmt: skip
        assert size.exit_code == 0, size.output
        assert json.loads(size.stdout)["current"]["suffices"] is True
    count(f"{'enabled' if on else 'disabled'}{' and sized' if on and upload else ''}")


def test_record_counts() -> None:
    """(runs last in this file) what the tests above tried, for SECURITY.md."""
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / "fuzz-layers-cli.json").write_text(json.dumps(dict(sorted(COUNTS.items())), indent=2) + "\n")
    print(f"\nfuzz-layers-cli: {json.dumps(dict(sorted(COUNTS.items())))}")
