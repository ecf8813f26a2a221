"""Folder lint skips other charts' values files (listed in every format); honest counts for layered sets."""

from __future__ import annotations

import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import SAMPLES

from astro_config.lint import engine
from astro_config.lint.reporters import REPORTERS, checked_text, summary
from astro_config.models import Result

REDIS = (
    "architecture: replication\nauth:\n  enabled: true\n  password: hunter2\nmaster:\n  persistence:\n    size: 8Gi\n"
)


@pytest.fixture
def deploy(tmp_path: Path) -> Path:
    d = tmp_path / "deploy"
    d.mkdir()
    shutil.copy(SAMPLES / "platform-2.1.yaml", d / "astronomer.yaml")
    shutil.copy(SAMPLES / "half-enabled.yaml", d / "half.yaml")
    (d / "redis.yaml").write_text(REDIS)
    (d / "empty.yaml").write_text("# nothing yet\n")
    (d / "nginx-only.yaml").write_text("global:\n  nginx:\n    enabled: false\n")  # a platform key: linted
    return d


def render(fmt: str, result: Result) -> str:
    out = io.StringIO()
    REPORTERS[fmt](out).report(result)
    return out.getvalue()


def test_has_platform_keys() -> None:
    assert not engine.has_platform_keys({"architecture": "replication", "global": {"imageRegistry": "x"}})
    assert engine.has_platform_keys({"astronomer": {"houston": {}}})
    assert engine.has_platform_keys({"global": {"baseDomain": "x"}})
    assert engine.has_platform_keys({"global": {"dagOnlyDeployment": {}}})
    assert engine.has_platform_keys({"global": {"deployMechanisms": {}}})
    assert engine.has_platform_keys({"global": {"nginxEnabled": False}})


@pytest.mark.parametrize("jobs", [1, 2])
def test_folder_skips_other_charts(deploy: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MIN_FILES_PER_JOB", 1)
    result = engine.lint_paths([deploy], jobs=jobs)
    skipped = [name for name, _ in result.skipped]
    assert skipped == [str(deploy / "empty.yaml"), str(deploy / "redis.yaml")]
    assert all(reason == engine.SKIP_REASON for _, reason in result.skipped)
    assert str(deploy / "redis.yaml") not in result.files and len(result.files) == 3
    assert {p.rule for p in result.problems} == {"flags-disagree"}  # no unknown-platform for redis
    assert result.exit_code() == 1  # the half-enabled file still fails the run


def test_strict_makes_skips_errors(deploy: Path) -> None:
    result = engine.lint_paths([deploy], strict_skips=True)
    assert not result.skipped
    foreign = [p for p in result.problems if p.rule == "unknown-platform"]
    assert sorted(p.file for p in foreign) == [str(deploy / "empty.yaml"), str(deploy / "redis.yaml")]
    assert all(p.severity == "error" for p in foreign)


def test_named_files_and_globs(deploy: Path) -> None:
    named = engine.lint_paths([deploy / "redis.yaml"])  # named on its own: linted, not skipped
    assert not named.skipped and [p.rule for p in named.problems] == ["unknown-platform"]
    globbed = engine.lint_paths([str(deploy / "*.yaml")])
    assert [Path(n).name for n, _ in globbed.skipped] == ["empty.yaml", "redis.yaml"]


def test_a_broken_file_in_a_folder_is_still_a_finding(deploy: Path) -> None:
    (deploy / "broken.yaml").write_text("a: [\n")
    result = engine.lint_paths([deploy])
    assert [p.rule for p in result.problems if p.file.endswith("broken.yaml")] == ["syntax"]


def test_skipped_in_every_format(deploy: Path) -> None:
    result = engine.lint_paths([deploy])
    redis = str(deploy / "redis.yaml")
    text = render("text", result)
    assert f"{redis}: skipped: {engine.SKIP_REASON}\n" in text
    assert text.endswith("3 files checked, 2 skipped (no platform keys): 1 error, 0 warnings in 1 file\n")
    data = json.loads(render("json", result))
    assert {"file": redis, "reason": engine.SKIP_REASON} in data["skipped"]
    assert data["summary"]["skipped"] == 2 and data["summary"]["files"] == 3
    sarif = json.loads(render("sarif", result))
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
    assert uris == [Path(deploy / "empty.yaml").as_uri(), Path(redis).as_uri()]
    assert all(n["message"]["text"] == f"skipped: {engine.SKIP_REASON}" for n in notes)
    suite = ET.fromstring(render("junit", result)).find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("tests") == "5"
    case = next(c for c in suite.iter("testcase") if c.get("name") == redis)
    assert case.find("skipped") is not None


def test_counts_for_layered_sets() -> None:
    only = Result(files=["-f a.yaml -f b.yaml"], layered={"-f a.yaml -f b.yaml": 2})
    assert checked_text(summary(only)) == "2 files in 1 layered set checked"
    assert render("text", only) == "2 files in 1 layered set checked: no problems\n"
    mixed = Result(files=["c.yaml", "-f a.yaml -f b.yaml"], layered={"-f a.yaml -f b.yaml": 2})
    assert checked_text(summary(mixed)) == "3 files (2 in 1 layered set) checked"
    assert checked_text(summary(Result(files=["a.yaml"]))) == "1 file checked"
