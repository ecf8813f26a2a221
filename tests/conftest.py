"""Shared test fixtures. Real chart files are read from ../shared beside the repository, never copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# In CI (the CI variable set, as .ci/run does) the property and fuzz tests run a fixed, reproducible set of
# examples: a red CI run can be rerun and debugged. Elsewhere each run explores new examples (and keeps the
# failing ones in .hypothesis/). The profiles the test modules register inherit this setting.
if os.environ.get("CI"):
    settings.register_profile("astro-config-ci", derandomize=True, database=None)
    settings.load_profile("astro-config-ci")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ASTRO_CONFIG_SHARED", ROOT.parent / "shared"))
ASTRONOMER = SHARED / "astronomer"
CORPUS = SHARED / "corpus"
SAMPLES = ROOT / "sample-values"

# release folder -> platform version
ASTRONOMER_RELEASES = {"v0.34.5": "0.34.5", "v0.36.1": "0.36.1", "v0.37.7": "0.37.7", "v2.1.0": "2.1.0"}


def astronomer_files() -> list[Path]:
    if not ASTRONOMER.is_dir():
        return []
    return sorted(ASTRONOMER.glob("v*/values.yaml"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob("*.yaml"))


def real_files() -> list[Path]:
    """Every real values file in ../shared (chart releases and the public corpus)."""
    return astronomer_files() + corpus_files()


needs_shared = pytest.mark.skipif(not ASTRONOMER.is_dir(), reason="../shared/astronomer is not present")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("ASTRO_PLATFORM_VERSION", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
