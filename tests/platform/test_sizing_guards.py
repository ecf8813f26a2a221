"""Sizing guard rails: the ceiling, never lowering resources that are already larger, and "above the need"."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from astro_config.platform import sizing
from astro_config.platform.quantities import format_cpu, format_memory, parse_cpu, parse_memory

GI = 1024**3


def test_ceiling_figures() -> None:
    assert sizing.CEILING_CPU == 16 and sizing.CEILING_MEMORY == 64 * GI
    # under the rule, 16 CPU comes first: 16 blocks of 15 MB
    assert sizing.CEILING_BYTES == 16 * 15 * sizing.MB
    assert not sizing.size_for_upload(sizing.CEILING_BYTES, "bundled").over_ceiling
    assert sizing.size_for_upload(sizing.CEILING_BYTES + 1, "bundled").over_ceiling


def test_the_reported_typos_are_over_the_ceiling() -> None:
    for text, cpu in (("40G", "2667"), ("1.5GiB", "108")):
        needed = sizing.size_for_upload(sizing.parse_size(text), "bundled")
        assert format_cpu(needed.cpu) == cpu and needed.over_ceiling
        message = sizing.ceiling_message(needed)
        assert f"{cpu} CPU" in message and "16 CPU / 64Gi ceiling" in message
        assert "split" in message and "slim the bundle" in message and "--force" in message
    assert sizing.size_for_upload(sizing.parse_size("40MB"), "bundled").to_dict()["over_ceiling"] is False


def test_keep_larger_keeps_the_eight_cpu_block() -> None:
    current = {"requests": {"cpu": 8, "memory": "16Gi"}, "limits": {"cpu": "8", "memory": "16Gi"}}
    kept = sizing.keep_larger(current, sizing.size_for_upload(20 * sizing.MB, "bundled"))
    assert kept.resources == current  # nothing lowered, values as written
    assert len(kept.kept) == 4 and not kept.raised_limits
    assert "resources.requests.cpu is 8, above the 2 needed: kept (--exact writes 2)" in kept.kept


def test_keep_larger_raises_what_is_too_small() -> None:
    current = {"requests": {"cpu": "500m", "memory": "16Gi"}, "limits": {"cpu": "1", "memory": "8Gi"}}
    kept = sizing.keep_larger(current, sizing.size_for_upload(20 * sizing.MB, "bundled"))
    assert kept.resources == {"requests": {"cpu": "2", "memory": "16Gi"}, "limits": {"cpu": "2", "memory": "16Gi"}}
    assert kept.raised_limits == (
        "resources.limits.memory set to 16Gi, the kept request (a request above its limit is rejected by Kubernetes)",
    )


def test_keep_larger_on_nothing_is_the_need() -> None:
    needed = sizing.size_for_upload(40 * sizing.MB, "bundled")
    for current in (None, {}, {"requests": "x"}, {"requests": {"cpu": "lots"}}):
        kept = sizing.keep_larger(current, needed)
        assert kept.resources == needed.resources() and not kept.kept


def test_above_need() -> None:
    needed = sizing.size_for_upload(20 * sizing.MB, "bundled")
    lines = sizing.above_need({"requests": {"cpu": 8, "memory": "3Gi"}, "limits": {"cpu": 8}}, needed)
    assert lines == [
        "resources.requests.cpu is 8, above the 2 needed",
        "resources.limits.cpu is 8, above the 2 needed",
    ]
    assert sizing.above_need(needed.resources(), needed) == []


_cpu = st.one_of(st.none(), st.integers(1, 64_000).map(lambda m: f"{m}m"))
_mem = st.one_of(st.none(), st.integers(1, 200 * 1024).map(lambda m: f"{m}Mi"))


@given(_cpu, _mem, _cpu, _mem, st.integers(0, 300 * sizing.MB))
def test_keep_larger_never_lowers_and_stays_valid(
    rc: str | None, rm: str | None, lc: str | None, lm: str | None, upload: int
) -> None:
    current: dict[str, Any] = {"requests": {}, "limits": {}}
    for side, name, value in (("requests", "cpu", rc), ("requests", "memory", rm), ("limits", "cpu", lc)):
        if value is not None:
            current[side][name] = value
    if lm is not None:
        current["limits"]["memory"] = lm
    needed = sizing.size_for_upload(upload, "bundled")
    out = sizing.keep_larger(current, needed).resources
    for name, parse, need in (("cpu", parse_cpu, needed.cpu), ("memory", parse_memory, needed.memory)):
        req, lim = parse(out["requests"][name]), parse(out["limits"][name])
        assert req >= need and lim >= need  # the need is always met
        assert req <= lim  # never an invalid pod
        for side in ("requests", "limits"):
            before = current[side].get(name)
            if before is not None:
                assert parse(out[side][name]) >= parse(before)  # never lowered
        if current["requests"].get(name) is None and current["limits"].get(name) is not None:
            assert req >= parse(current["limits"][name])  # a missing request meant the limit
    ok, reasons = sizing.check_resources(out, needed)
    assert ok, reasons
    assert isinstance(format_memory(parse_memory(out["limits"]["memory"])), str)
    assert Fraction(parse_cpu(out["limits"]["cpu"])) >= 0
