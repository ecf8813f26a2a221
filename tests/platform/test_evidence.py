"""Evidence in a file against the declared platform version (platform/evidence.py)."""

from __future__ import annotations

import pytest

from astro_config.document.reader import load_text
from astro_config.errors import PlatformVersionError
from astro_config.platform import evidence
from astro_config.platform.profiles import generation_for_version

V2 = "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: true\n"
V034 = "global:\n  dagOnlyDeployment:\n    enabled: true\n    image: quay.io/astronomer/ap-dag-deploy:0.3.6\n"
V036 = "global:\n  dagOnlyDeployment:\n    enabled: true\n    tag: 0.9.2\n"
SHARED_ONLY = "global:\n  dagOnlyDeployment:\n    enabled: true\n"
BOTH = V2 + "  nginxEnabled: false\n  dagOnlyDeployment:\n    image: a:b\n"


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["x", "status", "--platform-version", "0.37.7"], {}, "--platform-version 0.37.7"),
        (
            ["x", "status", "--platform-version=0.37.7"],
            {"ASTRO_PLATFORM_VERSION": "2.1.0"},
            "--platform-version 0.37.7",
        ),
        (["x", "status", "f.yaml"], {"ASTRO_PLATFORM_VERSION": "0.37.7"}, "ASTRO_PLATFORM_VERSION=0.37.7"),
        (
            ["x", "status", "--", "--platform-version"],
            {"ASTRO_PLATFORM_VERSION": "0.37.7"},
            "ASTRO_PLATFORM_VERSION=0.37.7",
        ),
    ],
)
def test_where_the_version_came_from(argv: list[str], env: dict[str, str], expected: str) -> None:
    assert evidence.version_source("0.37.7", argv, env) == expected


@pytest.mark.parametrize(
    ("text", "version", "file_gen"),
    [(V2, "0.37.7", "2"), (V2, "0.34.5", "2"), (V034, "2.1.0", "0.34"), (V034, "1.2.0", "0.34"),
     (V036, "0.35.4", "0.36"), (V036, "2.0.0", "0.36")],
)  # fmt: skip
def test_a_file_of_another_generation_conflicts(text: str, version: str, file_gen: str) -> None:
    doc = load_text(text, name="v.yaml")
    conflict = evidence.find_conflict(doc, generation_for_version(version))
    assert conflict is not None and conflict.file_generation.id == file_gen
    assert all(where and where.startswith("v.yaml:") for _, where in conflict.keys)


@pytest.mark.parametrize(
    ("text", "version"), [(V2, "2.1.0"), (V034, "0.35.4"), (V036, "1.2.0"), (SHARED_ONLY, "2.1.0"), (BOTH, "0.37.7"),
                          ("{}\n", "2.1.0")],
)  # fmt: skip
def test_no_conflict_when_the_file_agrees_or_cannot_tell(text: str, version: str) -> None:
    assert evidence.find_conflict(load_text(text, name="v.yaml"), generation_for_version(version)) is None


def test_the_message_names_keys_lines_source_and_migrate_for_an_older_file() -> None:
    doc = load_text(V034, name="v.yaml")
    with pytest.raises(PlatformVersionError) as info:
        evidence.check_declared(
            doc, generation_for_version("2.1.0"), "2.1.0", ["x"], {"ASTRO_PLATFORM_VERSION": "2.1.0"}
        )
    text = str(info.value)
    assert "global.dagOnlyDeployment.image (v.yaml:4)" in text
    assert "ASTRO_PLATFORM_VERSION=2.1.0 is a 2.x release" in text
    assert "astro-config migrate v.yaml --to 2.1.0" in text and "--force" in text
    with pytest.raises(PlatformVersionError) as newer:
        evidence.check_declared(load_text(V2, name="n.yaml"), generation_for_version("0.37.7"), "0.37.7", ["x"], {})
    assert "migrate" not in str(newer.value) and "--platform-version 0.37.7" in str(newer.value)


def test_force_and_inferred_versions_go_on() -> None:
    doc = load_text(V034, name="v.yaml")
    declared = generation_for_version("2.1.0")
    forced = evidence.check_declared(doc, declared, "v2.1.0", ["x"], {"ASTRO_PLATFORM_VERSION": "v2.1.0"}, force=True)
    assert forced.generation is declared.generation
    assert forced.decided_by == "ASTRO_PLATFORM_VERSION=2.1.0"
    assert evidence.check_declared(doc, declared, None, ["x"], {}) is declared


def test_a_file_at_version_names_itself() -> None:
    argv = ["x", "status", "a.yaml@0.37.7", "b.yaml", "--platform-version", "2.1.0"]
    assert evidence.version_source("0.37.7", argv, {}) == "a.yaml@0.37.7"
    assert evidence.version_source("2.1.0", argv, {}) == "--platform-version 2.1.0"
