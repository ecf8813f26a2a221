"""Upload size -> resource block (the documented rule), the third-party cap, and the rule run backwards."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astro_config.errors import QuantityError
from astro_config.platform.quantities import parse_cpu, parse_memory
from astro_config.platform.sizing import (
    BLOCK_BYTES,
    BLOCK_MEMORY,
    MB,
    MIB,
    THIRD_PARTY_CAP,
    allowed_upload,
    check_resources,
    format_bytes,
    over_cap_message,
    parse_size,
    read_resources,
    size_for_upload,
)

# upload bytes -> (blocks, cpu, memory) straight from the documented rule:
# blocks = max(1, ceil(S / 15 MB)), CPU = blocks, memory = blocks x 1536Mi
RULE_TABLE = [
    (0, 1, "1", "1536Mi"),
    (1 * MB, 1, "1", "1536Mi"),
    (8 * MB, 1, "1", "1536Mi"),
    (8 * MB + 1, 1, "1", "1536Mi"),
    (10 * MB, 1, "1", "1536Mi"),
    (15 * MB, 1, "1", "1536Mi"),
    (15 * MB + 1, 2, "2", "3Gi"),
    (16 * MB, 2, "2", "3Gi"),
    (30 * MB, 2, "2", "3Gi"),
    (45 * MB, 3, "3", "4608Mi"),
    (46 * MB, 4, "4", "6Gi"),
    (1000 * MB, 67, "67", "102912Mi"),
]


@pytest.mark.parametrize("ingress", ["bundled", "third-party"])
@pytest.mark.parametrize(("upload", "blocks", "cpu", "memory"), RULE_TABLE)
def test_documented_rule(upload: int, blocks: int, cpu: str, memory: str, ingress: str) -> None:
    sizing = size_for_upload(upload, ingress)
    assert sizing.blocks == blocks
    assert sizing.cpu == Fraction(blocks)
    assert sizing.memory == blocks * 1536 * MIB
    block = {"cpu": cpu, "memory": memory}
    assert sizing.resources() == {"requests": block, "limits": block}
    over = ingress == "third-party" and upload > 8_000_000
    assert sizing.over_cap is over
    assert (sizing.error is not None) is over
    if ingress == "bundled":
        assert sizing.max_upload_bytes == blocks * 15 * MB
        assert sizing.max_upload_bytes >= upload
    else:
        assert sizing.max_upload_bytes == min(blocks * 15 * MB, 8 * MB)


def test_third_party_cap_boundary_is_exactly_8_000_000_bytes() -> None:
    assert THIRD_PARTY_CAP == 8_000_000
    assert not size_for_upload(8_000_000, "third-party").over_cap
    assert size_for_upload(8_000_001, "third-party").over_cap
    assert not size_for_upload(8_000_001, "bundled").over_cap
    assert not size_for_upload(1000 * MB, "bundled").over_cap


def test_over_cap_message_says_no_size_can_fix_it_and_what_can() -> None:
    message = size_for_upload(46 * MB, "third-party").error
    assert message is not None
    assert "46 MB" in message
    assert "no DAG server size can fix" in message
    assert "shrink" in message
    assert "bundled nginx" in message
    assert "\n" not in message
    assert size_for_upload(8_000_001, "third-party").error == over_cap_message(8_000_001)
    assert "8,000,001 bytes" in over_cap_message(8_000_001)


def test_json_shape() -> None:
    data = size_for_upload(16 * MB, "bundled").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "upload_bytes": 16_000_000,
        "ingress": "bundled",
        "blocks": 2,
        "cpu": "2",
        "memory": "3Gi",
        "resources": {"requests": {"cpu": "2", "memory": "3Gi"}, "limits": {"cpu": "2", "memory": "3Gi"}},
        "max_upload_bytes": 30_000_000,
        "over_cap": False,
        "over_ceiling": False,
    }
    assert isinstance(data["upload_bytes"], int)
    assert size_for_upload(9 * MB, "third-party").to_dict()["max_upload_bytes"] == 8_000_000


def test_bad_arguments_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="ingress"):
        size_for_upload(1, "nginx")
    with pytest.raises(ValueError, match="negative"):
        size_for_upload(-1, "bundled")


@given(st.integers(min_value=0, max_value=10**13))
def test_rule_properties(upload: int) -> None:
    sizing = size_for_upload(upload, "bundled")
    assert sizing.blocks >= 1
    assert sizing.blocks * BLOCK_BYTES >= upload  # enough
    assert sizing.blocks == 1 or (sizing.blocks - 1) * BLOCK_BYTES < upload  # and no more than needed
    assert sizing.memory == sizing.blocks * BLOCK_MEMORY
    # run backwards, the block written allows at least the upload
    back = allowed_upload(sizing.resources(), "bundled")
    assert back.blocks == sizing.blocks
    assert back.max_upload_bytes >= upload
    ok, reasons = check_resources(sizing.resources(), sizing)
    assert ok, reasons


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=10**10))
def test_rule_is_monotonic(a: int, b: int) -> None:
    small, big = sorted((a, b))
    assert size_for_upload(small, "bundled").blocks <= size_for_upload(big, "bundled").blocks


# ------------------------------------------------------------------------------------------ parse_size


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        ("12MB", 12_000_000),
        ("12.5MB", 12_500_000),
        ("12MiB", 12 * MIB),
        ("800KB", 800_000),
        ("800kB", 800_000),
        ("800kb", 800_000),
        ("1GB", 1_000_000_000),
        ("1GiB", 1024**3),
        ("123", 123),
        ("123B", 123),
        ("123b", 123),
        ("12mb", 12_000_000),
        ("12M", 12_000_000),
        ("12Mi", 12 * MIB),
        ("12 MB", 12_000_000),
        (" 8MB ", 8_000_000),
        ("0", 0),
        ("0.5KB", 500),
        (".5MB", 500_000),
        ("1.0000001KB", 1001),  # a fraction of a byte rounds up
        ("8000001", 8_000_001),
        ("1TB", 10**12),
    ],
)
def test_parse_size(text: str, nbytes: int) -> None:
    assert parse_size(text) == nbytes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.5", "did you mean 12.5MB?"),
        ("-1MB", "negative"),
        ("12XB", "unknown unit 'XB'"),
        ("", "is not a size"),
        ("MB", "is not a size"),
        ("1e6", "is not a size"),
        ("12 M B", "is not a size"),
        ("1,000", "is not a size"),
        ("9" * 31 + "MB", "too large"),
    ],
)
def test_parse_size_errors(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as info:
        parse_size(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@given(st.integers(min_value=0, max_value=10**15))
def test_parse_size_of_a_byte_count_and_of_format_bytes(n: int) -> None:
    assert parse_size(str(n)) == n
    shown = format_bytes(n)
    if "(" not in shown and not shown.endswith(("byte", "bytes")):  # exact forms parse back
        assert parse_size(shown) == n


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1 kB"),
        (1536, "1.5 kB (1,536 bytes)"),
        (8_000_000, "8 MB"),
        (8_000_001, "8.0 MB (8,000,001 bytes)"),
        (12_500_000, "12.5 MB"),
        (12_250_000, "12.25 MB"),
        (15_000_000, "15 MB"),
        (123_456_789, "123.5 MB (123,456,789 bytes)"),
        (1_000_000_000, "1 GB"),
    ],
)
def test_format_bytes(n: int, text: str) -> None:
    assert format_bytes(n) == text


# ------------------------------------------------------------------------------- the rule run backwards


def res(rcpu: Any = None, rmem: Any = None, lcpu: Any = None, lmem: Any = None) -> dict[str, Any]:
    block: dict[str, Any] = {}
    if rcpu is not None or rmem is not None:
        block["requests"] = {k: v for k, v in (("cpu", rcpu), ("memory", rmem)) if v is not None}
    if lcpu is not None or lmem is not None:
        block["limits"] = {k: v for k, v in (("cpu", lcpu), ("memory", lmem)) if v is not None}
    return block


@pytest.mark.parametrize(
    ("resources", "blocks", "bundled", "third_party"),
    [
        (res("1", "1536Mi", "1", "1536Mi"), 1, 15 * MB, 8 * MB),
        (res("2", "3Gi", "2", "3Gi"), 2, 30 * MB, 8 * MB),
        (res("3", "4608Mi", "3", "4608Mi"), 3, 45 * MB, 8 * MB),
        (res(3, "4Gi", 3, "4Gi"), 2, 30 * MB, 8 * MB),  # memory limits it: 4Gi < 3 x 1536Mi
        (res("1500m", "6Gi", "1500m", "6Gi"), 1, 15 * MB, 8 * MB),  # CPU limits it
        (res("200m", "384Mi", "200m", "384Mi"), 0, 0, 0),  # the 2.1.0 chart default
        (res("1", "1.5G", "1", "1.5G"), 0, 0, 0),  # 1.5G (decimal) is less than 1536Mi
        (res("1", "1.5Gi"), 1, 15 * MB, 8 * MB),  # no limits: the requests
        (res(lcpu="2", lmem="3Gi"), 2, 30 * MB, 8 * MB),  # no requests: Kubernetes uses the limits
        (res("4", "6Gi", "2", "3Gi"), 2, 30 * MB, 8 * MB),  # requests above limits: the smaller
        (res("1", "1536Mi", "4", "6Gi"), 1, 15 * MB, 8 * MB),  # requests below limits: the requests
        (None, 0, 0, 0),
        ({}, 0, 0, 0),
    ],
)
def test_allowed_upload(resources: dict[str, Any] | None, blocks: int, bundled: int, third_party: int) -> None:
    a = allowed_upload(resources, "bundled")
    assert (a.blocks, a.max_upload_bytes, a.capped) == (blocks, bundled, False)
    t = allowed_upload(resources, "third-party")
    assert (t.blocks, t.max_upload_bytes) == (blocks, third_party)
    assert t.capped is (blocks > 0)
    assert a.explanation and "\n" not in a.explanation
    if blocks == 0:
        assert "guarantees no upload size" in a.explanation or "below one block" in a.explanation
    if blocks > 0:
        assert "8 MB" in t.explanation


def test_allowed_upload_explains_the_default_and_the_limiting_resource() -> None:
    default = allowed_upload(None, "bundled")
    assert "platform default" in default.explanation
    memory_bound = allowed_upload(res(3, "4Gi", 3, "4Gi"), "bundled")
    assert "(limited by memory)" in memory_bound.explanation
    assert "up to 30 MB" in memory_bound.explanation
    assert memory_bound.cpu == 3
    assert memory_bound.memory == 4 * 1024**3
    inverted = allowed_upload(res("4", "6Gi", "2", "3Gi"), "bundled")
    assert any("above resources.limits.cpu" in p for p in inverted.problems)
    data = inverted.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["cpu"] == "2" and data["memory"] == "3Gi"


def test_allowed_upload_with_unreadable_values() -> None:
    a = allowed_upload(res("2x", "3Gi", "2", "3Gi"), "bundled", prefix="global.dagOnlyDeployment.resources")
    # the limit still tells us the CPU, but the unreadable request is reported
    assert a.problems == (
        "global.dagOnlyDeployment.resources.requests.cpu: '2x' is not a CPU quantity: "
        "write cores ('2', '0.5') or millicores ('1500m')",
    )
    b = allowed_upload(res(rcpu="2x", rmem="3Gi"), "bundled")
    assert b.max_upload_bytes == 0
    assert "cannot be read" in b.explanation
    c = allowed_upload({"requests": "lots"}, "bundled")
    assert c.max_upload_bytes == 0
    assert c.problems == ("resources.requests is not a mapping (a string)",)
    d = allowed_upload(res(rmem="3Gi"), "bundled")
    assert d.max_upload_bytes == 0
    assert "requests.cpu / limits.cpu not set" in d.explanation


def test_read_resources() -> None:
    values = read_resources({"requests": {"cpu": 0.5, "memory": "1Gi"}, "limits": {"cpu": 2}})
    assert values.requests_cpu == Fraction(1, 2)
    assert values.limits_cpu == 2
    assert values.limits_memory is None
    assert values.cpu == Fraction(1, 2)
    assert values.memory == 1024**3
    assert values.problems == ()
    assert read_resources("big").problems == ("resources is not a mapping (a string)",)
    assert read_resources(None).empty


# ------------------------------------------------------------------------------------ check_resources


def test_check_resources_suffices_exactly() -> None:
    need = size_for_upload(16 * MB, "bundled")
    assert check_resources(need.resources(), need) == (True, [])
    bigger = res("4", "8Gi", "4", "8Gi")
    assert check_resources(bigger, need) == (True, [])


def test_check_resources_reports_each_shortfall() -> None:
    need = size_for_upload(16 * MB, "bundled")  # 2 CPU / 3Gi
    ok, reasons = check_resources(res("200m", "384Mi", "200m", "384Mi"), need)
    assert not ok
    assert reasons == [
        "resources.limits.cpu is 200m, below the 2 needed",
        "resources.requests.cpu is 200m, below the 2 needed",
        "resources.limits.memory is 384Mi, below the 3Gi needed",
        "resources.requests.memory is 384Mi, below the 3Gi needed",
    ]


def test_check_resources_raised_requests_only_is_not_enough() -> None:
    """On 2.1.0 Helm keeps the chart's limits when a user raises only requests: an invalid pod."""
    need = size_for_upload(16 * MB, "bundled")
    merged = res("2", "3Gi", "200m", "384Mi")
    ok, reasons = check_resources(merged, need)
    assert not ok
    assert "resources.requests.cpu (2) is above resources.limits.cpu (200m)" in reasons[0]
    assert any("limits.memory is 384Mi" in r for r in reasons)


def test_check_resources_missing_pieces() -> None:
    need = size_for_upload(1 * MB, "bundled")
    ok, reasons = check_resources(None, need)
    assert not ok and "platform default" in reasons[0]
    ok, reasons = check_resources(res("1", "1536Mi"), need)
    assert not ok
    assert reasons == [
        "resources.limits.cpu is not set (the platform may fill in its own small default): set it to at least 1",
        "resources.limits.memory is not set (the platform may fill in its own small default): "
        "set it to at least 1536Mi",
    ]
    ok, reasons = check_resources(res(lcpu="1", lmem="1536Mi"), need)  # requests default to the limits
    assert ok, reasons
    ok, reasons = check_resources(res("1", "1.5G", "1", "1.5G"), need)
    assert not ok
    assert "resources.limits.memory is 1500000000, below the 1536Mi needed" in reasons


def test_check_resources_bad_quantity_is_a_reason_not_a_crash() -> None:
    need = size_for_upload(1 * MB, "bundled")
    ok, reasons = check_resources(res("1", "1.5GB", "1", "1536Mi"), need, prefix="x.resources")
    assert not ok
    assert reasons[0].startswith("x.resources.requests.memory: '1.5GB' is not a memory quantity")


@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=100 * 1024**3),
    st.integers(min_value=0, max_value=200 * MB),
)
def test_check_and_allowance_agree(millis: int, memory: int, upload: int) -> None:
    """If the current block suffices for an upload, running the rule backwards allows that upload."""
    block = {"cpu": f"{millis}m", "memory": str(memory)}
    current = {"requests": block, "limits": block}
    need = size_for_upload(upload, "bundled")
    ok, _ = check_resources(current, need)
    allowance = allowed_upload(current, "bundled")
    assert ok == (allowance.max_upload_bytes >= max(upload, 1) and allowance.blocks >= need.blocks)
    assert allowance.blocks == min(Fraction(millis, 1000), Fraction(memory, BLOCK_MEMORY)).__floor__()
    assert parse_cpu(block["cpu"]) == Fraction(millis, 1000)
    assert parse_memory(block["memory"]) == memory
