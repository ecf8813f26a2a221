"""Per-release facts of the platform chart, generated from the real charts.

The data lives in ``release_data.json`` beside this module, written by ``scripts/extract_release_data.py`` from the
chart archive of every release (0.34.0 to 2.1.0; see that script for how each fact is read: tarfile for the
defaults, ``helm template`` with sentinel values for the Houston config keys). It is read on first use only:
``--help`` and ``dag-deploy size`` never load it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from astro_config.errors import PlatformVersionError
from astro_config.keypath import KeyPath
from astro_config.platform.profiles import GENERATION_BY_ID, Generation, Version, parse_version

DATA_FILE = Path(__file__).with_name("release_data.json")
PASSTHROUGH: KeyPath = ("astronomer", "houston", "config")


class Image(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    repository: str
    tag: str

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"


class HoustonKey(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    """One Houston config key the chart generates: ``houston`` (in ``file``) <- ``values`` (``part`` of it).

    ``part`` is ``whole`` (copied as is), ``mapping`` (a mapping copied whole with ``toYaml``), or ``repository`` /
    ``tag`` (the part of an ``image: repo:tag`` value before the first / after the last colon).
    """

    file: str  # production.yaml or local-production.yaml
    houston: KeyPath
    values: KeyPath
    part: str


class Release(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    version: str  # "0.37.7"
    generation: str  # layout generation id: "0.34" (0.34-0.35), "0.36" (0.36-1.x), "2" (2.x)
    block: KeyPath  # the chart's DAG-only values block
    default_image: Image  # the chart's default ap-dag-deploy image
    default_resources: Mapping[str, Any]  # the chart's default for the block's resources ({}: Houston's applies)
    block_defaults: Mapping[str, Any]  # the chart's whole default DAG-only block
    raw_houston_keys: tuple[Mapping[str, Any], ...]  # the data's rows (see houston_key_list)
    kube_version: str | None  # --kube-version this release needs to render with Helm 3.17 (None: Helm's default)
    houston_defaults: Mapping[str, Any] | None  # Houston's built-in DAG-deploy defaults, where known
    houston_defaults_source: str | None
    chart: str  # archive name

    @property
    def version_tuple(self) -> Version:
        return parse_version(self.version)[0]

    @property
    def generation_info(self) -> Generation:
        return GENERATION_BY_ID[self.generation]

    @property
    def generation_label(self) -> str:
        return self.generation_info.label

    @property
    def houston_key_list(self) -> tuple[HoustonKey, ...]:
        """Everything the chart generates from the values for DAG deploys (built from the data on first use:
        a run needs the keys of one release, not of all 35)."""
        built = _KEYS.get(self.version)
        if built is None:
            built = _KEYS[self.version] = tuple(
                HoustonKey(k["file"], _path(k["houston"]), _path(k["values"]), k["part"]) for k in self.raw_houston_keys
            )
        return built

    @property
    def houston_keys(self) -> dict[KeyPath, KeyPath]:
        """``production.yaml`` path -> values path, for every key the chart generates for DAG deploys."""
        return {k.houston: k.values for k in self.houston_key_list if k.file == "production.yaml"}

    def houston_paths_from(self, values_path: KeyPath) -> list[KeyPath]:
        """The ``production.yaml`` paths the chart fills from ``values_path`` (empty: the release ignores it)."""
        return [k.houston for k in self.houston_key_list if k.file == "production.yaml" and k.values == values_path]


_KEYS: dict[str, tuple[HoustonKey, ...]] = {}  # release version -> its Houston keys, as built


def _path(items: Any) -> KeyPath:
    return tuple(str(x) for x in items)


def _release(raw: Mapping[str, Any]) -> Release:
    return Release(
        version=raw["version"],
        generation=raw["generation"],
        block=_path(raw["block"]),
        default_image=Image(raw["default_image"]["repository"], raw["default_image"]["tag"]),
        default_resources=raw["default_resources"],
        block_defaults=raw["block_defaults"],
        raw_houston_keys=tuple(raw["houston_keys"]),
        kube_version=raw["kube_version"],
        houston_defaults=raw["houston_defaults"],
        houston_defaults_source=raw["houston_defaults_source"],
        chart=raw["chart"],
    )


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


@functools.cache
def _releases() -> tuple[Release, ...]:
    return tuple(sorted((_release(r) for r in _data()["releases"]), key=lambda r: r.version_tuple))


def releases() -> list[Release]:
    """Every release the data knows, oldest first."""
    return list(_releases())


def known_range() -> str:
    known = _releases()
    return f"{known[0].version}..{known[-1].version}"


def release(version: str) -> Release:
    """The release ``version`` (``0.37.7``, ``v2.1.0``); :class:`PlatformVersionError` when it is not known."""
    v, has_patch = parse_version(version)
    for rel in _releases():
        if rel.version_tuple == v and has_patch:
            return rel
    raise PlatformVersionError(
        f"platform release {version} is not one astro-config has chart data for (known: {known_range()})"
    )


def find(v: Version) -> Release | None:
    """The release ``v`` when the data knows it."""
    return next((r for r in _releases() if r.version_tuple == v), None)


def candidates(v: Version | None, has_patch: bool, generation: str) -> list[Release]:
    """The known releases a platform version may mean, within one layout generation.

    ``X.Y.Z`` known: that release. ``X.Y.Z`` unknown: the nearest known release below it (a newer patch keeps at
    least its predecessor's defaults), or none. ``X.Y``: every known ``X.Y.*``. No version: every release of the
    generation.
    """
    gen = [r for r in _releases() if r.generation == generation]
    if v is None:
        return gen
    if not has_patch:
        return [r for r in gen if r.version_tuple[:2] == v[:2]]
    exact = [r for r in gen if r.version_tuple == v]
    if exact:
        return exact
    below = [r for r in gen if r.version_tuple < v]
    return below[-1:]


def representative(generation: str, v: Version | None, has_patch: bool) -> Release:
    """The ONE known release whose chart facts stand for a platform version of layout ``generation``.

    - ``X.Y.Z`` known: that release.
    - ``X.Y.Z`` unknown (``2.2.0``, ``0.37.9``): the nearest known release below it in the generation (a newer
      patch keeps at least its predecessor's keys and defaults, as :func:`candidates` assumes).
    - ``X.Y``: the newest known ``X.Y.*`` (else the nearest known release below ``X.Y.0``).
    - no version (the generation was inferred from the file's keys): the newest known release of the generation.

    A version older than every known release of its generation gets the oldest one. Raises
    :class:`PlatformVersionError` for a generation the data has no release of.
    """
    gen = [r for r in _releases() if r.generation == generation]
    if not gen:
        raise PlatformVersionError(f"no chart data for the {generation} layout (known: {known_range()})")
    if v is None:
        return gen[-1]
    if has_patch:
        exact = [r for r in gen if r.version_tuple == v]
        if exact:
            return exact[0]
    else:
        line = [r for r in gen if r.version_tuple[:2] == v[:2]]
        if line:
            return line[-1]
    below = [r for r in gen if r.version_tuple < v]
    return below[-1] if below else gen[0]


def default_image_tag(generation: str, v: Version | None) -> str | None:
    """The chart's default ap-dag-deploy tag for release ``v`` of a layout generation: that release's, else the
    nearest known release's below it; the newest of the generation for None (what the hand-kept table of
    ``Generation.default_image_tag`` gave before the data was generated)."""
    found = candidates(v, True, generation) if v is not None else candidates(None, False, generation)[-1:]
    return found[0].default_image.tag if found else None


def sources() -> Mapping[str, Any]:
    """The chart digests and Houston-defaults files the data was generated from."""
    src: Mapping[str, Any] = _data()["sources"]
    return src
