"""``--dags-dir`` on an Astro project root measures its ``dags/`` folder (what ``astro deploy --dags`` ships)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from astro_config.platform import bundle


def _project(root: Path, marker: str | None) -> Path:
    (root / "dags").mkdir(parents=True)
    (root / "dags" / "etl.py").write_text("from airflow import DAG\n" * 50)
    (root / "include").mkdir()
    (root / "include" / "data.bin").write_bytes(os.urandom(300_000))  # big, and not shipped by --dags
    if marker == "Dockerfile":
        (root / "Dockerfile").write_text("FROM quay.io/astronomer/astro-runtime:12.0.0\n")
    elif marker == ".astro":
        (root / ".astro").mkdir()
        (root / ".astro" / "config.yaml").write_text("project:\n  name: proj\n")
    return root


@pytest.mark.parametrize("marker", ["Dockerfile", ".astro"])
def test_project_root_measures_dags(tmp_path: Path, marker: str) -> None:
    root = _project(tmp_path / "proj", marker)
    assert bundle.project_dags(root) == str(root / "dags")
    report = bundle.measure(root)
    alone = bundle.measure(root / "dags")
    assert report.compressed_bytes == alone.compressed_bytes < 100_000  # include/ (300 kB of noise) left out
    assert report.file_count == 1 and report.path == str(root / "dags")
    assert report.project_root == str(root) and report.to_dict()["project_root"] == str(root)
    assert any("is an Astro project" in n and "astro deploy --dags" in n for n in report.notes)
    assert alone.project_root is None and not alone.notes


def test_a_folder_without_the_markers_is_measured_whole(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", None)
    assert bundle.project_dags(root) is None
    report = bundle.measure(root)
    assert report.project_root is None and report.file_count == 2 and report.compressed_bytes > 300_000


def test_dockerfile_without_dags_is_not_a_project(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    assert bundle.project_dags(tmp_path) is None
    assert bundle.measure(tmp_path).file_count == 2
